"""Observation spaces: what each name means, where its value comes from, and
the lazy ``env.observation[NAME]`` mapping.

Values come from four places, cheapest first:

* the query itself: ``IrInstructionCount`` is a feature of every query;
* constants of the benchmark or the driver: the baselines
  (``IrInstructionCountO0``/``Oz``/``O3``, ``ObjectTextSizeO0``/``Oz``/``O3``,
  computed once per benchmark and cached on disk), ``IsRunnable``, the
  feature and action names;
* the driver, computed in process on the current module: ``Autophase``,
  ``InstCount``, ``Ir``, ``ProgramlJson``, ``ObjectTextSizeBytes``,
  ``Bitcode=PATH``, ... When
  one is the observation space, every answer asks for it, so it arrives
  with the next query; otherwise ``env.observation[NAME]`` asks with one
  observe request (and keeps the value until the next step);
* Python: ``Runtime`` and ``Buildtime`` build the current module and run it.

As in CompilerGym, ``IrInstructionCountOz`` and the other ``O3``/``Oz``
names are the benchmark's baselines (constant over the episode). The driver
computes them for the *current* module; ask for that with
``env.observation.raw("IrInstructionCountOz")``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Protocol, Tuple

import gymnasium as _gymnasium
import numpy as _numpy

from ..benchmarks import Benchmark
from .driver import PendingChoice
from .spaces import Box, DictSpace, Scalar, Sequence

__all__ = [
    "BASELINE_NAMES",
    "ObservationError",
    "ObservationSource",
    "ObservationSpaceSpec",
    "ObservationView",
    "ProgramGraphSpace",
    "DriverInfo",
    "observation_specs",
    "inst_count_key",
]

#: The baselines, all computed by the root driver at step 0.
BASELINE_NAMES = (
    "IrInstructionCountO0",
    "IrInstructionCountO3",
    "IrInstructionCountOz",
    "ObjectTextSizeO0",
    "ObjectTextSizeO3",
    "ObjectTextSizeOz",
)
#: What the root driver is asked at step 0 for the baselines (the O0 count
#: is its query's ir_instructions feature).
BASELINE_OBSERVATIONS = {
    "IrInstructionCountO3": "IrInstructionCountO3",
    "IrInstructionCountOz": "IrInstructionCountOz",
    "ObjectTextSizeO0": "ObjectTextSizeBytes",
    "ObjectTextSizeO3": "ObjectTextSizeO3",
    "ObjectTextSizeOz": "ObjectTextSizeOz",
}
#: The constants of a driver, asked once per driver in a process.
STATIC_OBSERVATIONS = ("ActionPipelines", "AutophaseNames", "InstCountNames")


class ObservationError(Exception):
    """The driver (or the Python side) could not compute an observation."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__("observation %s: %s" % (name, message))
        self.name = name
        self.message = message


@dataclass
class DriverInfo:
    """What does not change while the driver's code does not: the action
    names and pipelines, the feature names, the LLVM version."""

    choices: Tuple[str, ...]
    llvm: Optional[str]
    client: Optional[str]
    pipelines: Optional[List[str]] = None
    autophase_names: Optional[List[str]] = None
    inst_count_names: Optional[List[str]] = None

    def complete(self) -> bool:
        return None not in (self.pipelines, self.autophase_names, self.inst_count_names)

    def update(self, values: Mapping[str, Any]) -> None:
        pipelines = values.get("ActionPipelines")
        if isinstance(pipelines, list) and len(pipelines) == len(self.choices):
            self.pipelines = [str(text) for text in pipelines[1:]]
        names = values.get("AutophaseNames")
        if isinstance(names, list):
            self.autophase_names = [str(name) for name in names]
        names = values.get("InstCountNames")
        if isinstance(names, list):
            self.inst_count_names = [str(name) for name in names]


def inst_count_key(name: str) -> str:
    """CompilerGym's name of an InstCount feature: ``Ret`` for the driver's
    ``NumRetInst``; ``TotalInsts`` and the like unchanged."""
    if name.startswith("Num") and name.endswith("Inst") and len(name) > 7:
        return name[3:-4]
    return name


class ObservationSource(Protocol):
    """What observation values are computed from: the episode's driver, its
    benchmark's baselines and builds of its module. Each LlvmEnv has one;
    the computations see the environment through it alone."""

    #: Vectors as numpy arrays (else lists).
    numpy: bool

    @property
    def benchmark(self) -> Benchmark:
        """The episode's benchmark."""
        ...

    def pending_query(self) -> PendingChoice:
        """The current state's query (ObservationError when there is none)."""
        ...

    def fetch(self, query: PendingChoice, names: Iterable[str]) -> Dict[str, Any]:
        """The driver's values of ``names`` for ``query``'s state."""
        ...

    def driver_names(self, attribute: str) -> List[str]:
        """Names the driver reported (``autophase_names``, ...)."""
        ...

    def scratch_path(self, stem: str, suffix: str) -> str:
        """A fresh file name in the environment's work directory."""
        ...

    def bitcode_file(self, query: PendingChoice) -> str:
        """The state's module as a bitcode file."""
        ...

    def baseline(self, name: str) -> Any:
        """A baseline of the benchmark (``IrInstructionCountOz``, ...)."""
        ...

    def build_and_run(self, query: PendingChoice) -> Tuple[float, List[float]]:
        """Builds the state's module: (build seconds, seconds of each run)."""
        ...

    def observation_specs(self) -> Dict[str, "ObservationSpaceSpec"]:
        """The observation spaces, by name."""
        ...


Compute = Callable[["ObservationSource", PendingChoice], Any]


@dataclass
class ObservationSpaceSpec:
    """One observation space (CompilerGym's ObservationSpaceSpec).

    Attributes:
        id: its name.
        space: the space its values belong to.
        driver: the driver observations it is computed from; a step whose
            observation space this is asks for them with its answer.
        bitcode: it needs the module's bitcode in a file (asked with the
            answer too).
        compute: computes the value of the pending query's state.
        deterministic: the same state always gives the same value.
        platform_dependent: the value depends on the host.
        default_value: the value before there is any.
    """

    id: str
    space: Any
    compute: Compute
    driver: Tuple[str, ...] = ()
    bitcode: bool = False
    deterministic: bool = True
    platform_dependent: bool = False
    default_value: Any = None

    @property
    def name(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return "ObservationSpaceSpec(%s)" % self.id


# -- computing values ----------------------------------------------------------------


def _vector(source: "ObservationSource", values: List[Any], dtype: str) -> Any:
    """A fresh array (or list) of the values: the caller may change it."""
    if source.numpy:
        if type(values) is list:
            # A third faster than numpy.array for a list of Python ints.
            return _numpy.fromiter(values, _DTYPES[dtype], len(values))
        return _numpy.array(values, dtype=dtype)
    return list(values)


_DTYPES = {name: _numpy.dtype(name) for name in ("int64", "float32", "float64")}


def _driver_value(name: str) -> Compute:
    def compute(source: "ObservationSource", query: PendingChoice) -> Any:
        return source.fetch(query, (name,))[name]

    return compute


def _driver_vector(name: str) -> Compute:
    def compute(source: "ObservationSource", query: PendingChoice) -> Any:
        # The step's own observation came with the query: no lookup of
        # what is missing.
        values = query.observations.get(name)
        if values is None:
            values = source.fetch(query, (name,))[name]
        return _vector(source, values, "int64")

    return compute


def _inline_or_through_file(
    source: "ObservationSource",
    query: PendingChoice,
    name: str,
    suffix: str,
    read: Callable[[Any], Any],
) -> Any:
    """The driver's ``name`` of the state, kept with the query: inline, or,
    when too large for one message, written by the driver to a scratch
    file that ``read`` reads from its open text stream."""
    value = query.extra.get(name)
    if value is None:
        try:
            value = source.fetch(query, (name,))[name]
        except ObservationError:
            path = source.scratch_path(name.lower(), suffix)
            source.fetch(query, (name + "=" + path,))
            try:
                with open(path, encoding="utf-8") as stream:
                    value = read(stream)
            finally:
                os.unlink(path)
        query.extra[name] = value
    return value


def _ir(source: "ObservationSource", query: PendingChoice) -> str:
    return _inline_or_through_file(source, query, "Ir", ".ll", lambda stream: stream.read())


def _ir_sha1(source: "ObservationSource", query: PendingChoice) -> str:
    return hashlib.sha1(_ir(source, query).encode("utf-8")).hexdigest()


def _bitcode(source: "ObservationSource", query: PendingChoice) -> bytes:
    path = source.bitcode_file(query)
    with open(path, "rb") as stream:
        return stream.read()


def _bitcode_file(source: "ObservationSource", query: PendingChoice) -> str:
    path = source.bitcode_file(query)
    # The user's now: kept until the environment closes.
    query.extra["bitcode_handed_out"] = True
    return path


#: What the Programl spaces ask for when networkx is missing.
NETWORKX_HINT = "pip install networkx (or pip install 'optgym[graphs]')"


class ProgramGraphSpace(_gymnasium.spaces.Space):
    """The program graphs of ``ProgramlJson`` (networkx's node-link dict,
    ``networkx=False``) or ``Programl`` (a ``networkx.MultiDiGraph``)."""

    def __init__(self, networkx: bool, name: Optional[str] = None) -> None:
        super().__init__(None, None)
        self.networkx = networkx
        self.name = name

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> Any:  # noqa: ARG002
        """The graph of an empty module: the root alone."""
        root = {"id": 0, "type": 0, "text": "[external]", "full_text": "[external]"}
        graph = {
            "directed": True,
            "multigraph": True,
            "graph": {"functions": []},
            "nodes": [dict(root, function=None, block=None)],
            "links": [],
        }
        return _networkx_graph(graph, "Programl") if self.networkx else graph

    def contains(self, x: Any) -> bool:
        if self.networkx:
            return type(x).__name__ == "MultiDiGraph" and x.is_directed() and x.is_multigraph()
        return (
            isinstance(x, dict)
            and isinstance(x.get("nodes"), list)
            and isinstance(x.get("links"), list)
        )

    def __repr__(self) -> str:
        return "ProgramGraphSpace(%s)" % ("networkx" if self.networkx else "json")


def _programl_node_link(source: "ObservationSource", query: PendingChoice) -> Dict[str, Any]:
    """The state's graph as the driver sends it, kept with the query."""
    return _inline_or_through_file(source, query, "ProgramlJson", ".json", json.load)


def _programl_json(source: "ObservationSource", query: PendingChoice) -> Dict[str, Any]:
    """A copy of the graph the caller may change (its attributes are
    strings, numbers and None)."""
    graph = _programl_node_link(source, query)
    return {
        "directed": graph["directed"],
        "multigraph": graph["multigraph"],
        "graph": {key: list(value) for key, value in graph["graph"].items()},
        "nodes": [dict(node) for node in graph["nodes"]],
        "links": [dict(link) for link in graph["links"]],
    }


def _networkx_graph(graph: Mapping[str, Any], name: str) -> Any:
    """The node-link dict as a networkx.MultiDiGraph: what
    ``networkx.node_link_graph(graph, edges="links")`` makes of it, built
    here because that keyword was ``link=`` before networkx 3.4 (and the
    package accepts networkx 3.0 on)."""
    try:
        import networkx
    except ImportError as error:
        raise ObservationError(
            name, "a networkx graph needs networkx, which is not installed: " + NETWORKX_HINT
        ) from error
    result = networkx.MultiDiGraph()
    result.graph.update({key: list(value) for key, value in graph["graph"].items()})
    result.add_nodes_from(
        (node["id"], {key: value for key, value in node.items() if key != "id"})
        for node in graph["nodes"]
    )
    result.add_edges_from(
        (
            link["source"],
            link["target"],
            link["key"],
            {"flow": link["flow"], "position": link["position"]},
        )
        for link in graph["links"]
    )
    return result


def _programl(source: "ObservationSource", query: PendingChoice) -> Any:
    return _networkx_graph(_programl_node_link(source, query), "Programl")


def _autophase_dict(source: "ObservationSource", query: PendingChoice) -> Dict[str, int]:
    values = source.fetch(query, ("Autophase",))["Autophase"]
    return dict(zip(source.driver_names("autophase_names"), values))


def _inst_count_dict(source: "ObservationSource", query: PendingChoice) -> Dict[str, int]:
    values = source.fetch(query, ("InstCount",))["InstCount"]
    names = source.driver_names("inst_count_names")
    return {inst_count_key(name) + "Count": value for name, value in zip(names, values)}


def _norm(values: List[int]) -> List[float]:
    total = max(values[0], 1) if values else 1
    return [value / total for value in values[1:]]


def _inst_count_norm(source: "ObservationSource", query: PendingChoice) -> Any:
    values = source.fetch(query, ("InstCount",))["InstCount"]
    return _vector(source, _norm(values), "float32")


def _inst_count_norm_dict(source: "ObservationSource", query: PendingChoice) -> Dict[str, float]:
    values = source.fetch(query, ("InstCount",))["InstCount"]
    names = source.driver_names("inst_count_names")[1:]
    return {inst_count_key(name) + "Density": value for name, value in zip(names, _norm(values))}


def _baseline(name: str) -> Compute:
    def compute(source: "ObservationSource", query: PendingChoice) -> Any:
        return source.baseline(name)

    return compute


def _static(attribute: str) -> Compute:
    def compute(source: "ObservationSource", query: PendingChoice) -> Any:
        return list(source.driver_names(attribute))

    return compute


def _runtime(source: "ObservationSource", query: PendingChoice) -> Any:
    return _vector(source, list(source.build_and_run(query)[1]), "float64")


def _buildtime(source: "ObservationSource", query: PendingChoice) -> Any:
    return _vector(source, [source.build_and_run(query)[0]], "float64")


def median(values: List[float]) -> float:
    """The estimator of the Runtime rewards (CompilerGym's np.median)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def observation_specs(info: DriverInfo) -> Dict[str, ObservationSpaceSpec]:
    """Every observation space, for a driver whose constants are ``info``."""
    autophase = len(info.autophase_names or ()) or 56
    inst_count = len(info.inst_count_names or ()) or 3
    count = lambda name: Scalar(0, None, int, name)  # noqa: E731
    specs = [
        ObservationSpaceSpec(
            "IrInstructionCount",
            count("IrInstructionCount"),
            lambda source, query: query.ir_instructions,
            default_value=0,
        ),
        ObservationSpaceSpec(
            "Autophase",
            Box(0, None, autophase, "int64", "Autophase"),
            _driver_vector("Autophase"),
            driver=("Autophase",),
        ),
        ObservationSpaceSpec(
            "AutophaseDict",
            DictSpace(
                {name: Scalar(0, None, int, name) for name in (info.autophase_names or ())},
                "AutophaseDict",
            ),
            _autophase_dict,
            driver=("Autophase",),
        ),
        ObservationSpaceSpec(
            "InstCount",
            Box(0, None, inst_count, "int64", "InstCount"),
            _driver_vector("InstCount"),
            driver=("InstCount",),
        ),
        ObservationSpaceSpec(
            "InstCountDict",
            DictSpace(
                {
                    inst_count_key(name) + "Count": Scalar(0, None, int)
                    for name in (info.inst_count_names or ())
                },
                "InstCountDict",
            ),
            _inst_count_dict,
            driver=("InstCount",),
        ),
        ObservationSpaceSpec(
            "InstCountNorm",
            Box(0, 1, max(inst_count - 1, 1), "float32", "InstCountNorm"),
            _inst_count_norm,
            driver=("InstCount",),
        ),
        ObservationSpaceSpec(
            "InstCountNormDict",
            DictSpace(
                {
                    inst_count_key(name) + "Density": Scalar(0, 1, float)
                    for name in (info.inst_count_names or ())[1:]
                },
                "InstCountNormDict",
            ),
            _inst_count_norm_dict,
            driver=("InstCount",),
        ),
        ObservationSpaceSpec(
            "Ir", Sequence((0, None), str, "Ir"), _ir, driver=("Ir",), default_value=""
        ),
        ObservationSpaceSpec("IrSha1", Sequence((40, 40), str, "IrSha1"), _ir_sha1, driver=("Ir",)),
        ObservationSpaceSpec(
            "Bitcode",
            Sequence((0, None), bytes, "Bitcode"),
            _bitcode,
            bitcode=True,
            default_value=b"",
        ),
        ObservationSpaceSpec(
            "BitcodeFile", Sequence((0, None), str, "BitcodeFile"), _bitcode_file, bitcode=True
        ),
        ObservationSpaceSpec(
            "ProgramlJson",
            ProgramGraphSpace(False, "ProgramlJson"),
            _programl_json,
            driver=("ProgramlJson",),
        ),
        ObservationSpaceSpec(
            "Programl",
            ProgramGraphSpace(True, "Programl"),
            _programl,
            driver=("ProgramlJson",),
        ),
        ObservationSpaceSpec(
            "ObjectTextSizeBytes",
            count("ObjectTextSizeBytes"),
            _driver_value("ObjectTextSizeBytes"),
            driver=("ObjectTextSizeBytes",),
            platform_dependent=True,
            default_value=0,
        ),
        ObservationSpaceSpec(
            "IsRunnable",
            Scalar(0, 1, bool, "IsRunnable"),
            lambda source, query: bool(source.benchmark.runnable),
            default_value=False,
        ),
        ObservationSpaceSpec(
            "Runtime",
            Sequence((0, None), float, "Runtime"),
            _runtime,
            bitcode=True,
            deterministic=False,
            platform_dependent=True,
        ),
        ObservationSpaceSpec(
            "Buildtime",
            Sequence((0, None), float, "Buildtime"),
            _buildtime,
            bitcode=True,
            deterministic=False,
            platform_dependent=True,
        ),
        ObservationSpaceSpec(
            "AutophaseNames", Sequence((0, None), str, "AutophaseNames"), _static("autophase_names")
        ),
        ObservationSpaceSpec(
            "InstCountNames",
            Sequence((0, None), str, "InstCountNames"),
            _static("inst_count_names"),
        ),
        ObservationSpaceSpec(
            "ActionPipelines", Sequence((0, None), str, "ActionPipelines"), _static("pipelines")
        ),
    ]
    for name in BASELINE_NAMES:
        specs.append(
            ObservationSpaceSpec(
                name,
                count(name),
                _baseline(name),
                platform_dependent=name.startswith("ObjectTextSize"),
            )
        )
    return {spec.id: spec for spec in specs}


class ObservationView(Mapping):
    """``env.observation``: every observation of the current state by name,
    computed when asked (CompilerGym's ObservationView).

    ``env.observation["Autophase"]`` asks the driver once per state: a value
    is kept until the next step, and the step's own observation (the
    observation space's) is already there. :meth:`raw` asks the driver for
    any of its names, bypassing the Python-side meanings.
    """

    def __init__(self, source: "ObservationSource") -> None:
        self._source = source

    @property
    def spaces(self) -> Dict[str, ObservationSpaceSpec]:
        return self._source.observation_specs()

    def __getitem__(self, name: str) -> Any:
        spec = self.spaces.get(name)
        if spec is None:
            raise KeyError(
                "unknown observation %r (known: %s)" % (name, ", ".join(sorted(self.spaces)))
            )
        return spec.compute(self._source, self._source.pending_query())

    def __getattr__(self, name: str) -> Callable[[], Any]:
        # CompilerGym's env.observation.Autophase(): a function per space.
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self.spaces:
            raise AttributeError("%r is no observation space of this environment" % name)
        return lambda: self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.spaces)

    def __len__(self) -> int:
        return len(self.spaces)

    def __contains__(self, name: object) -> bool:
        return name in self.spaces

    def raw(self, *names: str) -> Dict[str, Any]:
        """The driver's values of ``names`` for the current state, in one
        round trip (ObservationError if one failed)."""
        query = self._source.pending_query()
        return {
            name: value for name, value in self._source.fetch(query, names).items() if name in names
        }

    def __repr__(self) -> str:
        return "ObservationView(%d spaces)" % len(self)
