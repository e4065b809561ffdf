"""``env.reward`` in compatibility mode, with reward spaces of the user's own.

CompilerGym's clients define rewards by subclassing
``compiler_gym.spaces.Reward``: an object with a ``name``, the
``observation_spaces`` it reads, ``reset(benchmark, observation_view)``,
``update(actions, observations, observation_view)`` returning the step's
reward, and ``reward_on_error(episode_reward)``. ``env.reward.add_space``
registers one; setting ``env.reward_space`` to its name (or to it) makes it
the environment's reward: after each step its ``update`` is called with the
step's actions and the values of its observation spaces for the new state.
:class:`Reward` is that base class (``compiler_gym.spaces.Reward``); any
object with those members works.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..gym.rewards import REWARD_SPACES, RewardView
from ..gym.spaces import Scalar

if TYPE_CHECKING:
    from .env import CompilerGymEnv

__all__ = ["CompilerGymRewardView", "Reward"]


class Reward(Scalar):
    """The base of a reward space of the user's own (CompilerGym's
    ``compiler_gym.spaces.Reward``): a float in [min, max] (open bounds by
    default). Subclasses implement :meth:`update`, and :meth:`reset` when
    they keep state across steps.

    Args:
        name: the space's name (``env.reward_space = name``).
        observation_spaces: the names of the observations :meth:`update`
            gets the values of, in order.
        default_value: the reward of a step that failed.
        min, max: bounds (None: open).
        default_negates_returns: a failed step's reward is
            ``default_value - episode_reward`` (undoing the episode's
            reward) instead of ``default_value``.
        success_threshold: the episode reward that counts as a success.
        deterministic, platform_dependent: what the values depend on.
    """

    def __init__(
        self,
        name: str,
        observation_spaces: Optional[Sequence[str]] = None,
        default_value: float = 0,
        min: Optional[float] = None,  # noqa: A002
        max: Optional[float] = None,  # noqa: A002
        default_negates_returns: bool = False,
        success_threshold: Optional[float] = None,
        deterministic: bool = False,
        platform_dependent: bool = True,
    ) -> None:
        if not name:
            raise TypeError("a reward space needs a name")
        super().__init__(
            -math.inf if min is None else min, math.inf if max is None else max, float, name
        )
        self.observation_spaces = list(observation_spaces or [])
        self.default_value = default_value
        self.default_negates_returns = default_negates_returns
        self.success_threshold = success_threshold
        self.deterministic = deterministic
        self.platform_dependent = platform_dependent

    def reset(self, benchmark: str, observation_view: Any) -> None:
        """Called by ``env.reset()`` with the episode's benchmark URI."""

    def update(self, actions: List[Any], observations: List[Any], observation_view: Any) -> float:
        """The reward of a step: its ``actions``, the values of
        :attr:`observation_spaces` after it, and ``env.observation``."""
        raise NotImplementedError("%s.update" % type(self).__name__)

    def reward_on_error(self, episode_reward: float) -> float:
        """The reward of a step that failed."""
        if self.default_negates_returns:
            return self.default_value - episode_reward
        return self.default_value

    @property
    def range(self) -> Tuple[float, float]:
        return (self.min, self.max)

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            return self.name == other
        return isinstance(other, Reward) and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.name)


class CompilerGymRewardView(RewardView):
    """OptGym's reward view plus the user's reward spaces; ``spaces`` is
    the one mutable registry of both, as CompilerGym's is (a wrapper may
    ``del env.reward.spaces[NAME]``). An unknown name is KeyError(NAME)."""

    def __init__(self, env: "CompilerGymEnv") -> None:
        super().__init__(env.reward_of)
        self._env = env
        self._spaces: Dict[str, Any] = dict(REWARD_SPACES)

    @property
    def spaces(self) -> Dict[str, Any]:  # type: ignore[override]
        return self._spaces

    def add_space(self, space: Any) -> None:
        """Registers a reward space of the user's (replacing one of the
        same name, with a warning, as CompilerGym does)."""
        for member in ("name", "reset", "update"):
            if not hasattr(space, member):
                raise TypeError(
                    "a reward space needs %r (as compiler_gym.spaces.Reward has): %r"
                    % (member, space)
                )
        if space.name in self._spaces:
            warnings.warn("Replacing existing reward space '%s'" % space.name, stacklevel=2)
        self._spaces[space.name] = space

    def custom_space(self, value: Any) -> Optional[Any]:
        """The user's reward space ``value`` names (or is), or None when it
        is one of OptGym's, or None."""
        if value is None:
            return None
        name = value if isinstance(value, str) else getattr(value, "name", None)
        found = self._spaces.get(name) if isinstance(name, str) else None
        if found is None or (name in REWARD_SPACES and found is REWARD_SPACES[name]):
            return None
        return found

    def compute_custom(self, space: Any, actions: Sequence[Any]) -> float:
        """``space.update`` on the current state: the step's actions, its
        observation spaces' values and the observation view."""
        view = self._env.observation
        observations = [view[name] for name in getattr(space, "observation_spaces", ())]
        return space.update(list(actions), observations, view)

    def copy_custom_from(self, other: "CompilerGymRewardView") -> None:
        """The user's reward spaces of ``other``, deep-copied (a fork's)."""
        for name, space in other._spaces.items():
            if other.custom_space(name) is not None:
                self._spaces[name] = copy.deepcopy(space)

    def __getitem__(self, name: str) -> float:
        space = self._spaces.get(name)
        if space is None:
            raise KeyError(name)
        custom = self.custom_space(name)
        if custom is not None:
            return self.compute_custom(custom, [])
        return super().__getitem__(name)

    def __iter__(self):
        return iter(self._spaces)

    def __len__(self) -> int:
        return len(self._spaces)
