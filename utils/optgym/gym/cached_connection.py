"""A driver connection that takes what a state cache knows and starts a
driver only for the rest.

:class:`CachedConnection` has the part of
:class:`~optgym.gym.driver.DriverConnection`'s interface an environment
uses (``query``, ``answer``, ``observe``, ``fork``, ``close``). An answer
whose next state and observations are all in the
:class:`~optgym.gym.state_cache.StateCache` returns them without a driver;
anything else catches a driver up first: the connection's own (which may
lag behind by the cached steps), else a fork of the connection it was
forked from (itself caught up), else a fork of the benchmark's root, and
replays the choices the driver has not seen. What a driver computes is
stored for the next environment.

The pending query an environment holds stays the same object when a
driver catches up (the driver's connection adopts it), so that values kept
on it (``extra``) and identity checks survive.
"""

from __future__ import annotations

import json
import weakref
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .driver import DriverConnection, DriverCrashed, DriverError, PendingChoice
from .state_cache import CachedQuery, StateCache, next_key

__all__ = ["CachedConnection"]

#: Forks the benchmark's root: a connection at step 0.
RootForker = Callable[[str, Optional[float]], DriverConnection]
#: A work directory, or how to make one when a driver is first needed.
Workdir = Union[str, Callable[[], str]]

# The observation names of the observe suffixes seen: one per observation
# and reward space, except those naming a new bitcode file each step.
_suffix_names: Dict[bytes, Tuple[str, ...]] = {}
_SUFFIX_MEMO_LIMIT = 256


def _names(suffix: bytes) -> Tuple[str, ...]:
    names = _suffix_names.get(suffix)
    if names is None:
        names = tuple(json.loads(b"{" + suffix[1:] + b"}")["observe"]) if suffix else ()
        if len(_suffix_names) >= _SUFFIX_MEMO_LIMIT:
            _suffix_names.clear()
        _suffix_names[suffix] = names
    return names


def _cacheable(name: str) -> bool:
    """Values, not files written (``Bitcode=PATH``, ``Ir=PATH``)."""
    return "=" not in name


def _virtual(query: CachedQuery) -> PendingChoice:
    """A pending query no driver has sent (yet)."""
    return PendingChoice(
        -1,
        query.key,
        (query.step, query.last_changed, query.ir_instructions, query.last_action, ""),
        query.observations,
        {},
    )


def _cached(query: PendingChoice) -> CachedQuery:
    return CachedQuery(
        query.key, query.step, query.last_changed, query.ir_instructions, query.last_action
    )


class CachedConnection:
    """One episode's connection through a state cache.

    Args:
        cache: the state cache.
        key: the state's key (:func:`~optgym.gym.state_cache.root_key` at
            a reset).
        query: the pending query of that state.
        fork_root: forks the benchmark's root.
        workdir: where fork sockets are made.
        timeout: seconds a driver reply may take.
        history: the choices answered since the reset.
        real: a driver connection at ``history[:real_steps]``, if any.
        parent: the connection this one was forked from, whose driver a
            catch-up forks while the parent's history is a prefix of ours.
    """

    def __init__(
        self,
        cache: StateCache,
        key: str,
        query: PendingChoice,
        fork_root: RootForker,
        workdir: Workdir,
        timeout: Optional[float],
        history: Sequence[int] = (),
        real: Optional[DriverConnection] = None,
        real_steps: int = 0,
        parent: Optional["CachedConnection"] = None,
    ) -> None:
        self.cache = cache
        self.key = key
        self.query: Optional[PendingChoice] = query
        self._fork_root = fork_root
        self._workdir = workdir
        self._timeout = timeout
        self._history: List[int] = list(history)
        self._real = real
        self._real_steps = real_steps
        self._parent = weakref.ref(parent) if parent is not None else None
        self._closed = False
        if real is not None and real_steps == len(self._history):
            real.query = query

    @classmethod
    def start(
        cls,
        cache: StateCache,
        key: str,
        fork_root: RootForker,
        workdir: Workdir,
        timeout: Optional[float],
    ) -> "CachedConnection":
        """A connection at the initial state ``key``: from the cache, or a
        fork of the root (whose state is then stored)."""
        cached = cache.lookup(key)
        if cached is not None:
            return cls(cache, key, _virtual(cached), fork_root, workdir, timeout)
        real = fork_root(_directory(workdir), timeout)
        query = real.query
        assert query is not None
        if not query.error:
            cache.store(key, _cached(query), _values(query.observations))
        return cls(cache, key, query, fork_root, workdir, timeout, real=real)

    # -- what an environment reads -----------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def timeout(self) -> Optional[float]:
        return self._timeout

    @timeout.setter
    def timeout(self, value: Optional[float]) -> None:
        self._timeout = value
        if self._real is not None:
            self._real.timeout = value

    @property
    def driver(self) -> Optional[DriverConnection]:
        """The driver connection, if one has been needed."""
        return self._real

    @property
    def lag(self) -> int:
        """Choices the driver (or the one it would be forked from) has not
        seen: what a catch-up replays."""
        return len(self._history) - (self._real_steps if self._real is not None else 0)

    def describe(self) -> str:
        if self._real is not None:
            return self._real.describe()
        return "a cached state (no driver yet)"

    def __repr__(self) -> str:
        return "<CachedConnection %s %r>" % (self.describe(), self.query)

    # -- the per-step path --------------------------------------------------------

    def answer(self, choice: int, observe_suffix: bytes = b"") -> Optional[PendingChoice]:
        """As :meth:`DriverConnection.answer`: from the cache when it has the
        next state and every observation ``observe_suffix`` asks for."""
        if self.query is None or self._closed:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        if choice == 0:
            self.close()
            return None
        self._check_driver()
        key = next_key(self.key, choice)
        names = _names(observe_suffix)
        if all(map(_cacheable, names)):
            cached = self.cache.lookup(key, names)
            if cached is not None:
                self._history.append(choice)
                self.key = key
                self.query = _virtual(cached)
                return self.query
        real = self._catch_up()
        query = real.answer(choice, observe_suffix)
        assert query is not None
        self._history.append(choice)
        self._real_steps += 1
        self.key = key
        self.query = query
        if not query.error:
            self.cache.store(key, _cached(query), _values(query.observations))
        return query

    def observe(self, names: Sequence[str]) -> Tuple[Dict[str, Any], Dict[str, str]]:
        """As :meth:`DriverConnection.observe`: the cached values, and the
        driver's for the others."""
        query = self.query
        if query is None or self._closed:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        self._check_driver()
        plain = [name for name in names if _cacheable(name)]
        found = self.cache.observations(self.key, plain) if plain else {}
        missing = [name for name in names if name not in found]
        if not missing:
            query.observations.update(found)
            return dict(found), {}
        real = self._catch_up()
        values, errors = real.observe(missing)
        self.cache.store(self.key, None, _values(values))
        query.observations.update(found)
        values.update(found)
        return values, errors

    # -- drivers -------------------------------------------------------------------------

    def _check_driver(self) -> None:
        """DriverCrashed once this episode's driver has died: the episode
        ends as it would without the cache."""
        real = self._real
        if real is not None and real.closed:
            raise DriverCrashed("%s: the connection is closed" % real.describe())

    def _catch_up(self) -> DriverConnection:
        """A driver connection at this state, whose pending query is
        :attr:`query`. DriverError if a driver fails on the way."""
        query = self.query
        assert query is not None
        if self._real is None:
            self._real, self._real_steps = self._start_driver()
        real = self._real
        try:
            for position in range(self._real_steps, len(self._history)):
                reached = real.answer(self._history[position])
                assert reached is not None
                self._real_steps += 1
                if reached.error:
                    raise DriverError(
                        "%s: replaying the cached episode failed at step %d: %s"
                        % (real.describe(), reached.step, reached.error)
                    )
        except BaseException:
            real.close(kill=True)
            self._real = None
            raise
        reached = real.query
        assert reached is not None
        if reached is not query:
            if (reached.key, reached.step, reached.ir_instructions) != (
                query.key,
                query.step,
                query.ir_instructions,
            ):
                self.cache.disagrees(
                    "its state %s holds %r, but the driver reached %r"
                    % (self.key[:16], query, reached)
                )
                query.key, query.step, query.ir_instructions = (
                    reached.key,
                    reached.step,
                    reached.ir_instructions,
                )
                query.last_changed, query.last_action = reached.last_changed, reached.last_action
            query.id = reached.id
            query.observations.update(reached.observations)
            query.errors.update(reached.errors)
            real.query = query
        return real

    def _start_driver(self) -> Tuple[DriverConnection, int]:
        """A driver at a prefix of the history, and the prefix's length: a
        fork of the parent's when the parent is still on our path, else of
        the root."""
        parent = self._parent() if self._parent is not None else None
        self._parent = None
        if parent is not None and not parent.closed and parent.query is not None:
            steps = len(parent._history)
            if steps <= len(self._history) and parent._history == self._history[:steps]:
                try:
                    real = parent._catch_up()
                    return real.fork(_directory(self._workdir), self._timeout), steps
                except DriverError:
                    # The parent's driver failed (it will replay when it is
                    # next needed): start from the root.
                    pass
        return self._fork_root(_directory(self._workdir), self._timeout), 0

    def fork(self, workdir: Workdir, timeout: Optional[float] = None) -> "CachedConnection":
        """A connection in the same state, with no driver until it needs
        one (then a fork of this one's, if this one is still on its path)."""
        query = self.query
        if query is None or self._closed:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        copy = PendingChoice(
            -1,
            query.key,
            (query.step, query.last_changed, query.ir_instructions, query.last_action, query.error),
            {},
            {},
        )
        return CachedConnection(
            self.cache,
            self.key,
            copy,
            self._fork_root,
            workdir,
            self._timeout if timeout is None else timeout,
            self._history,
            parent=self,
        )

    def close(self, kill: bool = False, linger: float = 0.0) -> None:
        if self._closed:
            return
        self._closed = True
        self.query = None
        real, self._real = self._real, None
        if real is not None:
            real.close(kill=kill, linger=linger)


def _directory(workdir: Workdir) -> str:
    return workdir() if callable(workdir) else workdir


def _values(observations: Dict[str, Any]) -> Dict[str, Any]:
    return {name: value for name, value in observations.items() if _cacheable(name)}
