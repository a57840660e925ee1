"""Weight-sweep profiles and the paper's four evaluation conditions.

Episode ``i`` of every condition and every weight uses seed ``seed + i``
(common random numbers: conditions differ only in their weights). The four
conditions, each mean +- sd (population sd) over ``n_episodes`` episodes:

1. ``random_weights``: every connection drawn from U(-2, 2), per episode;
2. ``random_shared_weight``: one shared weight drawn from U(-2, 2) per episode;
3. ``tuned_shared_weight``: the best weight of the profile strictly inside
   (-2, 2) (the genome's ``best_shared_weight`` is added to the sweep);
4. ``tuned_weights``: the genome's attached tuned weights (``None`` if absent).

Every episode runs through the one loop of :mod:`wann_viz.loop`. Vectorized
tasks (``TaskSpec.vectorized``: swing-up) run all episodes as numpy batches in
this process; the others run small lock-step batches on a process pool over
every core. A task may compute the conditions its own way
(:meth:`~wann_viz.tasks.base.Task.conditions`: MNIST scores test accuracy).
A pool's workers import the task by name, so a task registered only inside a
script runs with ``processes=1`` (or is vectorized).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from .genome import Genome, genome_from_dict, genome_to_dict
from .rollout import rollout
from .tasks.registry import get_spec, make_task

CONDITIONS = ("random_weights", "random_shared_weight", "tuned_shared_weight", "tuned_weights")
WEIGHT_RANGE = 2.0
VECTOR_BATCH = 4096  # episodes per numpy batch of a vectorized task (bounds memory, paces the progress bar)
LOCKSTEP = 16  # Gym environments stepped together per pool job (amortizes the network call)

Progress = Callable[[int, int], None]  # (episodes done, episodes in all)


def default_weights(task_name: str) -> np.ndarray:
    """The sweep used when none is given: the task's ``TaskSpec.default_weights``
    (-2..2 by 0.1 for swing-up; the paper's series plus +-1.5 for slower tasks)."""
    return np.array(get_spec(task_name).default_weights, dtype=float)


def episode_seeds(seed: int, n: int) -> np.ndarray:
    """(n,) int64 seeds ``seed, seed + 1, ...``: episode i of every condition."""
    return int(seed) + np.arange(int(n), dtype=np.int64)


# ----- running many episodes ------------------------------------------------------

def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


_WORKER: dict = {}


def _worker_init(genome_doc: dict, task_name: str, max_steps: int | None) -> None:
    # Genomes travel as their JSON dict: spawn-safe and independent of pickling details.
    _WORKER["genome"] = genome_from_dict(genome_doc)
    _WORKER["task"] = make_task(task_name)
    _WORKER["max_steps"] = max_steps


def _worker_run(seeds: np.ndarray, weights: np.ndarray | None, connection_weights: np.ndarray | None) -> np.ndarray:
    return _run_local(_WORKER["genome"], _WORKER["task"], seeds, weights, connection_weights, _WORKER["max_steps"])


def _run_local(genome, task, seeds, weights, connection_weights, max_steps) -> np.ndarray:
    res = rollout(genome, task, seeds, weight=weights, connection_weights=connection_weights,
                  max_steps=max_steps, record=False, engine="batch")
    return res.returns


def run_episodes(
    genome: Genome,
    task_name: str,
    seeds: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    connection_weights: np.ndarray | None = None,
    max_steps: int | None = None,
    processes: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Returns of E independent episodes.

    Args:
        seeds: (E,) episode seeds.
        weights: (E,) shared weight per episode, or
        connection_weights: (E, C) weights per episode (exactly one of the two).
        processes: pool size for non-vectorized tasks (default: every core;
            1 runs in this process).

    Returns:
        (E,) float64 returns, in the order of ``seeds``.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    e = len(seeds)
    out = np.zeros(e)
    if e == 0:
        return out
    task = make_task(task_name)
    if task.vectorized:
        size, processes = VECTOR_BATCH, 1
    else:
        size = LOCKSTEP
        processes = processes or os.cpu_count() or 1
    parts = _chunks(e, size)

    def args(sl):
        return (seeds[sl], None if weights is None else weights[sl],
                None if connection_weights is None else connection_weights[sl])

    done = 0
    if processes <= 1 or len(parts) == 1:
        for sl in parts:
            out[sl] = _run_local(genome, task, *args(sl), max_steps)
            done += sl.stop - sl.start
            if progress:
                progress(done, e)
        return out
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(processes, len(parts)), mp_context=ctx, initializer=_worker_init,
                             initargs=(genome_to_dict(genome), task_name, max_steps)) as pool:
        futures = {pool.submit(_worker_run, *args(sl)): sl for sl in parts}
        for fut in as_completed(futures):
            sl = futures[fut]
            out[sl] = fut.result()
            done += sl.stop - sl.start
            if progress:
                progress(done, e)
    return out


# ----- profiles and conditions ------------------------------------------------------

def _stats(returns: np.ndarray) -> dict:
    return {"mean": float(np.mean(returns)), "sd": float(np.std(returns))}


def weight_profile(
    genome: Genome,
    weights: Sequence[float] | None = None,
    n_episodes: int = 20,
    seed: int = 0,
    *,
    task_name: str | None = None,
    max_steps: int | None = None,
    processes: int | None = None,
    progress: Progress | None = None,
) -> list[dict]:
    """Mean +- sd return against the shared weight.

    All (weight x seed) episodes run together (one numpy batch for swing-up).
    A task may answer its own way (:meth:`~wann_viz.tasks.base.Task.profile`:
    MNIST's test accuracy, in the units of ``TaskSpec.score``).

    Returns:
        ``[{"weight", "mean", "sd"}, ...]`` in the order of ``weights``.
    """
    task_name = _task_of(genome, task_name)
    w = np.asarray(default_weights(task_name) if weights is None else weights, dtype=float)
    own = make_task(task_name).profile(genome, w, n_episodes, seed, progress)
    if own is not None:
        return own
    seeds = episode_seeds(seed, n_episodes)
    returns = run_episodes(genome, task_name, np.tile(seeds, len(w)), weights=np.repeat(w, n_episodes),
                           max_steps=max_steps, processes=processes, progress=progress)
    return [{"weight": float(v), **_stats(r)} for v, r in zip(w, returns.reshape(len(w), n_episodes))]


def _task_of(genome: Genome, task_name: str | None) -> str:
    name = task_name or genome.task
    if not name:
        raise ValueError("the genome names no task; say which task to run it on")
    return name


def evaluate_conditions(
    genome: Genome,
    weights: Sequence[float] | None = None,
    n_episodes: int = 100,
    seed: int = 0,
    *,
    task_name: str | None = None,
    max_steps: int | None = None,
    processes: int | None = None,
    progress: Progress | None = None,
) -> dict:
    """The paper's four conditions and the weight profile, in one run.

    Args:
        weights: the sweep (default :func:`default_weights`); the genome's
            ``best_shared_weight`` is added when it lies inside (-2, 2).
        n_episodes: episodes per condition and per swept weight.
        seed: first episode seed; also seeds the random weight draws.

    Returns:
        ``{"conditions": {name: {"mean", "sd"}, ...}, "profile": [{"weight", "mean", "sd"}, ...]}``;
        ``conditions["tuned_shared_weight"]`` also holds ``"weight"``. A task
        with its own :meth:`~wann_viz.tasks.base.Task.conditions` (MNIST) answers
        in its own shape.
    """
    task_name = _task_of(genome, task_name)
    own = make_task(task_name).conditions(genome, weights, n_episodes, seed, progress)
    if own is not None:
        return own
    w = list(default_weights(task_name) if weights is None else (float(v) for v in weights))
    best = genome.best_shared_weight
    if best is not None and -WEIGHT_RANGE < best < WEIGHT_RANGE and not any(np.isclose(best, w)):
        w.append(best)
    w_arr = np.array(sorted(w), dtype=float)
    if w_arr.size == 0:
        raise ValueError("give at least one weight to sweep")
    n = int(n_episodes)
    if n < 1:
        raise ValueError("give at least one episode")
    seeds = episode_seeds(seed, n)
    rng = np.random.default_rng(int(seed))
    random_conn = rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, (n, genome.n_connections))
    random_shared = rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, n)

    # One shared-weight job (the profile and the random shared weight) and one
    # per-connection job (random and tuned weights), so a pool starts once each.
    shared_w = np.concatenate([np.repeat(w_arr, n), random_shared])
    shared_seeds = np.tile(seeds, len(w_arr) + 1)
    conn = [random_conn]
    if genome.tuned_weights is not None:
        conn.append(np.broadcast_to(genome.tuned_weights, (n, genome.n_connections)))
    conn_w = np.concatenate(conn)
    conn_seeds = np.tile(seeds, len(conn))
    total = len(shared_w) + len(conn_w)

    def part(offset):
        return None if progress is None else (lambda done, _: progress(offset + done, total))

    kw = dict(max_steps=max_steps, processes=processes)
    shared_ret = run_episodes(genome, task_name, shared_seeds, weights=shared_w, progress=part(0), **kw)
    conn_ret = run_episodes(genome, task_name, conn_seeds, connection_weights=conn_w,
                            progress=part(len(shared_w)), **kw)

    per_weight = shared_ret[: len(w_arr) * n].reshape(len(w_arr), n)
    profile = [{"weight": float(v), **_stats(r)} for v, r in zip(w_arr, per_weight)]
    inside = [i for i, v in enumerate(w_arr) if -WEIGHT_RANGE < v < WEIGHT_RANGE] or list(range(len(w_arr)))
    best_i = max(inside, key=lambda i: profile[i]["mean"])
    conditions = {
        "random_weights": _stats(conn_ret[:n]),
        "random_shared_weight": _stats(shared_ret[len(w_arr) * n:]),
        "tuned_shared_weight": {"mean": profile[best_i]["mean"], "sd": profile[best_i]["sd"],
                                "weight": profile[best_i]["weight"]},
        "tuned_weights": _stats(conn_ret[n:]) if genome.tuned_weights is not None else {"mean": None, "sd": None},
    }
    return {"conditions": conditions, "profile": profile}
