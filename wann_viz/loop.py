"""The episode loop: every episode of the project runs through :func:`run_lockstep`.

B episodes of one task run in lock-step: one batched network call (a
*policy*), then one task step, until every episode is done or the step limit
is reached. Rollout recording, ``evaluate``, the weight profile and the
search's local, pool and Dask evaluators all call it, so a genome scored by
the search replays to the same return in the explorer.

One rule for bad outputs, everywhere: a nan output acts as 0; +-inf pass on to
the task, whose ``to_actions`` clips them like any other value. Rewards of
episodes that have ended are 0.

Policies map observations (B, n_in) to outputs (B, n_out):

* :class:`GenomePolicy`: one genome, a shared weight per episode, a weight
  schedule, or per-connection weights; optionally keeps every node's value;
* :class:`PopulationPolicy`: many genomes x K weights x E seeds in one
  :class:`~wann_viz.nn.BlockNetwork` pass (the search); genomes whose
  episodes have all ended leave the block.

Shared weights go through :class:`~wann_viz.nn.BlockNetwork` in both (a
block of one genome in :class:`GenomePolicy`), whose arithmetic does not
depend on the block or the batch: an episode replayed alone returns, to the
last bit, what the search scored for it. (Swing-up's episodes are chaotic:
any other order of additions drifts apart within a few hundred steps.)
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

import numpy as np

from .genome import Genome
from .nn import BlockNetwork, run_program, scalar_program
from .tasks.base import Task

COMPACT_FRACTION = 0.9  # below this fraction of running episodes, the network skips finished ones


def clean_outputs(outputs: np.ndarray) -> np.ndarray:
    """The loop's one rule: nan outputs act as 0 (a copy only when there is a nan). Shape kept."""
    out = np.asarray(outputs, dtype=float)
    nan = np.isnan(out)
    if nan.any():
        out = np.where(nan, 0.0, out)
    return out


class Policy(Protocol):
    def __call__(self, obs: np.ndarray, t: int, running: np.ndarray) -> np.ndarray:
        """Outputs (B, n_out) for observations (B, n_in) at step t; ``running`` (B,) bool."""


class Observer(Protocol):
    def start(self, task: Task, state, obs: np.ndarray) -> None: ...

    def step(self, t: int, task: Task, state, obs: np.ndarray, outputs: np.ndarray, rewards: np.ndarray,
             running: np.ndarray) -> None: ...


def run_lockstep(task: Task, seeds: Sequence[int], policy: Policy, limit: int, *,
                 observer: Observer | None = None,
                 on_step: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run one episode per seed, all in lock-step, and close the task's state.

    Args:
        task: the task.
        seeds: B episode seeds.
        policy: outputs for observations (see the module doc).
        limit: at most this many steps.
        observer: told of the start and of every step (recording).
        on_step: called with the step index after every step (progress).

    Returns:
        ``(returns (B,) float64, lengths (B,) int64)``.
    """
    seeds = np.asarray([int(s) for s in seeds], dtype=np.int64)
    b = len(seeds)
    state, obs = task.reset(seeds)
    returns = np.zeros(b)
    lengths = np.zeros(b, np.int64)
    running = np.ones(b, bool)
    try:
        if observer is not None:
            observer.start(task, state, obs)
        with np.errstate(all="ignore"):  # finished episodes may drift and overflow; they earn nothing
            for t in range(int(limit)):
                out = clean_outputs(policy(obs, t, running))
                prev_obs = obs
                state, obs, rewards, done = task.step(state, out)
                rewards = np.where(running, rewards, 0.0)
                returns += rewards
                lengths += running
                if observer is not None:
                    observer.step(t, task, state, prev_obs, out, rewards, running)
                running = running & ~np.asarray(done, bool)
                if on_step is not None:
                    on_step(t)
                if not running.any():
                    break
    finally:
        task.close(state)
    return returns, lengths


class GenomePolicy:
    """One genome on B episodes.

    Args:
        genome: the network.
        b: number of episodes.
        weights: (B,) shared weight per episode, or
        weight_at: shared weight at step t (a schedule), or
        connection_weights: (C,) or (B, C) per-connection weights.
        record_nodes: keep every node's value of the last call in ``nodes`` (B, N).
    """

    def __init__(self, genome: Genome, b: int, *, weights: np.ndarray | None = None,
                 weight_at: Callable[[int], float] | None = None, connection_weights: np.ndarray | None = None,
                 record_nodes: bool = False):
        self.b, self.n_out, self.n_nodes = b, genome.n_out, genome.n_nodes
        self.weights, self.weight_at = weights, weight_at
        self.cw = None if connection_weights is None else np.asarray(connection_weights, float)
        self.record_nodes = record_nodes
        self.nodes: np.ndarray | None = None
        self.block = BlockNetwork([genome])  # the search's arithmetic (see the module doc)
        self.n_in = genome.n_in
        self._program = None

    def _one_episode(self, obs_row: np.ndarray, t: int) -> np.ndarray:
        """(N,) node values of the only episode, on the block's exact float program
        (numpy's per-call cost dominates at B = 1)."""
        if self._program is None:  # one set of weights: cw is (C,) or (1, C)
            self._program = scalar_program(self.block.genomes[0], None if self.cw is None else self.cw.reshape(-1))
        n_nodes, entries = self._program
        v = [0.0] * (n_nodes + 1)
        v[0] = 1.0
        v[1: 1 + self.n_in] = obs_row.tolist()
        if self.cw is None:
            w = float(self.weights[0]) if self.weight_at is None else float(self.weight_at(t))
        else:
            w = None
        run_program(entries, v, w)
        return np.array(v[:n_nodes])

    def __call__(self, obs: np.ndarray, t: int, running: np.ndarray) -> np.ndarray:
        b = self.b
        if b == 1:  # one episode: one set of weights
            nodes = self._one_episode(obs[0], t)
            self.nodes = nodes[None] if self.record_nodes else None
            return nodes[None, self.n_nodes - self.n_out:]
        # Many episodes have ended: run the network on the others only.
        rows = None if np.count_nonzero(running) >= COMPACT_FRACTION * b else np.flatnonzero(running)
        x = obs if rows is None else obs[rows]
        if self.cw is None:
            w = self.weights if self.weight_at is None else np.full(b, float(self.weight_at(t)))
            w = np.asarray(w, float)
            out = self.block.forward(x[None], w if rows is None else w[rows])[0].T  # (R, n_out)
        else:
            cw = self.cw if self.cw.ndim == 1 or rows is None else self.cw[rows]
            out = self.block.forward(x[None], connection_weights=cw)[0].T
        nodes = self.block.node_values(0).T if self.record_nodes else None
        if rows is None:
            self.nodes = nodes
            return out
        full = np.zeros((b, self.n_out))
        full[rows] = out
        if self.record_nodes:
            self.nodes = np.zeros((b, self.n_nodes))
            self.nodes[rows] = nodes
        return full


class PopulationPolicy:
    """n genomes x K shared weights x E seeds; rows ordered (genome, weight, seed).

    Every ``compact_every`` steps, when at most 80% of the genomes still have a
    running episode, the block network is rebuilt for those genomes only.
    """

    def __init__(self, genomes: Sequence[Genome], weights: np.ndarray, n_seeds: int, compact_every: int = 25):
        self.genomes = list(genomes)
        self.n, self.r = len(self.genomes), len(weights) * int(n_seeds)
        self.row_w = np.repeat(np.asarray(weights, float), int(n_seeds))
        self.n_out = self.genomes[0].n_out
        self.live = np.arange(self.n)
        self.net = BlockNetwork(self.genomes)
        self.compact_every = compact_every

    def __call__(self, obs: np.ndarray, t: int, running: np.ndarray) -> np.ndarray:
        n, r = self.n, self.r
        if t and t % self.compact_every == 0:
            alive = running.reshape(n, r)[self.live].any(axis=1)
            if alive.sum() <= 0.8 * self.live.size and alive.any():
                self.live = self.live[alive]
                self.net = BlockNetwork([self.genomes[i] for i in self.live.tolist()])
        x = obs.reshape(n, r, -1)
        if self.live.size < n:
            out = np.zeros((n, r, self.n_out))
            out[self.live] = self.net.forward(x[self.live], self.row_w).transpose(0, 2, 1)
            return out.reshape(n * r, -1)
        return self.net.forward(x, self.row_w).transpose(0, 2, 1).reshape(n * r, -1)


def population_returns(genomes: Sequence[Genome], task: Task, weights: Sequence[float], seeds: Sequence[int],
                       max_steps: int | None = None, compact_every: int = 25) -> np.ndarray:
    """Returns of every genome x weight x seed, in lock-step (the search's unit of work).

    Args:
        genomes: n genomes with the task's input and output sizes.
        task: the task.
        weights: (K,) shared weights.
        seeds: (E,) episode seeds; episode e of every genome and weight starts from ``seeds[e]``.
        max_steps: step limit (default: the task's).
        compact_every: steps between checks for genomes to drop (see :class:`PopulationPolicy`).

    Returns:
        (n, K, E) float64.
    """
    w = np.asarray(weights, float)
    seeds = np.asarray(seeds, np.int64)
    n, k, e = len(genomes), len(w), len(seeds)
    limit = task.max_steps if max_steps is None else min(int(max_steps), task.max_steps)
    policy = PopulationPolicy(genomes, w, e, compact_every)
    returns, _ = run_lockstep(task, np.tile(seeds, n * k), policy, limit)
    return returns.reshape(n, k, e)
