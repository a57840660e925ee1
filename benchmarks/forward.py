"""Forward-pass speed against a naive per-node Python loop, measured in one run.

Run: python benchmarks/forward.py [--quick]

The naive loop (wann_viz.nn.naive_forward) walks the nodes in
topological order for each sample and weight, summing source values in
Python and calling the activation table's numpy function per node. Targets
(issue 2): single observation on the biped champion >= 5x faster; a batch of
10,000 samples x 8 weights >= 10x faster. Ratios, not absolute times, are the
result: the machine is noisy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


from wann_viz import compile_network, load_genome
from wann_viz.nn import naive_forward

SAVED = Path(__file__).resolve().parents[1] / "saved_genomes"


def best_time(fn, repeat: int, number: int) -> float:
    """Best of ``repeat`` runs of ``number`` calls, seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    rep = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    rows = []
    for stem in ("swingup", "biped", "carracing"):
        g = load_genome(SAVED / f"{stem}-authors.json")
        net = compile_network(g)
        x1 = rng.normal(size=(1, g.n_in))
        fast = best_time(lambda: net.forward_batch(x1, -1.5), rep, 500)
        slow = best_time(lambda: naive_forward(g, x1, -1.5), rep, 20)
        rows.append((stem, "1 sample x 1 weight", fast, slow, 5.0 if stem == "biped" else None))
        # Batch: 10,000 samples x 8 weights. The naive loop is timed on a slice and scaled,
        # since it is linear in samples x weights.
        xb = rng.normal(size=(10_000, g.n_in))
        weights = np.array([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2.0])
        fast_b = best_time(lambda: net.forward(xb, weights), max(2, rep // 2), 1)
        n_slice = 200
        slow_b = best_time(lambda: naive_forward(g, xb[:n_slice], 1.0), 2, 1) * (10_000 / n_slice) * 8
        rows.append((stem, "10,000 samples x 8 weights", fast_b, slow_b, 10.0 if stem == "biped" else None))
    print(f"{'genome':<10} {'case':<28} {'compiled':>12} {'naive loop':>12} {'speed-up':>9} {'target':>7}")
    for stem, case, fast, slow, target in rows:
        unit = (lambda s: f"{s * 1e6:9.1f} us") if fast < 1e-2 else (lambda s: f"{s * 1e3:9.1f} ms")
        tgt = f">={target:.0f}x" if target else ""
        ok = "" if not target else ("  ok" if slow / fast >= target else "  MISSED")
        print(f"{stem:<10} {case:<28} {unit(fast):>12} {unit(slow):>12} {slow / fast:8.1f}x {tgt:>7}{ok}")


if __name__ == "__main__":
    main()
