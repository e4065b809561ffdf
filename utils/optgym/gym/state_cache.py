"""A shared cache of episode states in Redis: what an action leads to.

Environments that share a cache (every worker of a search, every run of
it, every node of a cluster) compute each state once: a step whose result
is cached costs a lookup instead of a pass, and the driver process catches
up only when something the cache lacks is asked for
(:mod:`optgym.gym.cached_connection`).

A state is named by what determines it: a hash chain over the driver's
identity (the content of opt and of the plugin, the driver's arguments and
settings), the benchmark's bitcode (its sha256), the action space, and the
choices answered since the reset (:func:`root_key`, :func:`next_key`). Not
by the IR alone: a driver's pass manager keeps analyses between passes,
so two histories that reach the same IR may not go on alike. Drivers run
without address-space randomization, so equal histories give equal
modules in every process, on every machine with the same files.

Each state is one Redis hash: ``query`` (the pass-choice query's step,
key, changed flag, instruction count and last action, as JSON) and
``o:NAME`` per driver observation computed at that state (as JSON; values
larger than ``max_value_bytes`` are not stored). Only states the driver
reached without error are stored, and only observations that are values
(not files written, such as ``Bitcode=PATH``).

The cache never changes a result, and never stops an episode: Redis down,
slow (a reply later than ``socket_timeout``), full (writes refused) or
returning what this code did not write costs a warning, once per process
and reason, and the environment goes on uncached (retrying the server
after ``RETRY_SECONDS``). docs/state-cache.md is the user documentation.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import math
import os
import threading
import time
import warnings
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

__all__ = [
    "CACHE_URL_ENV",
    "CacheStats",
    "CachedQuery",
    "StateCache",
    "StateCacheWarning",
    "next_key",
    "root_key",
]

#: The environment variable naming the cache of environments made without
#: one (``unix:///PATH/redis.sock``, ``redis://:PASSWORD@127.0.0.1:PORT``).
CACHE_URL_ENV = "OPTGYM_CACHE_URL"
#: What every key begins with; the number changes with the value layout.
KEY_PREFIX = "optgym:state:1:"
#: Seconds a Redis reply may take before the cache counts as unavailable.
SOCKET_TIMEOUT = 1.0
#: Seconds after a failure before the server is tried again.
RETRY_SECONDS = 30.0
#: The largest value stored, in bytes of JSON (the IR text of a big module
#: would crowd out thousands of states).
MAX_VALUE_BYTES = 1 << 20

# Stores sent at once when no lookup has taken them along.
_PENDING_LIMIT = 64
_QUERY_FIELD = "query"
_OBSERVATION_PREFIX = "o:"
_URL_SCHEMES = ("redis", "rediss", "unix")


# The caches from_environment() made, by URL.
_shared: Dict[str, "StateCache"] = {}
_shared_lock = threading.Lock()
# The caches of this process, whose pending stores are sent at exit.
_live_caches: "weakref.WeakSet[StateCache]" = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:  # pragma: no cover - runs at interpreter exit
    for cache in list(_live_caches):
        cache.flush()


class StateCacheWarning(RuntimeWarning):
    """The state cache cannot be used for now; the environment goes on
    without it."""


def root_key(*parts: str) -> str:
    """The key of an episode's initial state, from what determines it."""
    digest = hashlib.sha256(b"optgym-state")
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()


def next_key(key: str, choice: int) -> str:
    """The key of the state that answering ``choice`` at ``key`` leads to."""
    return hashlib.sha256(("%s:%d" % (key, choice)).encode("ascii")).hexdigest()


@dataclass
class CachedQuery:
    """A cached state: its pass-choice query's values and observations."""

    key: str
    step: int
    last_changed: int
    ir_instructions: int
    last_action: str
    observations: Dict[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps(
            [self.key, self.step, self.last_changed, self.ir_instructions, self.last_action]
        )

    @classmethod
    def decode(cls, text: bytes) -> "CachedQuery":
        """ValueError when ``text`` is not what :meth:`encode` writes."""
        values = json.loads(text)
        types = (str, int, int, int, str)
        if (
            type(values) is not list
            or len(values) != len(types)
            or any(type(value) is not kind for value, kind in zip(values, types))
        ):
            raise ValueError("not a cached query: %.80r" % text)
        return cls(*values)


@dataclass
class CacheStats:
    """What a cache did in this process."""

    hits: int = 0
    misses: int = 0
    stores: int = 0
    failures: int = 0

    @property
    def hit_rate(self) -> float:
        """Hits per lookup (0 before any)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0

    def to_json(self) -> Dict[str, Any]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "stores": self.stores,
            "failures": self.failures,
            "hit_rate": round(self.hit_rate, 4),
        }


def _check_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in _URL_SCHEMES:
        raise ValueError(
            "%s: not a Redis URL (unix:///PATH/redis.sock or redis://[:PASSWORD@]HOST:PORT)" % url
        )
    return url


def _display(url: str) -> str:
    """``url`` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url.split("?", 1)[0]
    netloc = parts.netloc.rsplit("@", 1)[1]
    return "%s://%s%s" % (parts.scheme, netloc, parts.path)


class StateCache:
    """The client of one Redis server holding episode states.

    Args:
        url: ``unix:///PATH/redis.sock`` (``?password=...`` if it has one)
            or ``redis://[:PASSWORD@]HOST:PORT[/DB]``.
        socket_timeout: seconds a reply may take.
        max_value_bytes: the largest observation value stored.

    Thread safe (redis-py's connection pool); usable in forked processes.
    ``stats`` counts this process's lookups.
    """

    def __init__(
        self,
        url: str,
        *,
        socket_timeout: float = SOCKET_TIMEOUT,
        max_value_bytes: int = MAX_VALUE_BYTES,
    ) -> None:
        self.url = _check_url(url)
        self.socket_timeout = socket_timeout
        self.max_value_bytes = max_value_bytes
        self.stats = CacheStats()
        self._client: Any = None
        self._unavailable_until = 0.0
        self._warned: set = set()
        self._lock = threading.Lock()
        # Stores not sent yet: (key, fields).
        self._pending: List[Tuple[str, Dict[str, str]]] = []
        _live_caches.add(self)

    @classmethod
    def from_environment(cls) -> Optional["StateCache"]:
        """The cache ``$OPTGYM_CACHE_URL`` names, or None: one per URL and
        process, which every environment made without a cache shares (one
        connection pool, one ``stats``)."""
        url = os.environ.get(CACHE_URL_ENV)
        if not url:
            return None
        with _shared_lock:
            cache = _shared.get(url)
            if cache is None:
                cache = _shared[url] = cls(url)
            return cache

    def __repr__(self) -> str:
        return "StateCache(%r)" % _display(self.url)

    # -- failures -----------------------------------------------------------------

    def _warn(self, reason: str, message: str) -> None:
        with self._lock:
            if reason in self._warned:
                return
            self._warned.add(reason)
        warnings.warn(
            "optgym: the state cache %s %s; going on without it" % (_display(self.url), message),
            StateCacheWarning,
            stacklevel=4,
        )

    def _unavailable(self, error: Exception) -> None:
        self.stats.failures += 1
        self._unavailable_until = time.monotonic() + RETRY_SECONDS
        self._warn("unavailable", "is unavailable (%s: %s)" % (type(error).__name__, error))

    def disagrees(self, details: str) -> None:
        """A driver reached another state than the cache said: the cache is
        not used again in this process."""
        self.stats.failures += 1
        self._unavailable_until = math.inf
        self._warn("disagrees", "disagrees with the driver (%s)" % details)

    def _available(self) -> Any:
        """The client, or None while the server is taken as unavailable."""
        if self._unavailable_until and time.monotonic() < self._unavailable_until:
            return None
        if self._client is None:
            try:
                import redis
            except ImportError as error:
                self._unavailable(error)
                return None
            self._client = redis.Redis.from_url(
                self.url,
                socket_timeout=self.socket_timeout,
                socket_connect_timeout=self.socket_timeout,
            )
        return self._client

    # -- reading ------------------------------------------------------------------

    def _fields(self, key: str, names: Sequence[str]) -> Optional[List[Optional[bytes]]]:
        """HMGET of ``names`` of state ``key``, sent with the pending stores
        in one round trip; None while the server is unavailable."""
        client = self._available()
        if client is None:
            return None
        try:
            if not self._pending:
                return client.hmget(KEY_PREFIX + key, names)
            pipeline = client.pipeline(transaction=False)
            self._queue_pending(pipeline)
            pipeline.hmget(KEY_PREFIX + key, names)
            replies = pipeline.execute(raise_on_error=False)
        except Exception as error:  # redis' errors, and OSError underneath
            self._failed(error)
            return None
        for reply in replies[:-1]:
            if isinstance(reply, Exception):
                self._failed(reply)
                break
        if isinstance(replies[-1], Exception):
            self._unavailable(replies[-1])
            return None
        return replies[-1]

    def _queue_pending(self, pipeline: Any) -> None:
        pending, self._pending = self._pending, []
        for key, mapping in pending:
            pipeline.hset(KEY_PREFIX + key, mapping=mapping)
        self.stats.stores += len(pending)

    def _failed(self, error: Exception) -> None:
        if "OOM" in str(error) or "maxmemory" in str(error):
            # Full, and told not to evict: reads still work.
            self.stats.failures += 1
            self._warn("full", "is full and refuses new states (%s)" % error)
        else:
            self._unavailable(error)

    def _decode_observations(
        self, names: Sequence[str], raw: Sequence[Optional[bytes]]
    ) -> Optional[Dict[str, Any]]:
        """The values found, or None when one is not JSON."""
        values = {}
        for name, text in zip(names, raw):
            if text is None:
                continue
            try:
                values[name] = json.loads(text)
            except ValueError:
                self.stats.failures += 1
                self._warn("garbage", "returned a value it cannot have been given (%.60r)" % text)
                return None
        return values

    def lookup(self, key: str, names: Sequence[str] = ()) -> Optional[CachedQuery]:
        """The state ``key`` with the observations ``names``; None unless
        all of them are cached."""
        raw = self._fields(key, [_QUERY_FIELD] + [_OBSERVATION_PREFIX + name for name in names])
        if raw is None or raw[0] is None or any(text is None for text in raw[1:]):
            self.stats.misses += 1
            return None
        try:
            query = CachedQuery.decode(raw[0])
        except ValueError as error:
            self.stats.failures += 1
            self.stats.misses += 1
            self._warn("garbage", "returned a value it cannot have been given (%s)" % error)
            return None
        values = self._decode_observations(names, raw[1:])
        if values is None:
            self.stats.misses += 1
            return None
        query.observations = values
        self.stats.hits += 1
        return query

    def observations(self, key: str, names: Sequence[str]) -> Dict[str, Any]:
        """Those of the observations ``names`` of state ``key`` that are
        cached (a lookup is a hit when all are)."""
        raw = self._fields(key, [_OBSERVATION_PREFIX + name for name in names])
        values = self._decode_observations(names, raw) if raw is not None else None
        if values is None or len(values) < len(names):
            self.stats.misses += 1
            return values or {}
        self.stats.hits += 1
        return values

    # -- writing ------------------------------------------------------------------

    def store(
        self,
        key: str,
        query: Optional[CachedQuery] = None,
        observations: Mapping[str, Any] = (),  # type: ignore[assignment]
    ) -> None:
        """Stores what is known of state ``key``: its query (None: already
        stored) and observation values (those too large are left out)."""
        mapping: Dict[str, str] = {}
        if query is not None:
            mapping[_QUERY_FIELD] = query.encode()
        for name, value in dict(observations).items():
            text = json.dumps(value, separators=(",", ":"))
            if len(text) <= self.max_value_bytes:
                mapping[_OBSERVATION_PREFIX + name] = text
        if not mapping:
            return
        self._pending.append((key, mapping))
        if len(self._pending) >= _PENDING_LIMIT:
            self.flush()

    def flush(self) -> None:
        """Sends the stores not sent yet (they go with the next lookup
        otherwise, in its round trip)."""
        if not self._pending:
            return
        client = self._available()
        if client is None:
            self._pending = []
            return
        pipeline = client.pipeline(transaction=False)
        self._queue_pending(pipeline)
        try:
            replies = pipeline.execute(raise_on_error=False)
        except Exception as error:
            self._failed(error)
            return
        for reply in replies:
            if isinstance(reply, Exception):
                self._failed(reply)
                break

    def clear(self) -> int:
        """Deletes every state of this cache's server; returns how many."""
        client = self._available()
        if client is None:
            raise ConnectionError("the state cache %s is unavailable" % _display(self.url))
        deleted = 0
        batch: List[bytes] = []
        try:
            for name in client.scan_iter(match=KEY_PREFIX + "*", count=1000):
                batch.append(name)
                if len(batch) == 1000:
                    deleted += client.delete(*batch)
                    batch = []
            if batch:
                deleted += client.delete(*batch)
        except Exception as error:
            raise ConnectionError("the state cache %s: %s" % (_display(self.url), error)) from None
        return deleted

    def server_info(self) -> Tuple[int, Dict[str, Any]]:
        """(states stored, Redis' memory and eviction figures)."""
        client = self._available()
        if client is None:
            raise ConnectionError("the state cache %s is unavailable" % _display(self.url))
        try:
            states = sum(1 for _ in client.scan_iter(match=KEY_PREFIX + "*", count=1000))
            memory = client.info("memory")
            stats = client.info("stats")
        except Exception as error:
            raise ConnectionError("the state cache %s: %s" % (_display(self.url), error)) from None
        return states, {
            "used_memory": memory.get("used_memory"),
            "maxmemory": memory.get("maxmemory"),
            "maxmemory_policy": memory.get("maxmemory_policy"),
            "evicted_keys": stats.get("evicted_keys"),
            "keyspace_hits": stats.get("keyspace_hits"),
            "keyspace_misses": stats.get("keyspace_misses"),
        }

    def close(self) -> None:
        """Sends the pending stores and closes the connection (a later use
        opens another)."""
        self.flush()
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a broken connection
                pass

    def __getstate__(self) -> Dict[str, Any]:
        # A copy sent to another process connects on its own.
        return {
            "url": self.url,
            "socket_timeout": self.socket_timeout,
            "max_value_bytes": self.max_value_bytes,
        }

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["url"],
            socket_timeout=state["socket_timeout"],
            max_value_bytes=state["max_value_bytes"],
        )
