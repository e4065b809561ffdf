"""The state of an environment, and CSV files of states, as CompilerGym has
them.

A state is what reproduces an episode: the benchmark, the commandline of its
actions (``opt -passes='...' input.bc -o output.bc``), the walltime it took
and the cumulative reward. CSV files have the columns
``benchmark,reward,walltime,commandline`` (a header row is optional when
reading; with one, the columns may come in any order).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, TextIO, Union

__all__ = ["CompilerEnvState", "CompilerEnvStateReader", "CompilerEnvStateWriter", "COLUMNS"]

#: The CSV columns, in CompilerGym's order.
COLUMNS = ("benchmark", "reward", "walltime", "commandline")


# Mutable, as CompilerGym's pydantic model was: clients copy a state and
# set its walltime.
@dataclass(eq=False)
class CompilerEnvState:
    """An episode, reproducibly.

    Attributes:
        benchmark: the benchmark's URI.
        commandline: the actions, as an opt commandline.
        walltime: seconds from reset to the last step.
        reward: the cumulative reward, or None without a reward space.
    """

    benchmark: str
    commandline: str
    walltime: float = 0.0
    reward: Optional[float] = None

    def __post_init__(self) -> None:
        # Numbers as floats whatever was given (as CompilerGym's model made
        # them): printed alike, "Expected reward 1.0 ...".
        if self.reward is not None:
            self.reward = float(self.reward)
        self.walltime = float(self.walltime)

    @property
    def has_reward(self) -> bool:
        return self.reward is not None

    def __eq__(self, other: Any) -> bool:
        # As CompilerGym: walltime does not count (the same point of the
        # optimization space, however long it took), rewards within 1e-5.
        if not isinstance(other, CompilerEnvState):
            return NotImplemented
        if self.reward is not None and other.reward is not None:
            reward_equal = abs(self.reward - other.reward) < 1e-5
        else:
            reward_equal = True
        return (
            self.benchmark == other.benchmark
            and self.commandline == other.commandline
            and reward_equal
        )

    def __hash__(self) -> int:
        return hash((self.benchmark, self.commandline))

    def copy(self) -> "CompilerEnvState":
        """A copy whose fields can be changed (CompilerGym's states were
        pydantic models, which clients copy)."""
        return dataclasses.replace(self)

    def dict(self) -> Dict[str, Any]:
        """The state's fields, by name."""
        return {
            "benchmark": self.benchmark,
            "commandline": self.commandline,
            "walltime": self.walltime,
            "reward": self.reward,
        }

    def json(self) -> str:
        """The state as a JSON object (CompilerGym's ``json()``):
        ``CompilerEnvState(**json.loads(state.json()))`` is the state."""
        return json.dumps(self.dict())

    @classmethod
    def from_json(cls, data: Union[str, Dict[str, Any]]) -> "CompilerEnvState":
        """The state of :meth:`json`'s text or :meth:`dict`'s dictionary."""
        if isinstance(data, str):
            data = json.loads(data)
        return cls(
            benchmark=str(data["benchmark"]),
            commandline=str(data["commandline"]),
            walltime=float(data.get("walltime") or 0.0),
            reward=None if data.get("reward") is None else float(data["reward"]),
        )

    @staticmethod
    def csv_header() -> str:
        return ",".join(COLUMNS)

    def to_csv(self) -> str:
        """One CSV row, without the line end."""
        buffer = io.StringIO()
        _write_row(buffer, _row(self))
        return buffer.getvalue().rstrip("\n")

    @classmethod
    def from_csv(cls, line: str) -> "CompilerEnvState":
        """The state of one CSV row (columns in CompilerGym's order)."""
        rows = list(csv.reader(io.StringIO(line)))
        if len(rows) != 1:
            raise ValueError("expected one CSV row, got %d: %r" % (len(rows), line[:80]))
        return _state(rows[0], 1)


def _write_row(f: TextIO, row: List[Any]) -> None:
    """Writes one CSV row ending in "\\n". csv quotes only the line
    terminator's characters, so a field holding a carriage return is quoted
    here: unquoted, a reader would end the row there."""
    quoting = csv.QUOTE_ALL if any("\r" in str(cell) for cell in row) else csv.QUOTE_MINIMAL
    csv.writer(f, lineterminator="\n", quoting=quoting).writerow(row)


def _row(state: CompilerEnvState) -> List[Any]:
    reward = "" if state.reward is None else repr(float(state.reward))
    return [state.benchmark, reward, repr(float(state.walltime)), state.commandline]


def _state(row: List[str], line: int) -> CompilerEnvState:
    if len(row) != len(COLUMNS):
        raise ValueError(
            "line %d: expected %d columns (%s), got %d"
            % (line, len(COLUMNS), ",".join(COLUMNS), len(row))
        )
    benchmark, reward, walltime, commandline = row
    try:
        return CompilerEnvState(
            benchmark=benchmark,
            commandline=commandline,
            walltime=float(walltime) if walltime.strip() else 0.0,
            reward=float(reward) if reward.strip() else None,
        )
    except ValueError as error:
        raise ValueError("line %d: %s" % (line, error)) from None


class CompilerEnvStateWriter:
    """Writes states to a CSV file, a header row first (unless
    ``header=False``).

        with CompilerEnvStateWriter(open("results.csv", "w")) as writer:
            writer.write_state(env.state)
    """

    def __init__(self, f: TextIO, header: bool = True) -> None:
        self.f = f
        self.header = header

    def write_state(self, state: CompilerEnvState, flush: bool = False) -> None:
        if self.header:
            _write_row(self.f, list(COLUMNS))
            self.header = False
        _write_row(self.f, _row(state))
        if flush:
            self.f.flush()

    def __enter__(self) -> "CompilerEnvStateWriter":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.f.close()


class CompilerEnvStateReader:
    """Reads states from a CSV file, with or without a header row.

    with CompilerEnvStateReader(open("results.csv")) as reader:
        for state in reader:
            ...
    """

    def __init__(self, f: TextIO) -> None:
        self.f = f

    def __iter__(self) -> Iterator[CompilerEnvState]:
        reader = csv.reader(self.f)
        order: Optional[List[int]] = None
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # A stray carriage return or NUL: csv's own error names no line.
                raise ValueError("line %d: %s" % (reader.line_num, error)) from None
            # The line the row starts on (a quoted field may span lines).
            number = reader.line_num - sum(cell.count("\n") for cell in row)
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if order is None:
                lowered = [cell.strip().lower() for cell in row]
                if sorted(lowered) == sorted(COLUMNS):
                    order = [lowered.index(column) for column in COLUMNS]
                    continue
                order = list(range(len(COLUMNS)))
            if len(row) != len(COLUMNS):
                raise ValueError(
                    "line %d: expected %d columns (%s), got %d"
                    % (number, len(COLUMNS), ",".join(COLUMNS), len(row))
                )
            yield _state([row[index] for index in order], number)

    def __enter__(self) -> "CompilerEnvStateReader":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.f.close()

    @staticmethod
    def read_paths(paths: Iterable[str]) -> Iterator[CompilerEnvState]:
        """The states of several files; ``-`` is standard input."""
        for path in paths:
            if path == "-":
                yield from CompilerEnvStateReader(sys.stdin)
            else:
                with open(path, newline="", encoding="utf-8") as stream:
                    yield from CompilerEnvStateReader(stream)
