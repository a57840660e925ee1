"""Search evaluation speed, measured in one run.

Run: python benchmarks/search.py [--quick] [--only swingup|biped|mnist] [--mnist-run RUN]

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
3. MNIST: one genome evaluation (1,000 training images x 6 weights, the
   paper's fitness) for the populations of an MNIST run at generations 1,
   128 and 1024 (``--mnist-run``, default the shipped paper-settings run), beside
   * its arithmetic minimum: connections x 1,000 x 6 multiply-adds at the
     rate numpy reaches on the multiply-add of one connection over a row of
     values (``acc += w * x`` on 6 x 1,000 floats, measured in this run; a
     BLAS matrix product's rate is printed too, for scale), and
   * today's path before the compiled pass: per genome, the numpy images
     network (wann_viz.nn.ImagesNetwork) then the fitness.
   Genomes are rebuilt from their arrays before each timing, so the one-off
   compile of each genome is counted (offspring are new genomes every
   generation). Evaluations per second with 1 and 2 worker processes go
   through the search's own engine.
   The compiled pass is timed on one thread (against the minimum, which is
   one core's rate) and on its default threads (``WANN_THREADS``, the usable
   cores: a call splits the population over threads).
   * round 1: the code of the commit the speed issue was filed against
     (``--round1``, default 2db63c4), extracted with ``git archive`` into a
     temporary folder and run in a subprocess on the same genomes through its
     own search engine, one worker. "vs round 1" is its time per genome over
     today's engine time per genome (1 worker), both measured in this run; the
     fitness both compute is compared too. Skipped outside a git checkout.

The machine may be shared: ratios measured in the same run are the result,
absolute numbers are indicative. The load average is printed with them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np


from mnist import best_time  # benchmarks/mnist.py: best of n calls (this folder is on the path)

from wann_viz import Genome, load_genome, save_genome
from wann_viz.nn import jit
from wann_viz.nn.images import ImagesNetwork
from wann_viz.search.runs import load_population, population_file
from wann_viz.tasks.mnist import mnist_fitness, training_batch
from wann_viz.rollout import rollout
from wann_viz.search import engine
from wann_viz.search.algorithm import Search
from wann_viz.search.config import load_settings
from wann_viz.tasks.registry import make_task

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "saved_genomes"
MNIST_RUN = ROOT / "data" / "runs" / "mnist-paper"
MNIST_GENERATIONS = (1, 128, 1024)
WEIGHTS = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]
ROUND1 = "2db63c4"  # the code when the MNIST speed issue was filed
# Run inside an extracted old checkout: its engine's seconds per genome (best of 2) and fitness.
_OLD_TIMER = """
import json, sys, time
from pathlib import Path
from wann_viz import load_genome  # python -c puts the working folder, the old checkout, first
from wann_viz.search import engine
paths = sorted(Path(sys.argv[1]).glob("*.json"))
w = json.loads(sys.argv[2])
ev = engine.LocalEvaluator()
engine.evaluate_genomes(ev, "mnist", [load_genome(p) for p in paths[:2]], w, [1], 1, 1000)
best, out = float("inf"), None
for _ in range(2):
    fresh = [load_genome(p) for p in paths]
    t = time.perf_counter()
    out = engine.evaluate_genomes(ev, "mnist", fresh, w, [1], 1, 1000)
    best = min(best, time.perf_counter() - t)
json.dump({"seconds": best / len(paths), "fitness": out[:, :, 0].tolist()}, sys.stdout)
"""


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


def _fresh(genomes: list) -> list:
    """The same genomes as new objects (no compiled plan kept on them)."""
    return [Genome(activations=g.activations, connections=g.connections, n_in=g.n_in, n_out=g.n_out,
                   task=g.task) for g in genomes]


def madd_rates(k: int = 6, b: int = 1000) -> tuple[float, float]:
    """(elementwise, BLAS) multiply-adds per second of numpy on this machine, now.

    Elementwise: ``acc += w * x`` over (k, b) floats, the operation one connection
    costs in a numpy forward pass. BLAS: a (b, 257) x (257, 64) matrix product.
    """
    rng = np.random.default_rng(0)
    x, acc, tmp = rng.normal(size=(k, b)), np.zeros((k, b)), np.empty((k, b))
    w = rng.normal(size=(k, 1))

    def elementwise():
        for _ in range(200):
            np.multiply(x, w, out=tmp)
            acc.__iadd__(tmp)

    a, m = rng.normal(size=(b, 257)), rng.normal(size=(257, 64))
    elem = 200 * k * b / best_time(elementwise, 7)
    blas = b * 257 * 64 / best_time(lambda: a @ m, 21)
    return elem, blas


def extract_commit(commit: str, folder: Path) -> Path | None:
    """``wann_viz`` and ``data/mnist.npz`` of ``commit`` extracted into ``folder`` (None outside git)."""
    try:
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "wann_viz", "data/mnist.npz"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  (round 1 skipped: cannot extract commit {commit}: {getattr(exc, 'stderr', b'') or exc})")
        return None
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def round1_time(old: Path, genomes: list) -> tuple[float, np.ndarray]:
    """(seconds per genome, (P, K) fitness) of the old checkout's engine on ``genomes``."""
    with tempfile.TemporaryDirectory(prefix="wann-round1-genomes-") as folder:
        for i, g in enumerate(genomes):
            save_genome(g, Path(folder) / f"g{i:05d}.json")
        out = subprocess.run([sys.executable, "-c", _OLD_TIMER, folder, json.dumps(WEIGHTS)], cwd=old,
                             capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    return doc["seconds"], np.asarray(doc["fitness"])


def mnist_rows(run: Path, sample: int, round1: str | None = ROUND1) -> list[dict]:
    """Per generation: connections, compiled and numpy-path milliseconds per genome, evals/s by workers."""
    with tempfile.TemporaryDirectory(prefix="wann-round1-") as folder:
        return _mnist_rows(run, sample, extract_commit(round1, Path(folder)) if round1 else None)


def _mnist_rows(run: Path, sample: int, old: Path | None) -> list[dict]:
    inputs, labels = training_batch(0, 1000)
    cols = jit.columns(inputs)
    w = np.asarray(WEIGHTS)
    rows = []
    for gen in MNIST_GENERATIONS:
        path = population_file(run, gen)
        if not path.is_file():
            print(f"  (no population saved for generation {gen} in {run})")
            continue
        pop = load_population(path, "mnist")
        genomes = pop[:: max(1, len(pop) // sample)][:sample]
        conns = float(np.mean([g.n_connections for g in genomes]))
        jit.population_fitness(genomes[:2], None, labels, w, cols)  # numba compiles outside the timing
        copies = iter([_fresh(genomes) for _ in range(3)])
        compiled = best_time(lambda: jit.population_fitness(next(copies), None, labels, w, cols, threads=1),
                             3) / len(genomes)
        copies = iter([_fresh(genomes) for _ in range(3)])
        threaded = best_time(lambda: jit.population_fitness(next(copies), None, labels, w, cols), 3) / len(genomes)
        few = genomes[: max(4, len(genomes) // 8)]
        few_copies = iter([_fresh(few) for _ in range(2)])

        def numpy_path():
            for g in next(few_copies):
                mnist_fitness(ImagesNetwork(g).outputs(inputs, w), labels)

        today = best_time(numpy_path, 2) / len(few)
        rates = {}
        for workers in (1, 2):
            ev = engine.LocalEvaluator() if workers == 1 else engine.PoolEvaluator(workers)
            try:
                engine.evaluate_genomes(ev, "mnist", pop[:4], WEIGHTS, [1], 1, {"batch_size": 1000})
                t = best_time(lambda: engine.evaluate_genomes(ev, "mnist", _fresh(pop), WEIGHTS, [1], 1,
                                                             {"batch_size": 1000}), 2)
                rates[workers] = len(pop) / t
            finally:
                ev.close()
        row = {"generation": gen, "population": len(pop), "connections": conns,
               "compiled": compiled, "threaded": threaded, "today": today, "rates": rates}
        if old is not None:
            ev = engine.LocalEvaluator()
            mine = engine.evaluate_genomes(ev, "mnist", genomes, WEIGHTS, [1], 1, {"batch_size": 1000})

            def engine_time():
                return best_time(lambda: engine.evaluate_genomes(ev, "mnist", _fresh(genomes), WEIGHTS, [1], 1,
                                                                 {"batch_size": 1000}), 2) / len(genomes)
            row["engine"] = engine_time()
            with mock.patch.dict(os.environ, {"WANN_THREADS": "1"}):
                row["engine_1t"] = engine_time()
            row["round1"], theirs = round1_time(old, genomes)
            row["round1_diff"] = float(np.max(np.abs(theirs - mine[:, :, 0])))
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (a rough check in ~1 minute)")
    ap.add_argument("--only", choices=["swingup", "biped", "mnist"], help="one part only")
    ap.add_argument("--round1", default=ROUND1, metavar="COMMIT",
                    help="commit whose search engine is the 'round 1' baseline ('' to skip)")
    ap.add_argument("--mnist-run", type=Path, default=MNIST_RUN,
                    help="MNIST run folder with generations/pop-GGGGGG.npz (save_populations)")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    if args.only in (None, "mnist"):
        mnist_table(args.mnist_run, 16 if args.quick else 64, args.round1)
    if args.only in (None, "swingup"):
        swingup_table(args.quick)
    if args.only in (None, "biped"):
        biped_table(args.quick)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


def mnist_table(run: Path, sample: int, round1: str | None = ROUND1) -> None:
    elem, blas = madd_rates()
    print(f"\nMNIST: one genome evaluation = 1,000 training images x {len(WEIGHTS)} weights (the paper's fitness)")
    print(f"numpy multiply-add rate: {elem / 1e9:.2f} G/s elementwise (acc += w * x, the minimum's rate), "
          f"{blas / 1e9:.1f} G/s BLAS matrix product")
    print(f"{'generation':>10}{'genomes':>9}{'conns':>8}{'minimum ms':>12}{'1 thread ms':>13}{'/ minimum':>11}"
          f"{'/ BLAS min':>12}{f'{jit.default_threads()} threads ms':>15}{'numpy ms':>10}{'vs numpy':>10}"
          f"{'evals/s 1w':>12}{'evals/s 2w':>12}")
    rows = mnist_rows(run, sample, round1)
    for r in rows:
        madds = r["connections"] * 1000 * len(WEIGHTS)
        minimum, blas_min = madds / elem, madds / blas
        print(f"{r['generation']:>10}{r['population']:>9}{r['connections']:>8.0f}{minimum * 1e3:>12.3f}"
              f"{r['compiled'] * 1e3:>13.3f}{r['compiled'] / minimum:>10.2f}x{r['compiled'] / blas_min:>11.1f}x"
              f"{r['threaded'] * 1e3:>15.3f}"
              f"{r['today'] * 1e3:>10.2f}{r['today'] / r['compiled']:>9.1f}x"
              f"{r['rates'][1]:>12.0f}{r['rates'][2]:>12.0f}")
    if any("round1" in r for r in rows):
        print(f"\nAgainst round 1 (commit {round1}: its search engine, one worker, on the same genomes and images)")
        threads = jit.default_threads()
        print("today = this engine, one worker, on 1 thread and on its default threads (the usable cores)")
        print(f"{'generation':>10}{'conns':>8}{'round 1 ms':>12}{'1 thread ms':>13}{'vs round 1':>12}"
              f"{f'{threads} threads ms':>15}{'vs round 1':>12}{'max |fitness diff|':>20}")
        for r in rows:
            if "round1" in r:
                print(f"{r['generation']:>10}{r['connections']:>8.0f}{r['round1'] * 1e3:>12.2f}"
                      f"{r['engine_1t'] * 1e3:>13.2f}{r['round1'] / r['engine_1t']:>11.1f}x"
                      f"{r['engine'] * 1e3:>15.2f}{r['round1'] / r['engine']:>11.1f}x{r['round1_diff']:>20.1e}")


def swingup_table(quick: bool) -> None:
    args = argparse.Namespace(quick=quick)
    pop, episodes = 192, 3
    sample = 4 if args.quick else 12
    print(f"\nSwing-up, population {pop} x {len(WEIGHTS)} weights x {episodes} episodes (up to 1000 steps)")
    print(f"{'population':<32}{'batched evals/s':>16}{'per-genome evals/s':>20}{'speed-up':>10}")
    champ = load_genome(SAVED / "swingup-authors.json")
    rows = [("192 x authors' champion", [champ] * pop)]
    if not args.quick:
        rows.append(("evolved 20 generations", _evolved(pop, 20)))
    for label, genomes in rows:
        batched, baseline = swingup_rates(genomes, episodes, sample)
        print(f"{label:<32}{batched:>16.1f}{baseline:>20.1f}{batched / baseline:>9.1f}x")


def biped_table(quick: bool) -> None:
    args = argparse.Namespace(quick=quick)
    steps = 100 if args.quick else 300
    print(f"\nBiped, 16 genomes x {len(WEIGHTS)} weights x 1 episode, {steps} steps (pool started before timing)")
    print(f"{'workers':<10}{'seconds':>10}{'evals/s':>10}{'speed-up':>10}")
    res = biped_speedup(16, steps)
    base = res[0][1]
    for workers, sec in res:
        print(f"{workers:<10}{sec:>10.2f}{16 / sec:>10.2f}{base / sec:>9.2f}x")


if __name__ == "__main__":
    main()
