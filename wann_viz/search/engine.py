"""Evaluation engine: returns of many genomes over a weight series and episodes.

The unit of work is a *chunk*: a dict naming the task, a few genomes
(:class:`~wann_viz.Genome` objects in-process, native genome dicts when sent to
another process: :func:`to_wire`), the weight series, the episode seeds and
the step limit; :func:`evaluate_chunk` turns it into a (n, K, E) array of
returns. Chunks run

* in this process (:class:`LocalEvaluator`; swing-up: the whole population is
  one chunk, one batched simulation);
* on a process pool over the cores (:class:`PoolEvaluator`; Gym tasks);
* on a Dask distributed cluster (:class:`DaskEvaluator`, ``--scheduler``).

Inside a chunk, all genomes x weights x episodes run in lock-step: one
:class:`~wann_viz.search.block.BlockNetwork` forward for every genome, then
one physics step for every episode. Swing-up has its own loop
(:func:`evaluate_swingup`: 192 x 6 x 3 = 3,456 episodes per numpy call, and
genomes whose episodes have all ended leave the batch); Gym tasks go through
the :class:`~wann_viz.tasks.base.Task` interface (:func:`evaluate_rl`). A
genome's returns do not depend on which chunk it is in, so the result does
not depend on the number of workers.

Episode ``e`` of every genome and every weight starts from ``seeds[e]``
(common random numbers: genomes of one generation are compared on the same
start states). Network outputs that are nan (overflow) act as 0; a non-finite
return is replaced by a floor below every finite return of the generation.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any, Sequence

import numpy as np

from ..genome import Genome, genome_from_dict, genome_to_dict
from .block import BlockNetwork

# Floats per chunk held by the value array and the gathered connections
# (64 MB); bigger populations are split into several chunks.
CHUNK_BUDGET = 8_000_000
# Gym environments stepped in lock-step by one chunk: bounds memory (each is a
# Box2D world) while one network forward still serves many episodes.
LOCKSTEP_EPISODES = 64
VECTORIZED = ("swingup", "mnist")  # numpy-batched tasks: no lock-step cap

_TASKS: dict = {}  # per process: (task, max_steps) -> Task, reused across chunks (Gym envs are slow to make)


def _task(name: str, max_steps: int):
    from ..tasks.registry import make_task

    key = (name, max_steps)
    if key not in _TASKS:
        _TASKS[key] = make_task(name) if name == "mnist" else make_task(name, max_steps=max_steps)
    return _TASKS[key]


def make_chunk(task: str, genomes: Sequence[Genome], weights: Sequence[float], seeds: Sequence[int],
               max_steps: int, batch_size: int | None = None) -> dict:
    """One unit of work. Genomes stay objects here; :func:`to_wire` makes the chunk JSON-able."""
    return {
        "task": task,
        "genomes": list(genomes),
        "weights": [float(w) for w in weights],
        "seeds": [int(s) for s in seeds],
        "max_steps": int(max_steps),
        "batch_size": None if batch_size is None else int(batch_size),
    }


def to_wire(chunk: dict) -> dict:
    """The chunk with genomes as native genome dicts (plain JSON), for other processes."""
    return {**chunk, "genomes": [g if isinstance(g, dict) else genome_to_dict(g) for g in chunk["genomes"]]}


def evaluate_chunk(chunk: dict) -> np.ndarray:
    """Returns of every genome of a chunk.

    Args:
        chunk: from :func:`make_chunk`.

    Returns:
        (n, K, E) float64: genome x weight x episode. For MNIST the episode
        axis is one batch of training images per seed and the value is minus
        the mean cross-entropy.
    """
    genomes = [g if isinstance(g, Genome) else genome_from_dict(g) for g in chunk["genomes"]]
    weights = np.asarray(chunk["weights"], float)
    seeds = np.asarray(chunk["seeds"], np.int64)
    if chunk["task"] == "mnist":
        return _evaluate_mnist(genomes, weights, seeds, chunk["batch_size"] or 1000)
    if chunk["task"] == "swingup":
        return evaluate_swingup(genomes, weights, seeds, chunk["max_steps"])
    return evaluate_rl(genomes, _task(chunk["task"], chunk["max_steps"]), weights, seeds, chunk["max_steps"])


def evaluate_rl(genomes: Sequence[Genome], task, weights: np.ndarray, seeds: np.ndarray,
                max_steps: int) -> np.ndarray:
    """All genomes x weights x episodes of a reinforcement-learning task in lock-step.

    Args:
        genomes: n genomes.
        task: a :class:`~wann_viz.tasks.base.Task`.
        weights: (K,) shared weights.
        seeds: (E,) episode seeds.
        max_steps: step limit.

    Returns:
        (n, K, E) returns.
    """
    n, k, e = len(genomes), len(weights), len(seeds)
    r = k * e
    net = BlockNetwork(genomes)
    row_w = np.repeat(weights, e)  # sample order inside a genome: (weight, episode)
    state, obs = task.reset(np.tile(seeds, n * k))
    returns = np.zeros(n * r)
    running = np.ones(n * r, bool)
    try:
        for _ in range(max_steps):
            out = net.forward(obs.reshape(n, r, -1), row_w)  # (n, n_out, r)
            actions = out.transpose(0, 2, 1).reshape(n * r, -1)
            np.nan_to_num(actions, copy=False, nan=0.0)
            state, obs, rewards, done = task.step(state, actions)
            returns += np.where(running, rewards, 0.0)
            running &= ~np.asarray(done, bool)
            if not running.any():
                break
    finally:
        task.close(state)
    return returns.reshape(n, k, e)


class SwingUpBatch:
    """Swing-up episodes as contiguous columns, stepped by the task's own physics.

    Uses ``wann_viz.tasks.swingup.advance`` (the arithmetic behind
    ``transition``), which takes the sine and cosine of theta from the
    previous step, so no state is stacked or re-split per step.

    Args:
        states: (B, 4) ``(x, x_dot, theta, theta_dot)``.
    """

    def __init__(self, states: np.ndarray):
        st = np.asarray(states, dtype=float)
        self.cols = tuple(np.ascontiguousarray(st[:, i]) for i in range(4))
        self.s, self.c = np.sin(self.cols[2]), np.cos(self.cols[2])

    def select(self, keep: np.ndarray) -> None:
        """Keep only the episodes where ``keep`` (B,) is True."""
        self.cols = tuple(a[keep] for a in self.cols)
        self.s, self.c = self.s[keep], self.c[keep]

    def observations(self) -> tuple[np.ndarray, ...]:
        """The 5 inputs (x, x_dot, cos, sin, theta_dot), each (B,)."""
        x, x_dot, _, theta_dot = self.cols
        return x, x_dot, self.c, self.s, theta_dot

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance every episode; returns ``(rewards (B,), terminated (B,) bool)``."""
        from ..tasks.swingup import advance

        self.cols, self.s, self.c, rewards, terminated = advance(*self.cols, self.s, self.c, actions)
        return rewards, terminated


def evaluate_swingup(genomes: Sequence[Genome], weights: np.ndarray, seeds: np.ndarray, max_steps: int,
                     compact_every: int = 25) -> np.ndarray:
    """Swing-up returns of all genomes x weights x episodes, as one batched simulation.

    Genomes whose episodes have all ended are dropped from the batch (the
    block network is rebuilt for the rest) so that late steps only pay for
    live genomes. Same results as :func:`evaluate_rl` on the swing-up task.

    Returns:
        (n, K, E) returns.
    """
    from ..tasks.swingup import initial_states

    n, k, e = len(genomes), len(weights), len(seeds)
    r = k * e
    phys = SwingUpBatch(np.tile(initial_states(seeds), (n * k, 1)))  # rows (genome, weight, episode)
    row_w = np.repeat(np.asarray(weights, float), e)
    returns = np.zeros(n * r)
    live_genomes = np.arange(n)
    rows = np.arange(n * r)  # global row of each simulated episode
    running = np.ones(n * r, bool)
    net = BlockNetwork(genomes)
    with np.errstate(all="ignore"):  # ended episodes keep moving (masked) and may overflow
        for t in range(max_steps):
            m = live_genomes.size
            obs = [a.reshape(m, r) for a in phys.observations()]
            actions = net.forward(obs, row_w).reshape(m * r)  # one output
            np.copyto(actions, 0.0, where=np.isnan(actions))
            rewards, terminated = phys.step(actions)
            returns[rows] += np.where(running, rewards, 0.0)
            running &= ~terminated
            if (t + 1) % compact_every == 0:
                alive = running.reshape(m, r).any(axis=1)
                if not alive.any():
                    break
                if alive.sum() <= 0.8 * m:
                    keep = np.repeat(alive, r)
                    phys.select(keep)
                    rows, running = rows[keep], running[keep]
                    live_genomes = live_genomes[alive]
                    net = BlockNetwork([genomes[i] for i in live_genomes.tolist()])
    return returns.reshape(n, k, e)


def _evaluate_mnist(genomes: Sequence[Genome], weights: np.ndarray, seeds: np.ndarray, batch_size: int) -> np.ndarray:
    """(n, k, e) fitness: minus the mean cross-entropy over ``batch_size`` training images.

    Each genome runs through :class:`wann_viz.mnist_eval.MnistEvaluator`, which sums
    the pixel part of every node once and reuses it for all k weights (about 3x
    faster here than packing the population into one block network).
    """
    from .. import mnist_eval
    from ..tasks import mnist

    n, k, e = len(genomes), len(weights), len(seeds)
    out = np.empty((n, k, e))
    batches = [mnist.training_batch(int(seed), batch_size) for seed in seeds.tolist()]
    for i, genome in enumerate(genomes):
        ev = mnist_eval.MnistEvaluator(genome)
        for j, (inputs, labels) in enumerate(batches):
            out[i, :, j] = mnist.mnist_fitness(ev.outputs(inputs, weights), labels)
    return out


def chunk_sizes(genomes: Sequence[Genome], samples: int, budget: int = CHUNK_BUDGET,
                max_genomes: int | None = None, min_chunks: int = 1) -> list[int]:
    """Split genomes into consecutive chunks of bounded memory.

    Args:
        samples: samples per genome (weights x episodes, or weights x images).
        budget: floats per chunk.
        max_genomes: at most this many genomes per chunk.
        min_chunks: at least this many chunks (to feed every worker), when
            there are enough genomes.

    Returns:
        chunk lengths summing to ``len(genomes)``.
    """
    cost = np.array([(g.n_nodes + g.n_connections) * samples for g in genomes], float)
    n = len(genomes)
    target = max(1, -(-n // max(1, min_chunks)))  # ceil(n / min_chunks) genomes at most
    if max_genomes is not None:
        target = min(target, max(1, max_genomes))
    sizes, cur, acc = [], 0, 0.0
    for c in cost:
        if cur and (acc + c > budget or cur >= target):
            sizes.append(cur)
            cur, acc = 0, 0.0
        cur += 1
        acc += c
    if cur:
        sizes.append(cur)
    return sizes


def sanitize(returns: np.ndarray) -> np.ndarray:
    """Replace non-finite returns by (lowest finite return - 1), or -1e9 if none is finite."""
    r = np.asarray(returns, float)
    ok = np.isfinite(r)
    if ok.all():
        return r
    floor = float(r[ok].min()) - 1.0 if ok.any() else -1e9
    return np.where(ok, r, floor)


# ----- evaluators ------------------------------------------------------------------------

class LocalEvaluator:
    """Runs chunks one after another in this process."""

    workers = 1

    def map(self, chunks: list[dict]) -> list[np.ndarray]:
        return [evaluate_chunk(c) for c in chunks]

    def close(self) -> None:
        _TASKS.clear()


def _ignore_sigint() -> None:
    # Ctrl-C is handled by the parent, which checkpoints and then terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolEvaluator:
    """Chunks on a pool of worker processes (spawned; they start once per run).

    Spawned workers re-import the caller's main module: a script that uses
    this class directly needs the usual ``if __name__ == "__main__":`` guard
    (``python -m wann_viz search`` is safe).

    Args:
        workers: number of processes (default: every core).
    """

    def __init__(self, workers: int | None = None):
        self.workers = int(workers or os.cpu_count() or 1)
        self._pool = None

    def map(self, chunks: list[dict]) -> list[np.ndarray]:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(self.workers, initializer=_ignore_sigint)
        # chunksize 1: chunks are already sized; order of results = order of chunks.
        return self._pool.map_async(evaluate_chunk, [to_wire(c) for c in chunks], chunksize=1).get(timeout=7 * 24 * 3600)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class DaskEvaluator:
    """Chunks on a Dask distributed cluster.

    Args:
        scheduler: a scheduler address (``tcp://host:8786``) or a
            ``distributed.Client`` (e.g. on a ``LocalCluster``). The workers
            must be able to import ``wann_viz``.
    """

    def __init__(self, scheduler: Any):
        from distributed import Client

        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            self.client, self._own = Client(scheduler), True
        n = len(self.client.scheduler_info().get("workers", {}))
        self.workers = max(1, n)

    def map(self, chunks: list[dict]) -> list[np.ndarray]:
        futures = self.client.map(evaluate_chunk, [to_wire(c) for c in chunks], pure=False)
        try:
            return self.client.gather(futures)
        except BaseException:
            self.client.cancel(futures)
            raise

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_evaluator(task: str, workers: int | None = None, scheduler: Any = None):
    """The evaluator for a task: Dask if ``scheduler`` is given, else a pool for
    Gym tasks (``workers`` or every core), else in-process (swing-up, MNIST:
    numpy-batched; ``workers > 1`` still spreads chunks over a pool)."""
    if scheduler is not None:
        return DaskEvaluator(scheduler)
    if workers is None:
        workers = 1 if task in ("swingup", "mnist") else (os.cpu_count() or 1)
    return LocalEvaluator() if workers <= 1 else PoolEvaluator(workers)


def evaluate_genomes(evaluator, task: str, genomes: Sequence[Genome], weights: Sequence[float],
                     seeds: Sequence[int], max_steps: int, batch_size: int | None = None) -> np.ndarray:
    """Returns of every genome, chunked and run on ``evaluator``.

    Returns:
        (P, K, E) float64, finite (see :func:`sanitize`).
    """
    episodes = len(weights) * len(seeds)
    samples = episodes * (batch_size or 1)
    workers = getattr(evaluator, "workers", 1)
    lockstep = None if task in VECTORIZED else max(1, LOCKSTEP_EPISODES // episodes)
    # Two chunks per worker (when there are enough genomes) evens out uneven episode lengths.
    sizes = chunk_sizes(genomes, samples, max_genomes=lockstep, min_chunks=2 * workers if workers > 1 else 1)
    chunks, start = [], 0
    for size in sizes:
        chunks.append(make_chunk(task, genomes[start: start + size], weights, seeds, max_steps, batch_size))
        start += size
    parts = evaluator.map(chunks)
    return sanitize(np.concatenate([np.asarray(p, float) for p in parts], axis=0))
