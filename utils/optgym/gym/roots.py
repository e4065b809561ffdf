"""Root driver processes: one per benchmark, kept at step 0 and forked for
every episode.

Starting opt and reading a benchmark's bitcode is paid once per benchmark;
``reset()`` then forks the root (a round trip and a fork(), about a
millisecond). A :class:`RootPool` keeps the roots of the last few benchmarks
(least recently used first out) and closes them all with the last
environment that uses it (an environment and its forks share one pool).

When a root starts it also yields, in its first query, what is computed once:

* the driver's constants (action pipelines, feature names), once per driver
  per Python process (:class:`~optgym.gym.observations.DriverInfo`);
* the benchmark's baselines (IR instruction counts and .text sizes at -O0,
  -Oz and -O3), once per benchmark, bitcode and driver on this machine:
  they are kept in optgym's on-disk cache (kind ``gym-baselines``, keyed by
  the bitcode's sha256 and the driver's identity, i.e. the plugin's and
  opt's content) and checked against the driver's LLVM version.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from ..benchmarks import Benchmark
from ..cache import Cache
from ..errors import BenchmarkError, BuildError
from .driver import DriverConnection, DriverCrashed, DriverProtocolError
from .observations import (
    BASELINE_OBSERVATIONS,
    STATIC_OBSERVATIONS,
    DriverInfo,
    ObservationError,
    median,
)
from .process import DriverLauncher, next_serial, private_directory
from .state_cache import root_key

__all__ = ["Root", "RootPool", "BASELINES_KIND"]

#: The cache kind of the baselines.
BASELINES_KIND = "gym-baselines"
# Bump when what the baselines hold changes.
_BASELINES_VERSION = 1
#: Forks after which a root is replaced by a fresh process. The driver reaps
#: its ended forks whenever it forks again; recycling bounds whatever else a
#: long-lived root might accumulate. Live children are unaffected: their
#: connections are their own.
ROOT_FORK_LIMIT = 1000

# The constants of each driver (by launcher identity), for this process.
_driver_info: Dict[str, DriverInfo] = {}
_driver_info_lock = threading.Lock()


class Root:
    """The root driver process of one benchmark and what it computed."""

    def __init__(
        self,
        benchmark: Benchmark,
        connection: DriverConnection,
        baselines: Dict[str, Any],
        errors: Dict[str, str],
    ) -> None:
        self.benchmark = benchmark
        self.connection = connection
        self.baselines = baselines
        self.baseline_errors = errors
        self.lock = threading.Lock()
        self.forks = 0
        # Runtimes (median seconds) of the unoptimized module and of the
        # clang -Oz / -O3 builds, measured once per root.
        self.runtimes: Dict[str, float] = {}
        self._state_key: Optional[str] = None

    def __repr__(self) -> str:
        return "<Root %s %r>" % (self.benchmark.uri, self.connection)

    def fork(self, workdir: str, timeout: Optional[float]) -> DriverConnection:
        with self.lock:
            self.forks += 1
            return self.connection.fork(workdir, timeout)

    def state_key(self, result_identity: str) -> Optional[str]:
        """The state cache's key of this root's state (the initial state of
        every episode it forks), computed once; None for a benchmark without
        a content hash, which is not cached."""
        if self._state_key is None:
            try:
                sha = self.benchmark.bitcode_sha256()
            except (BenchmarkError, KeyError, OSError):
                return None
            self._state_key = root_key(
                result_identity, sha, json.dumps(list(self.connection.choices))
            )
        return self._state_key

    def baseline(self, name: str) -> Any:
        if name in self.baselines:
            return self.baselines[name]
        raise ObservationError(
            name, self.baseline_errors.get(name, "the driver did not compute it")
        )

    def runtime_baseline(self, level: str, count: int, timeout: Optional[float]) -> float:
        """The median runtime of the benchmark built by ``clang -<level>``
        (measured once)."""
        with self.lock:
            if level not in self.runtimes:
                bench = self.benchmark
                with tempfile.TemporaryDirectory(prefix="optgym-gym-runtime-") as scratch:
                    exe = Path(scratch) / (bench.name or "bench")
                    try:
                        bench.build(exe, level=level)
                    except BuildError as error:
                        raise ObservationError("Runtime" + level, str(error)) from None
                    times = []
                    for _ in range(max(count, 1)):
                        run = bench.run(exe, timeout)
                        if run.timed_out or run.signal is not None:
                            raise ObservationError(
                                "Runtime" + level, "the -%s build %s" % (level, run.describe())
                            )
                        times.append(run.walltime)
                self.runtimes[level] = median(times)
            return self.runtimes[level]

    def close(self) -> None:
        self.connection.close()


class RootPool:
    """The root processes of the last ``capacity`` benchmarks, shared by an
    environment and its forks (reference counted: the last release closes
    them)."""

    def __init__(
        self, launcher: DriverLauncher, cache: Optional[Cache] = None, capacity: int = 4
    ) -> None:
        self.launcher = launcher
        self.cache = cache
        self.capacity = max(1, int(capacity))
        self._roots: "collections.OrderedDict[Any, Root]" = collections.OrderedDict()
        self._lock = threading.RLock()
        self._references = 0
        self._workdir: Optional[str] = None
        self._closed = False
        self._identity: Optional[str] = None
        self._result_identity: Optional[str] = None
        # The file name (socket and stderr) of each benchmark's root, the
        # same when a root that died is started again: a stderr file per
        # start filled the work directory of a long run with dead roots'
        # files (one per restart, until the pool closed).
        self._names: Dict[Any, str] = {}

    # -- references -----------------------------------------------------------

    def acquire(self) -> "RootPool":
        with self._lock:
            if self._closed:
                raise RuntimeError("the root pool is closed")
            self._references += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._references -= 1
            if self._references <= 0:
                self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            roots = list(self._roots.values())
            self._roots.clear()
        for root in roots:
            with contextlib.suppress(Exception):
                root.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = self.launcher.identity
        return self._identity

    @property
    def result_identity(self) -> str:
        """The launcher's :attr:`~DriverLauncher.result_identity`."""
        if self._result_identity is None:
            self._result_identity = self.launcher.result_identity
        return self._result_identity

    def workdir(self) -> str:
        if self._workdir is None:
            self._workdir = private_directory("optgym-roots-")
        return self._workdir

    @property
    def roots(self) -> Dict[str, Root]:
        """The live roots by benchmark URI, least recently used first."""
        with self._lock:
            return {key[0]: root for key, root in self._roots.items()}

    # -- the driver's constants ------------------------------------------------------

    def info(self) -> Optional[DriverInfo]:
        with _driver_info_lock:
            return _driver_info.get(self.identity)

    # -- roots ---------------------------------------------------------------------

    def root(self, bench: Benchmark, timeout: Optional[float]) -> Root:
        """The root of ``bench``, started when there is none (or it died)."""
        key = (bench.uri, str(bench.bitcode_path()))
        with self._lock:
            if self._closed:
                raise RuntimeError("the root pool is closed")
            root = self._roots.get(key)
            if root is not None and not root.connection.closed and root.forks < ROOT_FORK_LIMIT:
                self._roots.move_to_end(key)
                return root
            if root is not None:
                del self._roots[key]
                runtimes = root.runtimes
                root.close()
            while len(self._roots) >= self.capacity:
                old, evicted = self._roots.popitem(last=False)
                evicted.close()
                self._remove_files(old)
            fresh = self._start(bench, key[1], timeout, self._name(key))
            if root is not None:
                fresh.runtimes.update(runtimes)
            self._roots[key] = fresh
            return fresh

    def _name(self, key: Any) -> str:
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = "root-%d" % next_serial()
        return name

    def _remove_files(self, key: Any) -> None:
        """Removes the stderr file of an evicted root (its episodes that
        still run lose the tail in their error messages, nothing else)."""
        name = self._names.pop(key, None)
        if name is not None and self._workdir is not None:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self._workdir, name + ".stderr"))

    def forget(self, bench: Benchmark) -> None:
        """Closes the root of ``bench`` (it failed)."""
        with self._lock:
            for key in [key for key in self._roots if key[0] == bench.uri]:
                self._roots.pop(key).close()

    def _baselines_key(self, bench: Benchmark) -> Optional[str]:
        try:
            sha = bench.bitcode_sha256()
        except (BenchmarkError, KeyError, OSError):
            return None
        return Cache.key(BASELINES_KIND, sha, self.identity, _BASELINES_VERSION)

    def _cached_baselines(self, key: Optional[str], uri: str) -> Optional[Dict[str, Any]]:
        if key is None:
            return None
        cache = self.cache if self.cache is not None else Cache.default()
        try:
            entry = cache.lookup(BASELINES_KIND, key, label=uri)
        except BenchmarkError:
            return None
        if entry is None or not isinstance(entry.data.get("baselines"), dict):
            return None
        return entry.data

    def _store_baselines(self, key: Optional[str], uri: str, data: Dict[str, Any]) -> None:
        if key is None:
            return
        cache = self.cache if self.cache is not None else Cache.default()
        # An unwritable cache costs the next process a recomputation only.
        with contextlib.suppress(BenchmarkError, OSError):
            cache.get_or_build(BASELINES_KIND, key, lambda directory: data, label=uri)

    def _start(
        self, bench: Benchmark, bitcode: str, timeout: Optional[float], name: Optional[str] = None
    ) -> Root:
        key = self._baselines_key(bench)
        cached = self._cached_baselines(key, bench.uri)
        info = self.info()
        observe = []
        if info is None or not info.complete():
            observe += STATIC_OBSERVATIONS
        connection = DriverConnection.start(
            self.launcher, bitcode, self.workdir(), timeout, observe=observe, name=name
        )
        try:
            query = connection.query
            assert query is not None
            if query.step != 0:
                raise DriverProtocolError(
                    "%s: the first query is at step %d, not 0" % (connection.describe(), query.step)
                )
            if query.error:
                raise DriverCrashed(
                    "%s cannot optimize %s: %s" % (connection.describe(), bench.uri, query.error)
                )
            with _driver_info_lock:
                known = _driver_info.get(self.identity)
                if known is None or known.choices != connection.choices:
                    known = DriverInfo(
                        connection.choices,
                        connection.llvm,
                        connection.hello.client if connection.hello else None,
                    )
                known.update(query.observations)
                if not known.complete():
                    values, _ = connection.observe(
                        [name for name in STATIC_OBSERVATIONS if name not in query.observations]
                    )
                    known.update(values)
                _driver_info[self.identity] = known
            if cached is not None and cached.get("llvm") != connection.llvm:
                cached = None
            if cached is not None:
                baselines, errors = dict(cached["baselines"]), {}
            else:
                # On a copy: the -Oz and -O3 pipelines and code generation
                # leave memory behind, and a larger root forks more slowly
                # (reset went from 1.2 to 3.5 ms on crc32).
                scout = connection.fork(self.workdir(), timeout)
                try:
                    baselines, errors = self._compute_baselines(scout)
                finally:
                    scout.close()
                if not errors:
                    self._store_baselines(
                        key,
                        bench.uri,
                        {
                            "baselines": baselines,
                            "llvm": connection.llvm,
                            "uri": bench.uri,
                        },
                    )
            return Root(bench, connection, baselines, errors)
        except BaseException:
            connection.close(kill=True)
            raise

    @staticmethod
    def _compute_baselines(connection: DriverConnection) -> Tuple[Dict[str, Any], Dict[str, str]]:
        query = connection.query
        assert query is not None
        missing = [
            name
            for name in BASELINE_OBSERVATIONS.values()
            if name not in query.observations and name not in query.errors
        ]
        if missing:
            connection.observe(missing)
        baselines: Dict[str, Any] = {"IrInstructionCountO0": query.ir_instructions}
        errors: Dict[str, str] = {}
        for name, observed in BASELINE_OBSERVATIONS.items():
            if observed in query.observations:
                baselines[name] = query.observations[observed]
            else:
                errors[name] = query.errors.get(observed, "the driver did not compute it")
        return baselines, errors
