"""Action and observation spaces: gymnasium's when it is installed, else
minimal stand-ins with the same methods.

With gymnasium importable every space here is a gymnasium space (the action
space a ``Discrete``, vectors ``Box``, dictionaries ``Dict``, scalars and
sequences custom ``Space`` subclasses as in CompilerGym), so wrappers and
learning libraries accept them. Without it (the standard library is all
optgym needs) the stand-ins offer what a training loop uses: ``n``,
``shape``, ``dtype``, ``sample()``, ``seed()``, ``contains()`` and ``in``.

The action space adds CompilerGym's commandline methods: ``names`` and
``flags`` (CompilerGym's flag strings, from the plugin's hello),
``to_string(actions)`` and ``from_string(commandline)``.
"""

from __future__ import annotations

import operator
import random
import shlex
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence as SequenceType, Tuple

try:  # pragma: no cover - depends on the installation
    import gymnasium as _gymnasium
except ImportError:  # pragma: no cover
    _gymnasium = None

try:  # pragma: no cover - depends on the installation
    import numpy as _numpy
except ImportError:  # pragma: no cover
    _numpy = None

__all__ = [
    "HAVE_GYMNASIUM",
    "HAVE_NUMPY",
    "ActionSpace",
    "Box",
    "DictSpace",
    "Discrete",
    "Scalar",
    "Sequence",
    "Space",
    "INT64_MAX",
]

HAVE_GYMNASIUM = _gymnasium is not None
HAVE_NUMPY = _numpy is not None

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


# -- the minimal stand-ins -----------------------------------------------------------


class _MiniSpace:
    """What gymnasium.spaces.Space offers a training loop, without numpy."""

    def __init__(self, shape: Optional[SequenceType[int]] = None, dtype: Any = None,
                 seed: Optional[int] = None) -> None:
        self._shape = None if shape is None else tuple(shape)
        self.dtype = dtype
        self._random = random.Random(seed)

    @property
    def shape(self) -> Optional[Tuple[int, ...]]:
        return self._shape

    def seed(self, seed: Optional[int] = None) -> List[Optional[int]]:
        """Seeds sample(); returns ``[seed]`` as gymnasium does."""
        self._random.seed(seed)
        return [seed]

    def sample(self, mask: Any = None, probability: Any = None) -> Any:  # noqa: ARG002
        raise NotImplementedError

    def contains(self, x: Any) -> bool:
        raise NotImplementedError

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)


class _MiniDiscrete(_MiniSpace):
    """{start, ..., start + n - 1}."""

    def __init__(self, n: int, seed: Optional[int] = None, start: int = 0) -> None:
        super().__init__((), "int64", seed)
        self.n = int(n)
        self.start = int(start)

    def sample(self, mask: Any = None, probability: Any = None) -> int:  # noqa: ARG002
        if mask is not None:
            allowed = [index for index, flag in enumerate(mask) if flag]
            if not allowed:
                return self.start
            return self.start + self._random.choice(allowed)
        return self.start + self._random.randrange(self.n)

    def contains(self, x: Any) -> bool:
        index = _as_index(x)
        return index is not None and self.start <= index < self.start + self.n

    def __repr__(self) -> str:
        return "Discrete(%d)" % self.n

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _MiniDiscrete) and (self.n, self.start) == (other.n, other.start)

    __hash__ = None  # type: ignore[assignment]


class _MiniBox(_MiniSpace):
    """A vector of numbers in [low, high] (one bound for every element)."""

    def __init__(self, low: float, high: float, shape: SequenceType[int], dtype: Any = "int64",
                 seed: Optional[int] = None) -> None:
        super().__init__(shape, str(dtype), seed)
        self.low = low
        self.high = high

    def _integral(self) -> bool:
        return str(self.dtype).startswith(("int", "uint"))

    def sample(self, mask: Any = None, probability: Any = None) -> List[Any]:  # noqa: ARG002
        size = self._shape[0] if self._shape else 1
        if self._integral():
            high = min(self.high, self.low + 1000)
            return [self._random.randint(int(self.low), int(high)) for _ in range(size)]
        return [self._random.uniform(self.low, self.high) for _ in range(size)]

    def contains(self, x: Any) -> bool:
        shape = getattr(x, "shape", None)
        if shape is not None and tuple(shape) != self._shape:
            return False
        try:
            values = list(x)
        except TypeError:
            return False
        if self._shape and len(values) != self._shape[0]:
            return False
        integral = self._integral()
        for value in values:
            if integral and _as_index(value) is None:
                return False
            try:
                if not self.low <= value <= self.high:
                    return False
            except TypeError:
                return False
        return True

    def __repr__(self) -> str:
        return "Box(%s, %s, %s, %s)" % (self.low, self.high, self._shape, self.dtype)


class _MiniDict(_MiniSpace):
    """A dictionary of spaces."""

    def __init__(self, spaces: Mapping[str, Any], seed: Optional[int] = None) -> None:
        super().__init__(None, None, seed)
        self.spaces = dict(spaces)

    def seed(self, seed: Optional[int] = None) -> List[Optional[int]]:
        result = super().seed(seed)
        for index, space in enumerate(self.spaces.values()):
            space.seed(None if seed is None else seed + index + 1)
        return result

    def sample(self, mask: Any = None, probability: Any = None) -> Dict[str, Any]:  # noqa: ARG002
        return {key: space.sample() for key, space in self.spaces.items()}

    def contains(self, x: Any) -> bool:
        return (
            isinstance(x, Mapping)
            and set(x) == set(self.spaces)
            and all(space.contains(x[key]) for key, space in self.spaces.items())
        )

    def __getitem__(self, key: str) -> Any:
        return self.spaces[key]

    def __repr__(self) -> str:
        return "Dict(%s)" % ", ".join("%r: %r" % item for item in self.spaces.items())


if _gymnasium is not None:  # pragma: no cover - depends on the installation
    _SpaceBase: Any = _gymnasium.spaces.Space
    _DiscreteBase: Any = _gymnasium.spaces.Discrete
    _BoxBase: Any = _gymnasium.spaces.Box
    _DictBase: Any = _gymnasium.spaces.Dict
else:
    _SpaceBase = _MiniSpace
    _DiscreteBase = _MiniDiscrete
    _BoxBase = _MiniBox
    _DictBase = _MiniDict

#: The base of every space here: gymnasium.spaces.Space or the stand-in.
Space = _SpaceBase


# -- the spaces of the environment -------------------------------------------------


class Discrete(_DiscreteBase):
    """A finite set of integers; gymnasium's ``Discrete`` when installed."""

    def __init__(self, n: int, seed: Optional[int] = None, name: Optional[str] = None) -> None:
        super().__init__(n, seed=seed)
        self.name = name


class Box(_BoxBase):
    """A vector of numbers; gymnasium's ``Box`` when installed.

    Args:
        low, high: the bounds of every element (``high=None``: unbounded,
            which for integers is :data:`INT64_MAX`).
        size: the length of the vector.
        dtype: ``"int64"`` or ``"float32"``.
    """

    def __init__(self, low: float, high: Optional[float], size: int, dtype: str = "int64",
                 name: Optional[str] = None) -> None:
        if high is None:
            high = INT64_MAX if dtype.startswith("int") else float("inf")
        if _gymnasium is not None:  # pragma: no cover - depends on the installation
            super().__init__(low=low, high=high, shape=(size,), dtype=_numpy.dtype(dtype))
        else:
            super().__init__(low, high, (size,), dtype)
        self.name = name


class DictSpace(_DictBase):
    """A dictionary of spaces; gymnasium's ``Dict`` when installed."""

    def __init__(self, spaces: Mapping[str, Any], name: Optional[str] = None) -> None:
        super().__init__(dict(spaces))
        self.name = name


class _Custom(_SpaceBase):
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

    def __init__(self, min: Optional[float] = None, max: Optional[float] = None,  # noqa: A002
                 dtype: type = int, name: Optional[str] = None) -> None:
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
            return isinstance(x, bool) or (_numpy is not None and isinstance(x, _numpy.bool_))
        if self.scalar_type is int:
            if _as_index(x) is None:
                return False
        elif not isinstance(x, (int, float)) or isinstance(x, bool):
            if _numpy is None or not isinstance(x, _numpy.floating):
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

    def __init__(self, size_range: Tuple[int, Optional[int]] = (0, None), dtype: type = str,
                 name: Optional[str] = None) -> None:
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


# -- the action space ------------------------------------------------------------------

# Options of opt that a commandline may carry besides its passes.
_OPT_FLAGS_WITH_VALUE = ("-o",)
_OPT_FLAGS = (
    "-S", "-disable-output", "-disable-verify", "-f", "--disable-output", "--disable-verify"
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


class ActionSpace(Discrete):
    """The pass-ordering actions: index ``i`` is ``names[i]``, which the
    driver runs as the pipeline text ``pipelines[i]``.

    ``names`` and ``flags`` are the same list: CompilerGym's flag strings
    ("-adce", ...) plus the variants OptGym adds ("-loop-unroll<O3;runtime>").
    ``pipelines`` arrives from the driver (None until then).
    """

    def __init__(self, names: SequenceType[str], pipelines: Optional[SequenceType[str]] = None,
                 name: str = "PassOrdering", seed: Optional[int] = None) -> None:
        super().__init__(len(names), seed=seed, name=name)
        self.names: List[str] = list(names)
        self.flags: List[str] = self.names
        self._by_name: Dict[str, int] = {}
        for index, flag in enumerate(self.names):
            self._by_name.setdefault(flag, index)
            self._by_name.setdefault(flag.lstrip("-"), index)
        self.pipelines: Optional[List[str]] = None
        self._by_pipeline: Dict[str, int] = {}
        self._longest = 1
        if pipelines is not None:
            self.set_pipelines(pipelines)

    def set_pipelines(self, pipelines: SequenceType[str]) -> None:
        """Sets the pipeline text of every action (from the driver's
        ActionPipelines, without the entry of ``stop``)."""
        if len(pipelines) != len(self.names):
            raise ValueError(
                "%d pipelines for %d actions" % (len(pipelines), len(self.names))
            )
        self.pipelines = [str(text) for text in pipelines]
        self._by_pipeline = {}
        for index, text in enumerate(self.pipelines):
            if "'" in text:
                raise ValueError("pipeline %r cannot be quoted" % text)
            self._by_pipeline.setdefault(text, index)
        self._longest = max((len(split_pipeline(text)) for text in self.pipelines), default=1)

    def __repr__(self) -> str:
        return "ActionSpace(%d actions)" % len(self.names)

    def index(self, action: Any) -> int:
        """The index of an action given as an index (numpy's too) or a name
        ("-adce" or "adce"); ValueError for anything else."""
        if isinstance(action, str):
            found = self._by_name.get(action)
            if found is None:
                raise ValueError("unknown action %r (not one of the %d action names)"
                                 % (action, len(self.names)))
            return found
        index = _as_index(action)
        if index is None or not 0 <= index < len(self.names):
            raise ValueError("action %r is not an index from 0 to %d or an action name"
                             % (action, len(self.names) - 1))
        return index

    def to_string(self, actions: Iterable[Any]) -> str:
        """``opt -passes='P1,P2,...' input.bc -o output.bc``: the opt command
        that applies ``actions`` (indices or names) to a module."""
        if self.pipelines is None:
            raise RuntimeError("the driver has not said the actions' pipelines yet")
        texts = [self.pipelines[self.index(action)] for action in actions]
        if not texts:
            return "opt input.bc -o output.bc"
        return "opt -passes='%s' input.bc -o output.bc" % ",".join(texts)

    def from_string(self, commandline: str) -> List[int]:
        """The actions of a commandline: ``to_string``'s form, or
        CompilerGym's ``opt -adce -gvn input.bc -o output.bc``. ValueError
        naming what is not an action."""
        try:
            words = shlex.split(commandline)
        except ValueError as error:
            raise ValueError("cannot parse the commandline %r: %s" % (commandline, error)) from None
        if words and (words[0] == "opt" or words[0].endswith("/opt")
                      or words[0].startswith("opt-")):
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
            for width in range(min(self._longest, len(elements) - position), 0, -1):
                joined = ",".join(elements[position:position + width])
                found = self._by_pipeline.get(joined)
                if found is None and width == 1:
                    # A pass given by its plain name ("gvn").
                    found = self._by_name.get("-" + joined)
                if found is not None:
                    actions.append(found)
                    position += width
                    break
            else:
                raise ValueError(
                    "unknown pass %r in -passes (not the pipeline of any action)"
                    % elements[position]
                )
        return actions
