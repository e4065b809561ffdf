"""``python3 -m optgym.deploy``: the same as ``python3 -m optgym deploy``."""

import sys

from .cli import main

sys.exit(main())
