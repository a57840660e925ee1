"""Run a genome on a task for given seeds and keep what the UI needs.

Weights, exactly one of:

* ``weight``: one shared weight (float) or one per episode, shape (B,);
* ``connection_weights``: per-connection weights, (C,) for every episode or (B, C);
* ``schedule``: a shared weight that changes during the episode, as
  ``[(0, w0), (k1, w1), ...]``: from step ``k`` on, the weight is the value of
  the last pair whose step is <= ``k``. Episodes are deterministic given their
  seed, so a weight dragged at step ``k`` is shown by re-simulating from the
  seed with ``[(0, w_old), (k, w_new)]``: the first ``k`` steps repeat exactly.

Recorded per step ``t`` (0-based): the observation fed to the network, the
action the environment received, the reward of that step and (optionally)
the value of every node. Entries after an episode's end are zero; ``lengths``
says how many steps each episode ran. ``frames[b][0]`` is the frame after
reset and ``frames[b][t + 1]`` the one after step ``t``.

Every episode runs through the one loop of :mod:`wann_viz.loop` (same nan
rule as the search). Engines: ``"batch"`` steps all B episodes together with
the compiled numpy network. ``"scalar"`` is a task's single-episode fast path
(:meth:`~wann_viz.tasks.base.Task.single_episode`; swing-up offers one), which
runs network and physics on Python floats, several times faster than numpy on
single values. The two engines agree to rounding (about 1e-12 per step); each
one is exactly repeatable. ``"auto"`` picks ``"scalar"`` for one episode of a
task that offers it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .genome import Genome
from .loop import GenomePolicy, clean_outputs, run_lockstep
from .nn import scalar_program
from .tasks.base import Task
from .tasks.registry import make_task


@dataclass
class Rollout:
    """Result of :func:`rollout` for B episodes of at most T steps.

    Attributes:
        task: task name.
        seeds: (B,) int64.
        returns: (B,) float64, sum of rewards.
        lengths: (B,) int64, steps run by each episode.
        observations: (T, B, n_in) float32 or None.
        actions: (T, B, n_out) float32 or None (after the task's clipping).
        rewards: (T, B) float32 or None.
        node_values: (T, B, N) float32 or None, genome node order.
        frames: per episode, a list of ``lengths[b] + 1`` frame dicts, or None.
        scenes: per episode, the task's constant drawing data, or None.
        weights: how the weights were set (JSON-able description).
    """

    task: str
    seeds: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray
    observations: np.ndarray | None = None
    actions: np.ndarray | None = None
    rewards: np.ndarray | None = None
    node_values: np.ndarray | None = None
    frames: list | None = None
    scenes: list | None = None
    weights: dict = field(default_factory=dict)

    def episode_dict(self, index: int, decimals: int = 4) -> dict:
        """Episode ``index`` as JSON-able lists, cut to its length, floats rounded."""
        n = int(self.lengths[index])

        def arr(a):
            return None if a is None else np.round(a[:n, index].astype(float), decimals).tolist()

        return {
            "seed": int(self.seeds[index]),
            "length": n,
            "return": round(float(self.returns[index]), decimals),
            "observations": arr(self.observations),
            "actions": arr(self.actions),
            "rewards": arr(self.rewards),
            "node_values": arr(self.node_values),
            "frames": None if self.frames is None else self.frames[index],
            "scene": None if self.scenes is None else self.scenes[index],
        }

    def to_dict(self, decimals: int = 4) -> dict:
        """Compact JSON-able form for the browser: one entry per episode."""
        return {
            "task": self.task,
            "weights": self.weights,
            "episodes": [self.episode_dict(b, decimals) for b in range(len(self.seeds))],
        }


def normalize_schedule(schedule: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """Validate a weight schedule and sort it by step.

    Raises:
        ValueError: if it is empty, does not start at step 0, repeats a step or
        holds a non-finite weight.
    """
    items = sorted((int(k), float(w)) for k, w in schedule)
    if not items or items[0][0] != 0:
        raise ValueError("a weight schedule must give the weight at step 0, e.g. [(0, -1.5), (200, 1.0)]")
    steps = [k for k, _ in items]
    if len(set(steps)) != len(steps):
        raise ValueError("a weight schedule names the same step twice")
    if not all(math.isfinite(w) for _, w in items):
        raise ValueError("schedule weights must be finite numbers")
    return items


def _weight_at(schedule: list[tuple[int, float]], t: int) -> float:
    w = schedule[0][1]
    for k, v in schedule:
        if k > t:
            break
        w = v
    return w


def rollout(
    genome: Genome,
    task: Task | str,
    seeds: Sequence[int],
    *,
    weight: float | np.ndarray | None = None,
    connection_weights: np.ndarray | None = None,
    schedule: Sequence[tuple[int, float]] | None = None,
    max_steps: int | None = None,
    record: bool = True,
    record_nodes: bool = False,
    record_frames: bool = False,
    engine: str = "auto",
    on_step: Callable[[int], None] | None = None,
) -> Rollout:
    """Run ``genome`` on ``task`` for one episode per seed, all in lock-step.

    Args:
        genome: the network.
        task: a :class:`Task` or a task name (then made and closed here).
        seeds: B episode seeds.
        weight: shared weight, scalar or (B,).
        connection_weights: (C,) or (B, C) per-connection weights.
        schedule: ``[(step, weight), ...]`` shared weight over time (see module doc).
        max_steps: stop after this many steps (default: the task's limit).
        record: keep observations, actions and rewards.
        record_nodes: also keep every node's value.
        record_frames: keep the task's frames and scenes (for drawing).
        engine: ``"auto"``, ``"batch"`` or ``"scalar"`` (see module doc).
        on_step: called with the step index after every step (progress).

    Returns:
        A :class:`Rollout`.
    """
    seeds_arr = np.asarray([int(s) for s in seeds], dtype=np.int64)
    b = len(seeds_arr)
    if b == 0:
        raise ValueError("give at least one seed")
    given = [x is not None for x in (weight, connection_weights, schedule)]
    if sum(given) != 1:
        raise ValueError("give exactly one of weight, connection_weights or schedule")
    if schedule is not None:
        sched = normalize_schedule(schedule)
        desc: dict[str, Any] = {"mode": "schedule", "schedule": [[k, w] for k, w in sched]}
    else:
        sched = None
    if weight is not None:
        w_arr = np.asarray(weight, dtype=float)
        if w_arr.ndim == 0:
            desc = {"mode": "shared", "weight": float(w_arr)}
        elif w_arr.shape == (b,):
            desc = {"mode": "shared", "weight": [float(v) for v in w_arr]}
        else:
            raise ValueError(f"weight must be a number or have shape ({b},), got {w_arr.shape}")
        if not np.all(np.isfinite(w_arr)):
            raise ValueError("weights must be finite numbers")
        sched_w = np.broadcast_to(w_arr, (b,)).copy()
    cw = None
    if connection_weights is not None:
        cw = np.asarray(connection_weights, dtype=float)
        c = genome.n_connections
        if cw.shape not in ((c,), (b, c)):
            raise ValueError(f"connection_weights must have shape ({c},) or ({b}, {c}), got {cw.shape}")
        if not np.all(np.isfinite(cw)):
            raise ValueError("weights must be finite numbers")
        desc = {"mode": "connection"}

    task_obj = make_task(task) if isinstance(task, str) else task
    if genome.n_in != task_obj.spec.n_in or genome.n_out != task_obj.spec.n_out:
        raise ValueError(
            f"the genome has {genome.n_in} inputs and {genome.n_out} outputs; the task {task_obj.name!r} "
            f"needs {task_obj.spec.n_in} and {task_obj.spec.n_out}"
        )
    limit = task_obj.max_steps if max_steps is None else min(int(max_steps), task_obj.max_steps)
    if engine not in ("auto", "batch", "scalar"):
        raise ValueError(f"unknown engine {engine!r}; use 'auto', 'batch' or 'scalar'")
    cw1 = None if cw is None else cw.reshape(-1, genome.n_connections)
    single_schedule = None  # the shared weight over time, for a single-episode fast path
    if sched is not None:
        single_schedule = list(sched)
    elif weight is not None and np.all(sched_w == sched_w[0]):
        single_schedule = [(0, float(sched_w[0]))]
    result = None
    one_weighting = cw1 is None or cw1.shape[0] == 1
    if engine != "batch" and b == 1 and one_weighting:
        program = scalar_program(genome, None if cw1 is None else cw1[0])
        single = task_obj.single_episode(program, single_schedule if cw1 is None else None, int(seeds_arr[0]),
                                         limit, record_frames, on_step)
        if single is not None:
            result = _from_single(task_obj, genome, seeds_arr, single, record, record_nodes, record_frames)
        elif engine == "scalar" and type(task_obj).single_episode is Task.single_episode:
            raise ValueError(f"the scalar engine needs a task with a single-episode fast path; "
                             f"{task_obj.name!r} has none")
    elif engine == "scalar":
        raise ValueError("the scalar engine runs one episode at a time")
    if result is None:
        result = _rollout_batch(genome, task_obj, seeds_arr, sched_w if weight is not None else None, cw,
                                _schedule_fn(sched) if sched is not None else None, limit, record, record_nodes,
                                record_frames, on_step)
    result.weights = desc
    return result


def _schedule_fn(sched: list[tuple[int, float]]) -> Callable[[int], float]:
    return lambda t: _weight_at(sched, t)


class _Recorder:
    """Observer of :func:`wann_viz.loop.run_lockstep` that keeps what a :class:`Rollout` holds."""

    def __init__(self, policy: GenomePolicy, limit: int, b: int, n_in: int, n_out: int, n_nodes: int,
                 record: bool, record_nodes: bool, record_frames: bool):
        self.policy = policy
        self.obs = np.zeros((limit, b, n_in), np.float32) if record else None
        self.act = np.zeros((limit, b, n_out), np.float32) if record else None
        self.rew = np.zeros((limit, b), np.float32) if record else None
        self.nodes = np.zeros((limit, b, n_nodes), np.float32) if record_nodes else None
        self.record_frames = record_frames
        self.frames = self.scenes = None

    def start(self, task, state, obs) -> None:
        if self.record_frames:
            b = obs.shape[0]
            self.frames = [[task.frame(state, i)] for i in range(b)]
            self.scenes = [task.scene(state, i) for i in range(b)]

    def step(self, t, task, state, obs, outputs, rewards, running) -> None:
        if self.obs is not None:
            self.obs[t, running] = obs[running]
            self.act[t, running] = task.to_actions(outputs)[running]
            self.rew[t] = rewards
        if self.nodes is not None:
            self.nodes[t, running] = self.policy.nodes[running]
        if self.record_frames:
            for i in np.flatnonzero(running):
                self.frames[i].append(task.frame(state, i))


def _rollout_batch(genome, task, seeds, shared_w, cw, weight_at, limit, record, record_nodes, record_frames,
                   on_step) -> Rollout:
    b = len(seeds)
    policy = GenomePolicy(genome, b, weights=shared_w, weight_at=weight_at, connection_weights=cw,
                          record_nodes=record_nodes)
    rec = _Recorder(policy, limit, b, genome.n_in, genome.n_out, genome.n_nodes, record, record_nodes,
                    record_frames)
    returns, lengths = run_lockstep(task, seeds, policy, limit, observer=rec, on_step=on_step)
    steps = int(lengths.max()) if b else 0
    return Rollout(
        task=task.name, seeds=seeds, returns=returns, lengths=lengths,
        observations=None if rec.obs is None else rec.obs[:steps],
        actions=None if rec.act is None else rec.act[:steps],
        rewards=None if rec.rew is None else rec.rew[:steps],
        node_values=None if rec.nodes is None else rec.nodes[:steps],
        frames=rec.frames, scenes=rec.scenes,
    )


def _from_single(task: Task, genome: Genome, seeds: np.ndarray, single: dict, record: bool, record_nodes: bool,
                 record_frames: bool) -> Rollout:
    """A :class:`Rollout` from a task's single-episode fast path."""
    rewards = np.asarray(single["rewards"], np.float64)
    n = rewards.shape[0]
    nodes = np.asarray(single["nodes"], np.float64).reshape(n, 1, genome.n_nodes)
    out_nodes = nodes[:, :, genome.n_nodes - genome.n_out:]
    with np.errstate(all="ignore"):
        total = float(np.cumsum(rewards)[-1]) if n else 0.0  # in step order, as the loop adds them
    state = None
    scenes = None
    if record_frames:
        state, _ = task.reset(seeds)
        scenes = [task.scene(state, 0)]
        task.close(state)
    return Rollout(
        task=task.name, seeds=seeds, returns=np.array([total]), lengths=np.array([n], np.int64),
        observations=nodes[:, :, 1:1 + genome.n_in].astype(np.float32) if record else None,
        actions=task.to_actions(clean_outputs(out_nodes.reshape(n, -1))).astype(np.float32).reshape(n, 1, -1)
        if record else None,
        rewards=rewards.astype(np.float32).reshape(n, 1) if record else None,
        node_values=nodes.astype(np.float32) if record_nodes else None,
        frames=[single["frames"]] if record_frames else None, scenes=scenes,
    )
