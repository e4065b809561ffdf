"""Reward spaces, as CompilerGym defines them.

A reward is the decrease of a cost C from one state to the next:

* ``X``: C(s_{t-1}) - C(s_t) (CompilerGym's CostFunctionReward);
* ``XNorm``: the same divided by C(s_0) (NormalizedReward), so that the
  episode's rewards add up to (C0 - C_final) / C0;
* ``XO3``, ``XOz``: divided by max(C(s_0) - C(baseline), 1)
  (BaselineImprovementNormalizedReward), so that the episode's rewards add
  up to (C0 - C_final) / (C0 - C_baseline): 1.0 means "as good as -Oz".

The costs: ``IrInstructionCount`` (instructions in the module, free with
every query), ``ObjectTextSizeBytes`` (the .text of the object the driver
generates in process) and ``Runtime`` (the median wall time, in seconds, of
the program built from the current module; baselines: the program built by
``clang -Oz`` / ``-O3``, and since a second is no sensible floor the divisor
of RuntimeO3/Oz is max(C0 - C_baseline, 1e-6)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, Optional, Tuple

__all__ = ["RewardSpace", "RewardState", "RewardView", "REWARD_SPACES", "reward_space"]

INF = float("inf")


@dataclass(frozen=True)
class RewardSpace:
    """A reward space: which cost, normalized how.

    Attributes:
        name: e.g. ``IrInstructionCountOz``.
        cost: the observation that is the cost: ``IrInstructionCount``,
            ``ObjectTextSizeBytes`` or ``Runtime``.
        baseline: None, ``"O0"`` (the Norm spaces divide by C0) or the
            baseline level ``"Oz"`` / ``"O3"``.
        deterministic: replaying the actions gives the same rewards.
        platform_dependent: the rewards depend on the host's target.
        success_threshold: the episode reward that means success (1.0 for
            the O3/Oz spaces: as good as the baseline), or None.
        reward_range: the (min, max) of one step's reward.
        default_value: the reward of a step that failed.
    """

    name: str
    cost: str
    baseline: Optional[str]
    deterministic: bool
    platform_dependent: bool
    success_threshold: Optional[float] = None
    reward_range: Tuple[float, float] = (-INF, INF)
    default_value: float = 0.0
    default_negates_returns: bool = True

    @property
    def id(self) -> str:
        """CompilerGym's name for :attr:`name`."""
        return self.name

    @property
    def range(self) -> Tuple[float, float]:
        """CompilerGym's name for :attr:`reward_range`."""
        return self.reward_range

    def reward_on_error(self, episode_reward: float) -> float:
        """CompilerGym's reward for a failed step: :attr:`default_value`,
        less the episode's reward so far when
        :attr:`default_negates_returns`. (OptGym's own failed step returns
        :attr:`default_value` and leaves the episode's reward standing.)"""
        if self.default_negates_returns:
            return self.default_value - episode_reward
        return self.default_value

    @property
    def floor(self) -> float:
        """The smallest divisor of the O3/Oz spaces: one unit of the cost."""
        return 1e-6 if self.cost == "Runtime" else 1.0

    def __str__(self) -> str:
        return self.name


def _spaces() -> Dict[str, RewardSpace]:
    spaces: Dict[str, RewardSpace] = {}
    for prefix, cost, deterministic, platform in (
        ("IrInstructionCount", "IrInstructionCount", True, False),
        ("ObjectTextSize", "ObjectTextSizeBytes", True, True),
        ("Runtime", "Runtime", False, True),
    ):
        raw = prefix if prefix != "ObjectTextSize" else "ObjectTextSizeBytes"
        spaces[raw] = RewardSpace(raw, cost, None, deterministic, platform)
        spaces[prefix + "Norm"] = RewardSpace(
            prefix + "Norm", cost, "O0", deterministic, platform, reward_range=(-INF, 1.0)
        )
        for level in ("O3", "Oz"):
            spaces[prefix + level] = RewardSpace(
                prefix + level, cost, level, deterministic, platform, success_threshold=1.0
            )
    return spaces


#: The twelve reward spaces by name.
REWARD_SPACES: Dict[str, RewardSpace] = _spaces()


def reward_space(name: "str | RewardSpace") -> RewardSpace:
    """The reward space of a name; ValueError listing the names otherwise."""
    if isinstance(name, RewardSpace):
        return name
    found = REWARD_SPACES.get(name)
    if found is None:
        raise ValueError("unknown reward space %r (known: %s)" % (name, ", ".join(REWARD_SPACES)))
    return found


class RewardState:
    """The running reward of one episode in one reward space.

    ``reset(initial, baseline)`` starts an episode at cost C0 = ``initial``;
    ``update(cost)`` returns the step's reward and remembers the cost.
    """

    __slots__ = ("space", "initial", "previous", "divisor")

    def __init__(self, space: RewardSpace) -> None:
        self.space = space
        self.initial = 0.0
        self.previous = 0.0
        self.divisor = 1.0

    @property
    def episode_reward(self) -> float:
        """The sum of the episode's rewards, computed as (C0 - C_t) / divisor
        (what the sum telescopes to), so that a replay that reaches the same
        state by other steps, or in one multistep, gets exactly the same
        number."""
        return (self.initial - self.previous) / self.divisor

    def reset(self, initial: float, baseline: Optional[float] = None) -> None:
        space = self.space
        self.initial = self.previous = initial
        if space.baseline is None:
            self.divisor = 1.0
        elif space.baseline == "O0":
            self.divisor = initial if initial else 1.0
        else:
            if baseline is None:
                raise ValueError("%s needs the %s baseline" % (space.name, space.baseline))
            self.divisor = max(initial - baseline, space.floor)

    def set_episode_reward(self, value: float) -> None:
        """Makes :attr:`episode_reward` ``value`` at the current cost."""
        self.initial = self.previous + value * self.divisor

    def update(self, cost: float) -> float:
        reward = (self.previous - cost) / self.divisor
        self.previous = cost
        return reward

    def copy(self) -> "RewardState":
        other = RewardState(self.space)
        other.initial = self.initial
        other.previous = self.previous
        other.divisor = self.divisor
        return other


class RewardView(Mapping):
    """``env.reward``: the reward of the current state in any reward space
    by name, computed when asked (CompilerGym's RewardView).

    ``env.reward["IrInstructionCount"]`` is the reward since that space's
    reward was last asked for in the episode (since the reset, the first
    time); asking leaves the episode's own reward alone.
    """

    def __init__(self, compute: Callable[[RewardSpace], float]) -> None:
        self._compute = compute

    @property
    def spaces(self) -> Dict[str, RewardSpace]:
        return dict(REWARD_SPACES)

    def __getitem__(self, name: str) -> float:
        space = REWARD_SPACES.get(name)
        if space is None:
            raise KeyError("unknown reward space %r (known: %s)" % (name, ", ".join(REWARD_SPACES)))
        return self._compute(space)

    def __iter__(self) -> Iterator[str]:
        return iter(REWARD_SPACES)

    def __len__(self) -> int:
        return len(REWARD_SPACES)

    def __repr__(self) -> str:
        return "RewardView(%d spaces)" % len(self)
