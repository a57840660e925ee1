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

Inside a chunk, all genomes x weights x episodes run in lock-step through
the project's one episode loop (:func:`wann_viz.loop.population_returns`): one
:class:`~wann_viz.nn.BlockNetwork` forward for every genome, then one task
step for every episode. A task may score genomes its own way
(:meth:`~wann_viz.tasks.base.Task.population_fitness`: MNIST's cross-entropy).
A genome's returns do not depend on which chunk it is in, so the result does
not depend on the number of workers.

Episode ``e`` of every genome and every weight starts from ``seeds[e]``
(common random numbers: genomes of one generation are compared on the same
start states). Network outputs that are nan act as 0 (the loop's rule, the
same in the explorer); a non-finite return is replaced by a floor below every
finite return of the generation.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any, Sequence

import numpy as np

from ..genome import Genome, genome_from_dict, genome_to_dict
from ..loop import population_returns
from ..tasks.registry import get_spec, make_task

# Floats per chunk held by the value array and the gathered connections
# (64 MB); bigger populations are split into several chunks.
CHUNK_BUDGET = 8_000_000
# Environments of a non-vectorized task stepped in lock-step by one chunk:
# bounds memory (each is a Box2D world) while one network forward still serves many episodes.
LOCKSTEP_EPISODES = 64


def make_chunk(task: str, genomes: Sequence[Genome], weights: Sequence[float], seeds: Sequence[int],
               max_steps: int, options: dict | None = None) -> dict:
    """One unit of work. Genomes stay objects here; :func:`to_wire` makes the chunk JSON-able.

    ``options`` holds the task's own settings (``TaskSpec.search_options``, e.g. MNIST's ``batch_size``).
    """
    return {
        "task": task,
        "genomes": list(genomes),
        "weights": [float(w) for w in weights],
        "seeds": [int(s) for s in seeds],
        "max_steps": int(max_steps),
        "options": dict(options or {}),
    }


def to_wire(chunk: dict) -> dict:
    """The chunk with genomes as native genome dicts (plain JSON), for other processes."""
    return {**chunk, "genomes": [g if isinstance(g, dict) else genome_to_dict(g) for g in chunk["genomes"]]}


def evaluate_population(genomes: Sequence[Genome], task, weights: Sequence[float], seeds: Sequence[int],
                        max_steps: int, options: dict | None = None) -> np.ndarray:
    """Fitness of every genome x weight x seed on a task object.

    The task's own :meth:`~wann_viz.tasks.base.Task.population_fitness` when it
    has one, else the episode returns from the one loop.

    Returns:
        (n, K, E) float64.
    """
    w = np.asarray(weights, float)
    seeds = np.asarray(seeds, np.int64)
    own = task.population_fitness(genomes, w, seeds, dict(options or {}))
    if own is not None:
        return np.asarray(own, float)
    return population_returns(genomes, task, w, seeds, max_steps)


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
    options = chunk.get("options") or {}
    own = {k: options[k] for k in get_spec(chunk["task"]).task_settings if k in options}  # e.g. action_repeat
    task = make_task(chunk["task"], max_steps=chunk["max_steps"], **own)
    return evaluate_population(genomes, task, chunk["weights"], chunk["seeds"], chunk["max_steps"],
                               chunk.get("options"))


def chunk_sizes(genomes: Sequence[Genome], samples: int, budget: int = CHUNK_BUDGET,
                max_genomes: int | None = None, min_chunks: int = 1) -> list[int]:
    """Split genomes into consecutive chunks of bounded memory.

    Args:
        samples: samples per genome (weights x episodes).
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
        pass


def _worker_start() -> None:
    # Ctrl-C is handled by the parent, which checkpoints and then terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The pool already spreads work over the cores: one thread per worker in the compiled passes.
    os.environ.setdefault("WANN_THREADS", "1")


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
            self._pool = ctx.Pool(self.workers, initializer=_worker_start)
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
    non-vectorized tasks (``workers`` or every core), else in-process
    (``TaskSpec.vectorized``: swing-up, MNIST; ``workers > 1`` still spreads chunks over a pool)."""
    if scheduler is not None:
        return DaskEvaluator(scheduler)
    if workers is None:
        workers = 1 if get_spec(task).vectorized else (os.cpu_count() or 1)
    return LocalEvaluator() if workers <= 1 else PoolEvaluator(workers)


def evaluate_genomes(evaluator, task: str, genomes: Sequence[Genome], weights: Sequence[float],
                     seeds: Sequence[int], max_steps: int, options: dict | None = None) -> np.ndarray:
    """Returns of every genome, chunked and run on ``evaluator``.

    Args:
        options: the task's own settings (``TaskSpec.search_options``).

    Returns:
        (P, K, E) float64, finite (see :func:`sanitize`).
    """
    options = dict(options or {})
    episodes = len(weights) * len(seeds)
    # Chunks bound the memory of lock-step episodes; a task's own population fitness (MNIST's
    # compiled pass) holds one genome's node values at a time, so its images add none per genome.
    samples = episodes
    workers = getattr(evaluator, "workers", 1)
    lockstep = None if get_spec(task).vectorized else max(1, LOCKSTEP_EPISODES // episodes)
    # Two chunks per worker (when there are enough genomes) evens out uneven episode lengths.
    sizes = chunk_sizes(genomes, samples, max_genomes=lockstep, min_chunks=2 * workers if workers > 1 else 1)
    chunks, start = [], 0
    for size in sizes:
        chunks.append(make_chunk(task, genomes[start: start + size], weights, seeds, max_steps, options))
        start += size
    parts = evaluator.map(chunks)
    return sanitize(np.concatenate([np.asarray(p, float) for p in parts], axis=0))
