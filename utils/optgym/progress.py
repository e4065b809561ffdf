"""Progress bars and wall-time budgets for long runs (searches, training).

A :class:`Progress` redraws one line on a terminal and, when stderr is a
file or a pipe (CI logs, ``2>log``), prints a plain line at most every
``interval`` seconds and at the end, so logs stay readable.
:class:`Deadline` is a wall-time budget that a search checks between
evaluations. Standard library only.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Optional

__all__ = ["Deadline", "Progress"]


class Deadline:
    """A wall-time budget of ``seconds`` from now; None never expires."""

    def __init__(self, seconds: Optional[float]) -> None:
        if seconds is not None and seconds < 0:
            raise ValueError("a time budget cannot be negative: %r" % seconds)
        self.seconds = seconds
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> Optional[float]:
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        return self.seconds is not None and self.elapsed() >= self.seconds


def _format_seconds(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return "%ds" % seconds
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return "%dm%02ds" % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    return "%dh%02dm" % (hours, minutes)


class Progress:
    """``label [#####.....] done/total elapsed status`` on stderr.

    ``total`` may be None (unknown): the line then shows the count only.
    ``enabled=False`` silences it (``--quiet``); None draws when there is
    somewhere to draw.
    """

    BAR_WIDTH = 24

    def __init__(
        self,
        label: str,
        total: Optional[float] = None,
        stream: Optional[IO[str]] = None,
        enabled: Optional[bool] = None,
        interval: float = 10.0,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = True if enabled is None else enabled
        try:
            self.terminal = self.stream.isatty()
        except (AttributeError, ValueError):
            self.terminal = False
        self.interval = interval
        self.done = 0.0
        self.status = ""
        self.start = time.monotonic()
        self._last_line = -interval
        self._last_text = ""
        self._width = 0
        self._closed = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _line(self) -> str:
        elapsed = _format_seconds(time.monotonic() - self.start)
        if self.total:
            fraction = min(1.0, max(0.0, self.done / self.total))
            filled = int(fraction * self.BAR_WIDTH)
            bar = "[%s%s] %g/%g" % (
                "#" * filled,
                "." * (self.BAR_WIDTH - filled),
                self.done,
                self.total,
            )
        else:
            bar = "%g" % self.done
        text = "%s %s %s" % (self.label, bar, elapsed)
        return text + ("  " + self.status if self.status else "")

    def _write(self, final: bool) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        try:
            if self.terminal:
                line = self._line()
                pad = max(0, self._width - len(line))
                self.stream.write("\r" + line + " " * pad + ("\n" if final else ""))
                self._width = len(line)
            elif final or now - self._last_line >= self.interval:
                line = self._line()
                # The final line of a log repeats nothing the last one said.
                if not (final and line == self._last_text):
                    self.stream.write(line + "\n")
                self._last_line = now
                self._last_text = line
            self.stream.flush()
        except (OSError, ValueError):
            # A closed or broken stderr must not end a long search.
            self.enabled = False

    def update(
        self, done: Optional[float] = None, status: Optional[str] = None, advance: float = 0
    ) -> None:
        """Set (``done``) or advance the count and the status text."""
        if done is not None:
            self.done = done
        self.done += advance
        if status is not None:
            self.status = status
        self._write(final=False)

    def close(self, status: Optional[str] = None) -> None:
        if self._closed:
            return
        self._closed = True
        if status is not None:
            self.status = status
        self._write(final=True)
