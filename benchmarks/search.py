"""Search evaluation speed, measured in one run.

Run: python benchmarks/search.py [--quick]

1. Swing-up: genome evaluations per second at population 192 x 6 weights x
   3 episodes (3,456 episodes of up to 1,000 steps), for
   * the batched engine (all genomes in one block network, one physics call
     per step for every episode), and
   * a per-genome baseline: the app's rollout (compiled network + the task's
     step) for one genome's 18 episodes at a time, on a sample of genomes.
   Two populations: 192 copies of the authors' champion (every episode runs
   the full 1,000 steps: the slow case) and a population evolved for a few
   generations from scratch (mixed sizes, some episodes end early).
2. Biped: the same evaluation (16 genomes x 6 weights x 1 episode, 300
   steps) with 1 and with 2 worker processes; the pool is started before
   timing. The ratio is the speed-up.

The machine may be shared: ratios measured in the same run are the result,
absolute numbers are indicative. The load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


from wann_viz import load_genome
from wann_viz.rollout import rollout
from wann_viz.search import engine
from wann_viz.search.algorithm import Search
from wann_viz.search.config import load_settings
from wann_viz.tasks.registry import make_task

SAVED = Path(__file__).resolve().parents[1] / "saved_genomes"
WEIGHTS = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]


def _evolved(pop: int, generations: int) -> list:
    s = load_settings("swingup", overrides={"population": pop, "max_steps": 1000})
    search = Search(s)
    for _ in range(generations):
        search.step()
    return [ind.to_genome("swingup") for ind in search.population]


def swingup_rates(genomes: list, episodes: int, baseline_sample: int) -> tuple[float, float]:
    """(batched, per-genome baseline) genome evaluations per second."""
    seeds = np.arange(episodes) + 100
    t = time.perf_counter()
    engine.evaluate_genomes(engine.LocalEvaluator(), "swingup", genomes, WEIGHTS, seeds, 1000)
    batched = len(genomes) / (time.perf_counter() - t)
    task = make_task("swingup")
    sample = genomes[:baseline_sample]
    ep_seeds = np.tile(seeds, len(WEIGHTS))
    ep_w = np.repeat(WEIGHTS, episodes)
    t = time.perf_counter()
    for g in sample:
        rollout(g, task, ep_seeds, weight=ep_w, record=False, engine="batch")
    baseline = len(sample) / (time.perf_counter() - t)
    return batched, baseline


def biped_speedup(n_genomes: int, steps: int) -> list[tuple[int, float]]:
    """[(workers, seconds)] for the same biped evaluation."""
    s = load_settings("biped", overrides={"population": n_genomes})
    genomes = [ind.to_genome("biped") for ind in Search(s).population]
    champ = load_genome(SAVED / "biped-authors.json")
    genomes[: n_genomes // 2] = [champ] * (n_genomes // 2)  # half walk, half fall: mixed lengths
    args = ("biped", genomes, WEIGHTS, [7], steps)
    out = []
    for workers in (1, 2):
        ev = engine.LocalEvaluator() if workers == 1 else engine.PoolEvaluator(workers)
        try:
            engine.evaluate_genomes(ev, "biped", genomes[:2], WEIGHTS, [1], 5)  # start the pool / make envs
            t = time.perf_counter()
            engine.evaluate_genomes(ev, *args)
            out.append((workers, time.perf_counter() - t))
        finally:
            ev.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (a rough check in ~1 minute)")
    args = ap.parse_args()
    pop, episodes = 192, 3
    sample = 4 if args.quick else 12
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    print(f"\nSwing-up, population {pop} x {len(WEIGHTS)} weights x {episodes} episodes (up to 1000 steps)")
    print(f"{'population':<32}{'batched evals/s':>16}{'per-genome evals/s':>20}{'speed-up':>10}")
    champ = load_genome(SAVED / "swingup-authors.json")
    rows = [("192 x authors' champion", [champ] * pop)]
    if not args.quick:
        rows.append(("evolved 20 generations", _evolved(pop, 20)))
    for label, genomes in rows:
        batched, baseline = swingup_rates(genomes, episodes, sample)
        print(f"{label:<32}{batched:>16.1f}{baseline:>20.1f}{batched / baseline:>9.1f}x")
    steps = 100 if args.quick else 300
    print(f"\nBiped, 16 genomes x {len(WEIGHTS)} weights x 1 episode, {steps} steps (pool started before timing)")
    print(f"{'workers':<10}{'seconds':>10}{'evals/s':>10}{'speed-up':>10}")
    res = biped_speedup(16, steps)
    base = res[0][1]
    for workers, sec in res:
        print(f"{workers:<10}{sec:>10.2f}{16 / sec:>10.2f}{base / sec:>9.2f}x")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
