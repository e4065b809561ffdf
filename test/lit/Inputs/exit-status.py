"""Runs a command, passes its output through and prints its exit status, so
that a test can check the status is exactly 1 (`not` accepts any failure,
crashes included). A signal shows as a negative status."""

import subprocess
import sys

status = subprocess.call(sys.argv[1:])
sys.stdout.flush()
print("exit status %d" % status)
