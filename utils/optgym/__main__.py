"""``python3 -m optgym``: the command line (see optgym.cli)."""

import sys

from .cli import main

sys.exit(main())
