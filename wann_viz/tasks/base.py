"""The one small interface every task implements.

A task runs B episodes in lock-step. ``reset`` starts them from integer seeds,
``step`` advances all of them with one action per episode. Episodes that are
done keep returning zero reward; callers stop when every episode is done or
``max_steps`` is reached. State is opaque to callers except through
``frame``, which returns what the UI needs to draw one episode's frame.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np

from .specs import TaskSpec


class Task(ABC):
    """Base class of all tasks.

    Attributes:
        spec: static facts (name, labels, ``max_steps``).
    """

    spec: TaskSpec
    # True when the physics is numpy over the batch: evaluation then runs all
    # episodes as one batch in-process instead of spreading them over a process pool.
    vectorized: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_labels(self) -> tuple[str, ...]:
        return self.spec.input_labels

    @property
    def output_labels(self) -> tuple[str, ...]:
        return self.spec.output_labels

    @property
    def max_steps(self) -> int:
        return self.spec.max_steps

    @abstractmethod
    def reset(self, seeds: Sequence[int]) -> tuple[Any, np.ndarray]:
        """Start one episode per seed.

        Returns:
            ``(state, observations)``; observations has shape (B, n_in).
        """

    @abstractmethod
    def step(self, state: Any, outputs: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every episode by one step.

        Args:
            state: from ``reset`` or a previous ``step``.
            outputs: raw network outputs, shape (B, n_out); the task clips them.

        Returns:
            ``(state, observations (B, n_in), rewards (B,), done (B,) bool)``.
        """

    def to_actions(self, outputs: np.ndarray) -> np.ndarray:
        """The actions the environment receives for raw outputs (B, n_out).

        ``step`` applies this itself; rollouts call it only to record actions.
        """
        return np.asarray(outputs, dtype=float)

    def frame(self, state: Any, index: int) -> dict:
        """JSON-able description of episode ``index``'s current frame for the UI."""
        return {}

    def scene(self, state: Any, index: int) -> dict:
        """JSON-able, per-episode constant drawing data (terrain, sizes) for the UI."""
        return {}

    def close(self, state: Any) -> None:
        """Release resources held by ``state`` (environments, windows)."""
