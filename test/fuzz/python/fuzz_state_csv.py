"""Fuzzes the reader of CompilerGym's state CSV files (optgym.gym.state).

Input: a CSV file's bytes (UTF-8, invalid sequences replaced). Reading
gives states or a ValueError that names the line; every state read is
written and read back equal, alone and in a file.

    python test/fuzz/python/fuzz_state_csv.py test/fuzz/py-state-csv [libFuzzer flags]
"""

import io
import math

from fuzz_main import run

from optgym.gym.state import (
    CompilerEnvState,
    CompilerEnvStateReader,
    CompilerEnvStateWriter,
)


def same(a: CompilerEnvState, b: CompilerEnvState) -> bool:
    def number(x, y):
        return x == y or (x is not None and y is not None and math.isnan(x) and math.isnan(y))

    return (
        a.benchmark == b.benchmark
        and a.commandline == b.commandline
        and number(a.walltime, b.walltime)
        and number(a.reward, b.reward)
    )


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        states = list(CompilerEnvStateReader(io.StringIO(text)))
    except ValueError as error:
        assert str(error).startswith("line "), error
        return
    except Exception as error:  # csv.Error is a ValueError? No: report it.
        raise AssertionError("reading raised %r" % error) from error
    written = io.StringIO()
    writer = CompilerEnvStateWriter(written)
    for state in states:
        assert same(CompilerEnvState.from_csv(state.to_csv()), state), state
        writer.write_state(state)
    again = list(CompilerEnvStateReader(io.StringIO(written.getvalue())))
    assert len(again) == len(states) and all(map(same, again, states)), (states, again)


if __name__ == "__main__":
    run(test_one_input)
