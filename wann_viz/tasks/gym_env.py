"""Tasks as Gymnasium environments.

:class:`TaskEnv` runs one episode of any vectorized :class:`~wann_viz.tasks.base.Task`
behind ``gymnasium.Env``; :func:`register_gymnasium_envs` (called by ``import
wann_viz``) registers the paper's swing-up as ``wann_viz/CartPoleSwingUp-v0``::

    import gymnasium, wann_viz
    env = gymnasium.make("wann_viz/CartPoleSwingUp-v0")
    obs, info = env.reset(seed=0)        # the same start as wann_viz's seed 0
    envs = gymnasium.make_vec("wann_viz/CartPoleSwingUp-v0", num_envs=8)

Seeds mean what they mean everywhere in the project: ``reset(seed=s)`` starts
the episode that ``rollout(..., seeds=[s])`` runs. Without a seed, the next
episode's seed is drawn from the environment's own generator.
"""

from __future__ import annotations

import numpy as np

from .registry import make_task

SWINGUP_ID = "wann_viz/CartPoleSwingUp-v0"


def _make_env_class():
    import gymnasium
    from gymnasium import spaces

    class TaskEnv(gymnasium.Env):
        """One episode at a time of a registered task.

        Args:
            task: task name.
            render_mode: only ``None`` (the explorer draws the episodes).
        """

        metadata = {"render_modes": []}

        def __init__(self, task: str = "swingup", render_mode: str | None = None):
            if render_mode is not None:
                raise ValueError("this environment has no render modes; the explorer draws its episodes")
            self.task = make_task(task)
            spec = self.task.spec
            self.observation_space = spaces.Box(-np.inf, np.inf, (spec.n_in,), np.float64)
            self.action_space = spaces.Box(-1.0, 1.0, (spec.n_out,), np.float32)
            self.render_mode = None
            self._state = None

        def reset(self, *, seed: int | None = None, options: dict | None = None):
            super().reset(seed=seed)
            episode_seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**31 - 1))
            if self._state is not None:
                self.task.close(self._state)
            self._state, obs = self.task.reset([episode_seed])
            self._done = False
            return obs[0].astype(np.float64), {"seed": episode_seed}

        def step(self, action):
            if self._state is None:
                raise RuntimeError("call reset() before step()")
            out = np.asarray(action, dtype=np.float64).reshape(1, -1)
            out = np.where(np.isnan(out), 0.0, out)  # the episode loop's rule
            self._state, obs, reward, done = self.task.step(self._state, out)
            t = getattr(self._state, "t", None)
            truncated = bool(done[0]) and t is not None and t >= self.task.max_steps
            terminated = bool(done[0]) and not truncated
            return obs[0].astype(np.float64), float(reward[0]), terminated, truncated, {}

        def close(self):
            if self._state is not None:
                self.task.close(self._state)
                self._state = None

    return TaskEnv


_ENV_CLASS = None


def task_env_class():
    """The ``gymnasium.Env`` subclass behind the registered environments (built on first use)."""
    global _ENV_CLASS
    if _ENV_CLASS is None:
        _ENV_CLASS = _make_env_class()
    return _ENV_CLASS


def make_swingup_env(**kwargs):
    """Entry point of ``wann_viz/CartPoleSwingUp-v0``."""
    return task_env_class()(task="swingup", **kwargs)


def register_gymnasium_envs() -> None:
    """Register ``wann_viz/CartPoleSwingUp-v0`` with Gymnasium (once; quietly without gymnasium)."""
    try:
        import gymnasium
    except ImportError:  # pragma: no cover - gymnasium is a requirement
        return
    if SWINGUP_ID not in gymnasium.registry:
        gymnasium.register(id=SWINGUP_ID, entry_point="wann_viz.tasks.gym_env:make_swingup_env",
                           max_episode_steps=None, disable_env_checker=False)
