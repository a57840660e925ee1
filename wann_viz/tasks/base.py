"""The one small interface every task implements.

A task runs B episodes in lock-step. ``reset`` starts them from integer seeds,
``step`` advances all of them with one action per episode. Episodes that are
done keep returning zero reward; the episode loop (:mod:`wann_viz.loop`) stops
when every episode is done or ``max_steps`` is reached. State is opaque to
callers except through ``frame`` and ``scene``, which return what the player
needs to draw one episode.

Everything callers used to decide by a task's name is declared by the task:
static facts in its :class:`~wann_viz.tasks.specs.TaskSpec`, behaviour in
the optional hooks below (fast paths, frame packing, its own evaluation).

Every task class documents itself with one template, as Gymnasium's
environments do::

    \"\"\"One line.

    Description:
    Observation: (n_in,) what each input is.
    Action: (n_out,) what each output does, and how outputs become actions.
    Reward:
    Start: how a seed sets the first state.
    Episode end:
    Differences from the paper's version:
    \"\"\"
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from .specs import TaskSpec


class Task(ABC):
    """Base class of all tasks.

    Args:
        max_steps: episode limit, at most the spec's (default: the spec's).

    Attributes:
        spec: static facts (a class attribute: name, labels, ``max_steps``, UI hints).
    """

    spec: ClassVar[TaskSpec]
    # True when actions are the outputs clipped (then to_actions is idempotent and step(outputs)
    # equals step(to_actions(outputs))); False for a mapping such as CarRacing's gas, [-1, 1] -> [0, 1].
    actions_are_clipped_outputs: ClassVar[bool] = True

    def __init__(self, max_steps: int | None = None):
        limit = self.spec.max_steps if max_steps is None else int(max_steps)
        if limit < 1:
            raise ValueError("max_steps must be at least 1")
        self._max_steps = min(limit, self.spec.max_steps)

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
        return self._max_steps

    @property
    def vectorized(self) -> bool:
        """True when the physics is numpy over the batch (see ``TaskSpec.vectorized``)."""
        return self.spec.vectorized

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` when the task can run in this installation, else why not (a sentence)."""
        return None

    @classmethod
    def results_key(cls) -> tuple:
        """What, besides the genome and the episode seeds, decides this installation's returns
        (a tuple of JSON values; empty for a task fixed by its code). Stored results are keyed by it,
        so that a result measured with one input file (CarRacing's VAE) is never shown for another."""
        return ()

    @classmethod
    def genome_note(cls, genome) -> str | None:
        """``None`` when ``genome`` should behave here as it did where it was made, else why not
        (a sentence for the user): e.g. a racer evolved against another VAE than the installed one.
        The explorer says it beside the episode and prefers genomes without a note."""
        return None

    @abstractmethod
    def reset(self, seeds: Sequence[int]) -> tuple[Any, np.ndarray]:
        """Start one episode per seed; an episode depends only on its seed.

        Returns:
            ``(state, observations)``; observations has shape (B, n_in).
        """

    @abstractmethod
    def step(self, state: Any, outputs: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every episode by one step.

        Args:
            state: from ``reset`` or a previous ``step``.
            outputs: network outputs, shape (B, n_out), nan already replaced by 0
                (the episode loop's rule); the task turns them into actions with
                :meth:`to_actions`.

        Returns:
            ``(state, observations (B, n_in), rewards (B,), done (B,) bool)``;
            episodes that were already done earn 0.
        """

    def to_actions(self, outputs: np.ndarray) -> np.ndarray:
        """The actions the environment receives for outputs (B, n_out).

        ``step`` applies exactly this; rollouts call it to record actions.
        """
        return np.asarray(outputs, dtype=float)

    def frame(self, state: Any, index: int) -> dict:
        """JSON-able description of episode ``index``'s current frame for the player."""
        return {}

    def scene(self, state: Any, index: int) -> dict:
        """JSON-able, per-episode constant drawing data (terrain, sizes) for the player."""
        return {}

    def pack_frames(self, frames: list[dict]) -> dict[str, np.ndarray]:
        """One episode's frames as float32 columns for the player.

        Args:
            frames: ``T + 1`` dicts from :meth:`frame` (after reset, then after each step).

        Returns:
            ``{field: (T + 1, k) float32}``: each frame field flattened to k numbers.
        """
        if not frames or not frames[0]:
            return {}
        return {key: np.asarray([f[key] for f in frames], dtype=np.float32).reshape(len(frames), -1)
                for key in frames[0]}

    def draw_frame(self, frames: dict[str, np.ndarray], scene: dict, t: int):
        """Frame ``t`` of a packed episode as a pillow image (the rollout GIF), or ``None``.

        Args:
            frames: ``{field: (T + 1, k)}`` from :meth:`pack_frames`.
            scene: from :meth:`scene`.

        Returns:
            ``None`` (the default: the GIF plots observations instead) or a ``PIL.Image``.
        """
        return

    def preview_setup(self, seed: int) -> dict | None:
        """What the browser's copy of the task (``TaskSpec.preview``) needs to replay episode ``seed``.

        The browser cannot draw numpy's random numbers, so the task hands it the
        start state, and its constants, so that they are defined once, here.

        Returns:
            ``None`` (no preview), or ``{"start": [state numbers], "constants": {name: number}}``.
        """
        return None

    def close(self, state: Any) -> None:
        """Release resources held by ``state`` (environments, windows)."""

    # ----- optional fast paths -----------------------------------------------------------
    def single_episode(self, program: tuple, schedule: list | None, seed: int, limit: int, record_frames: bool,
                       on_step: Callable[[int], None] | None) -> dict | None:
        """One episode on Python floats, where numpy's per-call cost dominates (B = 1).

        Offered by a task the way Gymnasium's ``vector_entry_point`` offers a
        vector environment; the default offers nothing (``None``) and the
        episode loop runs instead. It must give the loop's numbers bit for bit
        (run the network with :func:`wann_viz.nn.run_program`, and mirror the
        batched physics operation for operation), so that the explorer replays
        what the search scored.

        Args:
            program: the network's exact float program (:func:`wann_viz.nn.scalar_program`).
            schedule: the shared weight as ``[(step, weight), ...]`` sorted by step, from step 0
                (a constant weight is ``[(0, w)]``), or ``None`` for a program with
                per-connection weights.
            seed: the episode seed.
            limit: steps at most.
            record_frames: keep a frame per step.
            on_step: called with the step index after every step.

        Returns:
            ``None`` (not offered: run the loop), or
            ``{"rewards": (T,) float64, "nodes": (T, N) float64, "frames": list | None}``.
        """
        return None

    def population_fitness(self, genomes: Sequence, weights: np.ndarray, seeds: np.ndarray,
                           options: dict) -> np.ndarray | None:
        """The search's fitness of many genomes, when it is not the episode return.

        Returns:
            ``None`` (the default: the search scores episode returns), or
            (n, K, E) fitness per genome, weight and seed.
        """
        return None

    def profile(self, genome, weights: np.ndarray, n_episodes: int, seed: int,
                progress: Callable[[int, int], None] | None) -> list[dict] | None:
        """The weight profile computed the task's own way, or ``None`` (the default: run episodes).

        Args:
            weights: (K,) shared weights.

        Returns:
            ``[{"weight", "mean", "sd"}, ...]`` in the order of ``weights``, in the
            units of ``spec.score``.
        """
        return None

    def supervised_data(self, split: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Labelled data for fine-tuning by gradient: ``(inputs (N, n_in), labels (N,) int)`` of
        ``split`` ("train" or "test"), or ``None`` (the default: the task is scored by episodes)."""
        return None

    def conditions(self, genome, weights: Sequence[float] | None, n_episodes: int, seed: int,
                   progress: Callable[[int, int], None] | None) -> dict | None:
        """The paper's four conditions computed the task's own way, or ``None`` (run episodes)."""
        return None
