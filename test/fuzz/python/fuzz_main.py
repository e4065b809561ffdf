"""Runs a Python fuzz target under atheris (libFuzzer's engine)."""

import sys
from typing import Callable

import atheris


def run(test_one_input: Callable[[bytes], None]) -> None:
    """Fuzzes test_one_input with libFuzzer's command line (sys.argv)."""
    # Every function loaded so far: optgym is often installed in editable
    # mode, whose import hook atheris's instrument_imports() cannot see.
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
