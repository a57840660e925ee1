"""Rollout speed, measured against baselines in the same run.

    python benchmarks/rollouts.py [--quick] [--only swingup|biped]

Prints one table. Every ratio compares numbers measured in this run, on this
machine. Times are CPU seconds of this process (``time.process_time``): on a
shared machine, wall-clock time also counts waiting for other processes, which
comes and goes.

Rows:

* swing-up, one 1000-step episode through the UI's single-episode path
  (recording every node), and the same with the batch engine at B = 1;
* swing-up profile: 41 weights x 20 seeds = 820 episodes as one batch;
* BipedalWalker-v3 with the network (16 episodes in lock-step, one process)
  against Gymnasium's bare environment stepping random actions, in
  alternating rounds on the same seeds and step counts.

Naive loops, one episode at a time with scalar physics (swing-up) or one
environment (biped), and a per-node network:

* ``naive``: the project's reference forward, ``wann_viz.nn.naive_forward``,
  called once per step (it also rebuilds its node lists on every call, as a
  simple loop would);
* ``lean``: the same per-node loop with its node lists built once.

The naive loops run on a sample of the episodes; their time is scaled by steps
(sample time / sample steps x all steps).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Callable

import numpy as np

import wann_viz
from wann_viz.activations import ACTIVATIONS
from wann_viz.graph import topological_order
from wann_viz.nn import naive_forward
from wann_viz.rollout import rollout
from wann_viz.tasks import swingup

ROOT = Path(__file__).resolve().parents[1]

_clock = time.process_time  # CPU time of this process (see the module docstring)

Forward = Callable[[list, float], list]  # (observation, shared weight) -> outputs


class LeanNaiveNet:
    """Per-node forward on Python floats with numpy activations, node lists built once."""

    def __init__(self, genome):
        self.n, self.n_in, self.n_out = genome.n_nodes, genome.n_in, genome.n_out
        self.incoming = [[] for _ in range(self.n)]
        for s, d in genome.connections.tolist():
            self.incoming[d].append(s)
        self.order = [int(j) for j in topological_order(self.n, genome.connections) if j > self.n_in]
        self.fns = [ACTIVATIONS[int(a)].fn for a in genome.activations]

    def __call__(self, obs, w: float) -> list[float]:
        value = [0.0] * self.n
        value[0] = 1.0
        value[1:1 + self.n_in] = [float(v) for v in obs]
        for j in self.order:
            total = 0.0
            for s in self.incoming[j]:
                total += value[s] * w
            value[j] = float(self.fns[j](np.float64(total)))
        return value[self.n - self.n_out:]


def naive_forwards(genome) -> dict[str, Forward]:
    """The two naive per-node networks: ``naive`` (project reference) and ``lean``."""
    return {
        "naive": lambda obs, w: naive_forward(genome, np.asarray(obs, dtype=float)[None], w)[0].tolist(),
        "lean": LeanNaiveNet(genome),
    }


def naive_swingup_episode(forward: Forward, seed: int, w: float) -> tuple[float, int]:
    """One swing-up episode with scalar physics: ``(return, steps)``."""
    x, x_dot, theta, theta_dot = swingup.initial_states([seed])[0].tolist()
    total = 0.0
    for t in range(swingup.MAX_STEPS):
        (a,) = forward((x, x_dot, np.cos(theta), np.sin(theta), theta_dot), w)
        x, x_dot, theta, theta_dot, r, term = swingup.step_scalar(x, x_dot, theta, theta_dot, a)
        total += r
        if term:
            return total, t + 1
    return total, swingup.MAX_STEPS


def timed(fn):
    """(seconds, result) of one call."""
    t0 = _clock()
    out = fn()
    return _clock() - t0, out


def bench_swingup(rows: list, quick: bool) -> None:
    g = wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")
    rollout(g, "swingup", [0], weight=1.0, max_steps=10)  # warm up imports and caches
    naive = naive_forwards(g)

    # One episode (w = 1 keeps the pole up for all 1000 steps): median of several.
    times = []
    for seed in range(5 if quick else 15):
        dt, r = timed(lambda: rollout(g, "swingup", [seed], weight=1.0, record_nodes=True))
        assert r.lengths[0] == 1000
        times.append(dt)
    single = statistics.median(times)
    dt_b1, _ = timed(lambda: rollout(g, "swingup", [0], weight=1.0, record_nodes=True, engine="batch"))
    naive_1 = {k: timed(lambda: naive_swingup_episode(f, 0, 1.0))[0] for k, f in naive.items()}
    rows.append(("swing-up 1000-step episode, ms (scalar engine)", single * 1e3,
                 {k: v * 1e3 for k, v in naive_1.items()}, "<= 15 ms", True))
    rows.append(("swing-up 1000-step episode, ms (batch engine, B=1)", dt_b1 * 1e3,
                 {k: v * 1e3 for k, v in naive_1.items()}, "", True))

    # Profile: 41 weights x 20 seeds in one batch.
    weights = np.round(np.linspace(-2, 2, 41), 10)
    seeds = np.tile(np.arange(20), len(weights))
    per_ep_w = np.repeat(weights, 20)

    def batch():
        return timed(lambda: rollout(g, "swingup", seeds, weight=per_ep_w, record=False))

    # Naive samples: one episode per weight for the lean loop, every fourth of those for the
    # slower reference loop. The batch is timed before, between and after the naive runs
    # (median of three), so a burst of load from other processes does not favour one side.
    lean_sample = list(range(0, len(seeds), 21 if not quick else 83))
    samples = {"lean": lean_sample, "naive": lean_sample[::4 if not quick else 5]}
    dt, res = batch()
    batch_times = [dt]
    per_step, worst = {}, 0.0
    for name in ("lean", "naive"):
        t0, steps = _clock(), 0
        for i in samples[name]:
            ret, n = naive_swingup_episode(naive[name], int(seeds[i]), float(per_ep_w[i]))
            steps += n
            if n == res.lengths[i]:
                worst = max(worst, abs(ret - res.returns[i]) / max(1.0, abs(ret)))
        per_step[name] = (_clock() - t0) / steps
        batch_times.append(batch()[0])
    dt_batch = statistics.median(batch_times)
    total_steps = int(res.lengths.sum())
    eps = len(seeds)
    rows.append((f"swing-up profile 41x20 = {eps} episodes, episodes/s", eps / dt_batch,
                 {k: eps / (v * total_steps) for k, v in per_step.items()}, ">= 100x naive", False))
    rows.append((f"  (batch {dt_batch:.2f} s; naive est. {per_step['naive'] * total_steps:.0f} s, lean "
                 f"{per_step['lean'] * total_steps:.0f} s; returns differ by <= {worst:.1e} rel.)", None, None, "", False))


def _bare_biped_seconds(seeds, lengths) -> float:
    """Seconds for Gymnasium's env to take the same number of steps per seed with random actions."""
    import gymnasium

    env = gymnasium.make("BipedalWalker-v3")
    actions = np.random.default_rng(0).uniform(-1, 1, (int(max(lengths)), 4)).astype(np.float32)
    t0 = _clock()
    for seed, n in zip(seeds, lengths):
        env.reset(seed=int(seed))
        for t in range(int(n)):
            _, _, term, trunc, _ = env.step(actions[t])
            if term or trunc:
                env.reset()
    dt = _clock() - t0
    env.close()
    return dt


def _naive_biped_rate(forward: Forward, seed: int, w: float, steps: int) -> float:
    """Steps per second of one environment driven by a naive per-node network."""
    from wann_viz.tasks.biped import make_env

    env = make_env()
    t0 = _clock()
    obs, _ = env.reset(seed=seed)
    n = 0
    for n in range(1, steps + 1):
        obs, _, term, trunc, _ = env.step(np.clip(forward(obs, w), -1, 1))
        if term or trunc:
            break
    dt = _clock() - t0
    env.close()
    return n / dt


def bench_biped(rows: list, quick: bool) -> None:
    g = wann_viz.load_genome(ROOT / "saved_genomes" / "biped-authors.json")
    n_envs, rounds, max_steps = (4, 2, 200) if quick else (16, 4, 500)
    rollout(g, "biped", [0], weight=-1.87, max_steps=5, record=False)  # warm up
    # Short alternating rounds (network, then bare Gymnasium on the same seeds and step
    # counts) so both sides of each ratio see the same load; the ratio is the median.
    ratios, net_time, bare_time, steps = [], 0.0, 0.0, 0
    for r in range(rounds):
        seeds = list(range(r * n_envs, (r + 1) * n_envs))
        dt_net, res = timed(lambda: rollout(g, "biped", seeds, weight=-1.87, max_steps=max_steps, record=False))
        dt_bare = _bare_biped_seconds(seeds, res.lengths)
        ratios.append(dt_bare / dt_net)
        net_time, bare_time, steps = net_time + dt_net, bare_time + dt_bare, steps + int(res.lengths.sum())
    naive_steps = 150 if quick else 500
    naive_rates = {k: _naive_biped_rate(f, 0, -1.87, naive_steps) for k, f in naive_forwards(g).items()}
    rows.append((f"biped with network ({n_envs} envs lock-step), steps/s", steps / net_time, naive_rates, "",
                 False))
    rows.append(("biped Gymnasium bare, random actions, steps/s", steps / bare_time, None, "", False))
    rows.append((f"biped with network / bare Gymnasium (median of {rounds} rounds)", statistics.median(ratios),
                 None, ">= 0.80", False))


def print_table(rows: list) -> None:
    """Columns: value, the two naive values and how many times faster ``value`` is than each."""
    print(f"{'measure':<58}{'value':>10}{'naive':>10}{'x naive':>9}{'lean':>10}{'x lean':>8}  target")
    for name, value, naive, target, lower_is_better in rows:
        if value is None:
            print(name)
            continue
        cells = f"{name:<58}{value:>10.2f}"
        for key, width in (("naive", 9), ("lean", 8)):
            if naive is None:
                cells += " " * (10 + width)
                continue
            ratio = naive[key] / value if lower_is_better else value / naive[key]
            cells += f"{naive[key]:>10.2f}{ratio:>{width}.1f}"
        print(f"{cells}  {target}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test, not a measurement)")
    parser.add_argument("--only", choices=("swingup", "biped"), default=None)
    args = parser.parse_args(argv)
    rows: list = []
    if args.only in (None, "swingup"):
        bench_swingup(rows, args.quick)
    if args.only in (None, "biped"):
        bench_biped(rows, args.quick)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
