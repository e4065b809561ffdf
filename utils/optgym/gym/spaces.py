"""Action and observation spaces: gymnasium spaces.

The action space is a ``Discrete``, vectors are ``Box``, dictionaries
``Dict``; scalars and sequences are ``Space`` subclasses of their own, as
CompilerGym's are, so wrappers and learning libraries accept all of them.

The action space adds CompilerGym's commandline methods: ``names`` and
``flags`` (CompilerGym's flag strings, from the plugin's hello),
``space["-gvn"]``, ``to_string(actions)`` (opt's ``-passes=`` form, or
CompilerGym's ``opt -flag ...`` with ``style="compiler_gym"``) and
``from_string(commandline)`` (either form), which also reads the flags
CompilerGym has and OptGym does not offer (:data:`REPLAY_ONLY_FLAGS`).
"""

from __future__ import annotations

import copy
import operator
import random
import shlex
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple
from typing import Sequence as SequenceType

import gymnasium
import numpy as _numpy

__all__ = [
    "ActionSpace",
    "Box",
    "DictSpace",
    "Discrete",
    "Scalar",
    "Sequence",
    "INT64_MAX",
    "NO_OBSERVATION",
    "NoObservation",
    "REPLAY_ONLY_FLAGS",
]

#: The upper bound of unbounded integer boxes (gymnasium's limit for int64).
INT64_MAX = 2**63 - 2


def _as_index(value: Any) -> Optional[int]:
    """An integer (numpy's too), or None; booleans are not indices."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


# -- the spaces of the environment -------------------------------------------------


class Discrete(gymnasium.spaces.Discrete):
    """A finite set of integers, with a name."""

    def __init__(self, n: int, seed: Optional[int] = None, name: Optional[str] = None) -> None:
        super().__init__(n, seed=seed)
        self.name = name


class Box(gymnasium.spaces.Box):
    """A vector of numbers, with a name.

    Args:
        low, high: the bounds of every element (``high=None``: unbounded,
            which for integers is :data:`INT64_MAX`).
        size: the length of the vector.
        dtype: ``"int64"`` or ``"float32"``.
    """

    def __init__(
        self,
        low: float,
        high: Optional[float],
        size: int,
        dtype: str = "int64",
        name: Optional[str] = None,
    ) -> None:
        if high is None:
            high = INT64_MAX if dtype.startswith("int") else float("inf")
        super().__init__(low=low, high=high, shape=(size,), dtype=_numpy.dtype(dtype))
        self.name = name


class DictSpace(gymnasium.spaces.Dict):
    """A dictionary of spaces, with a name."""

    def __init__(self, spaces: Mapping[str, Any], name: Optional[str] = None) -> None:
        super().__init__(dict(spaces))
        self.name = name


class _Custom(gymnasium.spaces.Space):
    """A space gymnasium has no class for (CompilerGym defines its own too)."""

    def __init__(self, shape: Any = None, dtype: Any = None, name: Optional[str] = None) -> None:
        super().__init__(shape, dtype)
        self.name = name
        self._values = random.Random()

    def seed(self, seed: Optional[int] = None) -> Any:
        self._values.seed(seed)
        return super().seed(seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False


class Scalar(_Custom):
    """One number (or boolean) in [min, max]; None bounds are open."""

    def __init__(
        self,
        min: Optional[float] = None,
        max: Optional[float] = None,  # noqa: A002
        dtype: type = int,
        name: Optional[str] = None,
    ) -> None:
        super().__init__((), None, name)
        self.min = min
        self.max = max
        self.scalar_type = dtype

    def sample(self, mask: Any = None, probability: Any = None) -> Any:  # noqa: ARG002
        if self.scalar_type is bool:
            return self._values.random() < 0.5
        low = self.min if self.min is not None else 0
        high = self.max if self.max is not None else low + 1000
        if self.scalar_type is int:
            return self._values.randint(int(low), int(high))
        return self._values.uniform(low, high)

    def contains(self, x: Any) -> bool:
        if self.scalar_type is bool:
            return isinstance(x, (bool, _numpy.bool_))
        if self.scalar_type is int:
            if _as_index(x) is None:
                return False
        elif not isinstance(x, (int, float)) or isinstance(x, bool):
            if not isinstance(x, _numpy.floating):
                return False
        if self.min is not None and x < self.min:
            return False
        if self.max is not None and x > self.max:
            return False
        return True

    def __repr__(self) -> str:
        return "Scalar(%s, %s, %s)" % (self.min, self.max, self.scalar_type.__name__)


class Sequence(_Custom):
    """A string, bytes or a list, of a length in ``size_range`` (an upper
    bound of None is open)."""

    def __init__(
        self,
        size_range: Tuple[int, Optional[int]] = (0, None),
        dtype: type = str,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(None, None, name)
        self.size_range = size_range
        self.element_type = dtype

    def sample(self, mask: Any = None, probability: Any = None) -> Any:  # noqa: ARG002
        low, high = self.size_range
        size = self._values.randint(low, high if high is not None else low + 16)
        if self.element_type is str:
            return "".join(self._values.choice("abcdef0123456789") for _ in range(size))
        if self.element_type is bytes:
            return bytes(self._values.randrange(256) for _ in range(size))
        if self.element_type is float:
            return [self._values.random() for _ in range(size)]
        return [self._values.randint(0, 1000) for _ in range(size)]

    def contains(self, x: Any) -> bool:
        if self.element_type is str:
            ok = isinstance(x, str) or (
                isinstance(x, (list, tuple)) and all(isinstance(item, str) for item in x)
            )
        elif self.element_type is bytes:
            ok = isinstance(x, (bytes, bytearray))
        else:
            try:
                ok = all(
                    isinstance(item, (int, float)) or _as_index(item) is not None for item in x
                )
            except TypeError:
                ok = False
        if not ok:
            return False
        low, high = self.size_range
        return low <= len(x) and (high is None or len(x) <= high)

    def __repr__(self) -> str:
        return "Sequence(%s, %s)" % (self.size_range, self.element_type.__name__)


class NoObservation(_Custom):
    """The observation space of an environment that observes nothing: its
    one element is None (Gymnasium wants a space all the same)."""

    def __init__(self) -> None:
        super().__init__(None, None, None)

    def sample(self, mask: Any = None, probability: Any = None) -> None:
        return None

    def contains(self, x: Any) -> bool:
        return x is None

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, NoObservation)

    def __hash__(self) -> int:
        return hash(NoObservation)

    def __repr__(self) -> str:
        return "NoObservation()"


#: The one NoObservation space.
NO_OBSERVATION = NoObservation()


# -- the action space ------------------------------------------------------------------

# Options of opt that a commandline may carry besides its passes.
_OPT_FLAGS_WITH_VALUE = ("-o",)
_OPT_FLAGS = (
    "-S",
    "-disable-output",
    "-disable-verify",
    "-f",
    "--disable-output",
    "--disable-verify",
)
_OPT_PREFIXES = ("-load-pass-plugin=", "--load-pass-plugin=", "-load=", "--load=", "-o=")


def split_pipeline(text: str) -> List[str]:
    """Splits a pass pipeline at its top-level commas (not those inside
    ``(...)`` or ``<...>``)."""
    elements: List[str] = []
    depth = 0
    current: List[str] = []
    for char in text:
        if char in "(<":
            depth += 1
        elif char in ")>":
            depth -= 1
        if char == "," and depth == 0:
            elements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    elements.append("".join(current).strip())
    return [element for element in elements if element]


#: CompilerGym's flags that are not actions (the Excluded rows of
#: oracle/ActionSpace.def, whose OPTGYM_REPLAY_ACTION rows say what each runs;
#: docs/gym.md has the table). The driver offers them as replay-only choices
#: after the actions: a state or commandline naming one replays, but an
#: agent never sees one in ``n``, ``names`` or ``flags``, and ``sample()``
#: never returns one.
REPLAY_ONLY_FLAGS = frozenset(
    {
        "-add-discriminators",
        "-barrier",
        "-constprop",
        "-cross-dso-cfi",
        "-die",
        "-ee-instrument",
        "-insert-gcov-profiling",
        "-ipconstprop",
        "-instnamer",
        "-loop-reroll",
        "-loweratomic",
        "-lowerinvoke",
        "-sancov",
        "-name-anon-globals",
        "-pgo-memop-opt",
        "-post-inline-ee-instrument",
        "-prune-eh",
        "-redundant-dbg-inst-elim",
        "-rewrite-statepoints-for-gc",
        "-strip-debug-declare",
        "-strip-nondebug",
        "-strip",
    }
)

#: The styles of :meth:`ActionSpace.to_string`.
COMMANDLINE_STYLES = ("opt", "compiler_gym")


class ActionSpace(Discrete):
    """The pass-ordering actions: index ``i`` is ``names[i]``, which the
    driver runs as the pipeline text ``pipelines[i]``.

    ``names`` and ``flags`` are the same list: CompilerGym's flag strings
    ("-adce", ...) plus the variants OptGym adds ("-loop-unroll<O3;runtime>");
    ``space["-adce"]`` is an index, as in CompilerGym. ``pipelines`` arrives
    from the driver (None until then).

    The driver's choices may go on after the actions with replay-only ones
    (:data:`REPLAY_ONLY_FLAGS`; ``replay_only``: how many of ``names`` are,
    by default the trailing run of those flags). They take the indices
    ``n``, ``n + 1``, ... (``replay_only_names``), which ``index``,
    ``from_string`` and ``to_string`` know, so that a recorded state naming
    one replays; they are not counted in ``n``, listed in ``names`` or
    ``flags``, sampled, or contained in the space.
    """

    def __init__(
        self,
        names: SequenceType[str],
        pipelines: Optional[SequenceType[str]] = None,
        name: str = "PassOrdering",
        seed: Optional[int] = None,
        replay_only: Optional[int] = None,
    ) -> None:
        every = [str(flag) for flag in names]
        if replay_only is None:
            replay_only = 0
            while replay_only < len(every) and every[-1 - replay_only] in REPLAY_ONLY_FLAGS:
                replay_only += 1
        if not 0 <= replay_only < len(every):
            raise ValueError("%d replay-only of %d actions" % (replay_only, len(every)))
        offered = len(every) - replay_only
        super().__init__(offered, seed=seed, name=name)
        self._every = every
        self.names: List[str] = every[:offered]
        self.flags: List[str] = self.names
        self.replay_only_names: List[str] = every[offered:]
        self._by_name: Dict[str, int] = {}
        # Offered actions first: a replay-only name never shadows one.
        for index, flag in enumerate(every):
            self._by_name.setdefault(flag, index)
            self._by_name.setdefault(flag.lstrip("-"), index)
        #: What to_string() writes by default: "opt" or "compiler_gym".
        self.commandline_style = "opt"
        self.pipelines: Optional[List[str]] = None
        self._by_pipeline: Tuple[Dict[str, int], Dict[str, int]] = ({}, {})
        self._longest = (1, 1)
        if pipelines is not None:
            self.set_pipelines(pipelines)

    def unseeded_copy(self) -> "ActionSpace":
        """This space with a random generator of its own, unseeded (what a
        forked environment gets: building a space from the driver's
        pipelines again costs a millisecond per fork)."""
        space = copy.copy(self)
        space._np_random = None
        return space

    def set_pipelines(self, pipelines: SequenceType[str]) -> None:
        """Sets the pipeline text of every action, the replay-only ones
        included (from the driver's ActionPipelines, without the entry of
        ``stop``); a replay-only action that runs nothing has ``""``."""
        if len(pipelines) != len(self._every):
            raise ValueError("%d pipelines for %d actions" % (len(pipelines), len(self._every)))
        texts = [str(text) for text in pipelines]
        offered: Dict[str, int] = {}
        replay: Dict[str, int] = {}
        for index, text in enumerate(texts):
            if "'" in text:
                raise ValueError("pipeline %r cannot be quoted" % text)
            if text:
                (offered if index < self.n else replay).setdefault(text, index)
        self.pipelines = texts[: self.n]
        self._pipelines = texts
        self._by_pipeline = (offered, replay)
        self._longest = tuple(
            max((len(split_pipeline(text)) for text in table), default=1)
            for table in self._by_pipeline
        )

    def __repr__(self) -> str:
        hidden = len(self.replay_only_names)
        return "ActionSpace(%d actions%s)" % (
            self.n,
            " and %d replay-only" % hidden if hidden else "",
        )

    def __getitem__(self, name: str) -> int:
        """The index of an action name ("-mem2reg"), as CompilerGym's
        ``action_space["-mem2reg"]``."""
        return self.index(name)

    def index(self, action: Any) -> int:
        """The index of an action given as an index (numpy's too) or a name
        ("-adce" or "adce"), replay-only ones included; ValueError for
        anything else."""
        if isinstance(action, str):
            found = self._by_name.get(action)
            if found is None:
                raise ValueError(
                    "unknown action %r (not one of the %d action names)" % (action, self.n)
                )
            return found
        index = _as_index(action)
        if index is None or not 0 <= index < len(self._every):
            raise ValueError(
                "action %r is not an index from 0 to %d or an action name" % (action, self.n - 1)
            )
        return index

    def action_name(self, action: Any) -> str:
        """The name of an action (an index or a name), replay-only ones
        included: ``names[i]`` for an offered action."""
        return self._every[self.index(action)]

    def is_replay_only(self, action: Any) -> bool:
        """Whether an action (an index or a name) is a replay-only one."""
        return self.index(action) >= self.n

    def to_string(self, actions: Iterable[Any], style: Optional[str] = None) -> str:
        """The opt command that applies ``actions`` (indices or names) to a
        module.

        ``style="opt"``: ``opt -passes='P1,P2,...' input.bc -o output.bc``
        with the driver's pipeline texts, which repeats the episode exactly
        without OptGym (a replay-only action that runs nothing leaves no
        text). ``style="compiler_gym"``: CompilerGym's ``opt -adce -gvn
        input.bc -o output.bc`` (an empty one is ``opt  input.bc -o
        output.bc``, as CompilerGym writes it), the names as they are, which
        only OptGym's ``from_string`` reads back for OptGym's variants.
        Both forms read back with ``from_string``. The default is the
        space's ``commandline_style`` ("compiler_gym" in CompilerGym's
        compatibility mode, :mod:`optgym.compat`).
        """
        if style is None:
            style = self.commandline_style
        indices = [self.index(action) for action in actions]
        if style == "compiler_gym":
            return "opt %s input.bc -o output.bc" % " ".join(
                shlex.quote(self._every[index]) for index in indices
            )
        if style != "opt":
            raise ValueError(
                "unknown commandline style %r (one of %s)" % (style, ", ".join(COMMANDLINE_STYLES))
            )
        if self.pipelines is None:
            raise RuntimeError("the driver has not said the actions' pipelines yet")
        texts = [self._pipelines[index] for index in indices]
        texts = [text for text in texts if text]
        if not texts:
            return "opt input.bc -o output.bc"
        return "opt -passes='%s' input.bc -o output.bc" % ",".join(texts)

    def from_string(self, commandline: str) -> List[int]:
        """The actions of a commandline: ``to_string``'s form, or
        CompilerGym's ``opt -adce -gvn input.bc -o output.bc``, replay-only
        flags included. ValueError naming what is not an action.

        The ``-passes=`` form gives offered actions where it can: a
        replay-only action whose text is that of offered ones (``-die`` is
        ``dce``'s) reads back as those, which change the module alike."""
        try:
            words = shlex.split(commandline)
        except ValueError as error:
            raise ValueError("cannot parse the commandline %r: %s" % (commandline, error)) from None
        if words and (
            words[0] == "opt" or words[0].endswith("/opt") or words[0].startswith("opt-")
        ):
            words = words[1:]
        actions: List[int] = []
        index = 0
        while index < len(words):
            word = words[index]
            index += 1
            if word in _OPT_FLAGS_WITH_VALUE:
                index += 1
                continue
            if word in _OPT_FLAGS or word.startswith(_OPT_PREFIXES):
                continue
            if word in ("-passes", "--passes"):
                if index >= len(words):
                    raise ValueError("%s without a pipeline" % word)
                actions += self._pipeline_actions(words[index])
                index += 1
                continue
            if word.startswith(("-passes=", "--passes=")):
                actions += self._pipeline_actions(word.split("=", 1)[1])
                continue
            if not word.startswith("-"):
                continue  # the input file
            found = self._by_name.get(word)
            if found is None:
                raise ValueError("unknown pass %r in the commandline" % word)
            actions.append(found)
        return actions

    def _pipeline_actions(self, text: str) -> List[int]:
        elements = split_pipeline(text)
        actions: List[int] = []
        position = 0
        while position < len(elements):
            found = self._match(elements, position, 0)
            if found is None:
                found = self._match(elements, position, 1)
            if found is None:
                raise ValueError(
                    "unknown pass %r in -passes (not the pipeline of any action)"
                    % elements[position]
                )
            actions.append(found[0])
            position += found[1]
        return actions

    def _match(self, elements: List[str], position: int, table: int) -> Optional[Tuple[int, int]]:
        """(action, elements used) of the longest pipeline text of the
        offered (table 0) or replay-only (1) actions at ``position``."""
        by_pipeline = self._by_pipeline[table]
        for width in range(min(self._longest[table], len(elements) - position), 0, -1):
            joined = ",".join(elements[position : position + width])
            found = by_pipeline.get(joined)
            if found is None and width == 1:
                # A pass given by its plain name ("gvn").
                found = self._by_name.get("-" + joined)
                if found is not None and (found >= self.n) != bool(table):
                    found = None
            if found is not None:
                return found, width
        return None
