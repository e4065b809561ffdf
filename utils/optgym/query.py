"""What an agent sees and what a server records.

:class:`Query` is the one argument of a ``decide`` function: a decision the
compiler asks about, with its features by name and its choices by name.
:class:`Decision` and :class:`Unit` are the record a server keeps of what was
asked and answered, one Unit per module (translation unit) per compiler
process.
"""

from __future__ import annotations

import types
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

__all__ = ["Query", "Decision", "Unit"]

FeatureValue = Union[int, str]


@dataclass(frozen=True, repr=False)
class Query:
    """One decision the compiler asks the agent about.

    Attributes:
        id: the query's number on its connection (1, 2, ...).
        kind: the decision kind, e.g. ``"loop-unroll"``.
        key: identifies the decision stably across runs, e.g.
            ``"src/lexer.c:next_token:loop#0"``.
        features: read-only mapping of feature name to value (int or str),
            in the order the plugin declared them.
        choices: the names of the possible answers.
        default: the name of the choice LLVM would make here; an element of
            ``choices``. Answering it leaves the decision to LLVM.
        module: the module (translation unit) being compiled, or None if the
            plugin asked before naming one.
        pid: the compiler process's id, when its hello gave one.
    """

    id: int
    kind: str
    key: str
    features: Mapping[str, FeatureValue]
    choices: Tuple[str, ...]
    default: str
    module: Optional[str] = None
    pid: Optional[int] = None

    def __post_init__(self) -> None:
        # Freeze the containers too: one Query may be kept by the agent while
        # the server goes on, and a decide function must not be able to
        # change what the server records.
        object.__setattr__(self, "features", types.MappingProxyType(dict(self.features)))
        object.__setattr__(self, "choices", tuple(self.choices))
        if self.default not in self.choices:
            raise ValueError(
                "default %r is not one of the choices %r" % (self.default, self.choices)
            )

    @classmethod
    def from_checked(
        cls,
        id: int,
        kind: str,
        key: str,
        features: Mapping[str, FeatureValue],
        choices: Tuple[str, ...],
        default: str,
        module: Optional[str],
        pid: Optional[int],
    ) -> "Query":
        """Builds a Query from parts the agent server has checked: a read-only
        features mapping it made, a tuple of choices holding default. Skips
        __init__'s copies and checks, which cost more than the socket."""
        query = object.__new__(cls)
        # One update of the instance dict rather than eight frozen-dataclass
        # assignments.
        vars(query).update(
            id=id,
            kind=kind,
            key=key,
            features=features,
            choices=choices,
            default=default,
            module=module,
            pid=pid,
        )
        return query

    @property
    def default_index(self) -> int:
        """The index of ``default`` in ``choices``."""
        return self.choices.index(self.default)

    def __repr__(self) -> str:
        return "Query(id=%d, kind=%r, key=%r, default=%r, module=%r, features=%r)" % (
            self.id,
            self.kind,
            self.key,
            self.default,
            self.module,
            dict(self.features),
        )


@dataclass(frozen=True, init=False)
class Decision:
    """One decision taken: what was asked and which choice was taken. The
    record a server keeps of an answered query, and a line of a trace
    (docs/trace-format.md), with the trace's names.

    Attributes:
        kind: the decision kind, e.g. ``"loop-unroll"``.
        key: the decision's key, e.g. ``"src/lexer.c:next_token:loop#0"``.
        chosen: the name of the choice taken.
        default: the name of the choice LLVM would make.
        features: feature name -> value.
        choices: the names of the kind's choices, in order (empty when the
            record does not say).

    ``Decision(kind, key, chosen, default, features, choices)``; the old
    keyword ``choice=`` for ``chosen`` still works, with a
    DeprecationWarning, as does reading ``decision.choice``.
    """

    kind: str
    key: str
    chosen: str
    default: str
    features: Dict[str, FeatureValue] = field(default_factory=dict)
    choices: Tuple[str, ...] = ()

    def __init__(
        self,
        kind: str,
        key: str,
        chosen: Optional[str] = None,
        default: str = "",
        features: Optional[Mapping[str, FeatureValue]] = None,
        choices: Sequence[str] = (),
        *,
        choice: Optional[str] = None,
    ) -> None:
        if choice is not None:
            warnings.warn(
                "Decision(choice=...) is deprecated: use chosen=...",
                DeprecationWarning,
                stacklevel=2,
            )
            if chosen is not None:
                raise TypeError("Decision: give chosen, not both chosen and choice")
            chosen = choice
        if chosen is None:
            raise TypeError("Decision: missing the choice taken (chosen=...)")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "chosen", chosen)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "features", {} if features is None else features)
        object.__setattr__(self, "choices", tuple(choices))

    @property
    def choice(self) -> str:
        """Deprecated: :attr:`chosen`."""
        warnings.warn(
            "Decision.choice is deprecated: use Decision.chosen", DeprecationWarning, stacklevel=2
        )
        return self.chosen

    @property
    def departed(self) -> bool:
        """True when the choice taken was not LLVM's default."""
        return self.chosen != self.default

    def to_json(self) -> Dict[str, Any]:
        """The decision as a trace line has it (without ``oracle``, and
        without ``choices`` when the record does not say them)."""
        record: Dict[str, Any] = {
            "kind": self.kind,
            "key": self.key,
            "features": dict(self.features),
        }
        if self.choices:
            record["choices"] = list(self.choices)
        record["default"] = self.default
        record["chosen"] = self.chosen
        return record


@dataclass(frozen=True)
class Unit:
    """The decisions of one module in one compiler process.

    Attributes:
        module: the module identifier from the plugin's ``module`` message
            (None for queries that came before any).
        pid: the compiler process's id from its hello, if it gave one.
        decisions: the answered queries, in the order they were asked.
        stats: the ``stats`` object of the module's ``module-end``, or None
            when it never arrived (the compiler crashed or was killed, or the
            connection broke).
        connection: the index of the connection, in the order the server
            accepted them (from 0).
    """

    module: Optional[str]
    pid: Optional[int]
    decisions: Tuple[Decision, ...] = ()
    stats: Optional[Dict[str, Any]] = None
    connection: int = 0

    @property
    def queries(self) -> int:
        """The number of decisions the agent answered for this unit."""
        return len(self.decisions)

    @property
    def departures(self) -> int:
        """The number of answers other than LLVM's default."""
        return sum(1 for decision in self.decisions if decision.departed)

    def to_json(self) -> Dict[str, Any]:
        return {
            "module": self.module,
            "pid": self.pid,
            "connection": self.connection,
            "stats": None if self.stats is None else dict(self.stats),
            "decisions": [decision.to_json() for decision in self.decisions],
        }
