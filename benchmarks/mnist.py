"""MNIST evaluation speed, measured against baselines in the same run.

    python benchmarks/mnist.py [--quick] [--genome PATH]

Prints one table. Targets (issue 5): accuracy over all 10,000 test images at
one shared weight in <= 100 ms; the per-digit accuracy grid ("digit accuracy
by weight") for 41 weights in <= 2 s. Both are timed warm (data loaded,
genome compiled); the one-off costs are rows of their own.

Baselines, on the same genome and images:

* naive: ``wann_viz.nn.naive_forward`` (a per-node Python loop, one
  image at a time) then a Python argmax; timed on a slice of images and
  scaled linearly to the full count (it is linear in images x weights);
* network: the general compiled forward pass
  (``wann_viz.nn.Network.forward``, dense layer by layer) on all images.

Without ``--genome``, the genome is a seeded random one of the size of the
authors' MNIST champion (1,849 connections; 256 inputs, 150 hidden nodes that
all reach an output, 10 outputs; every activation), which costs what an
evolved network of that size costs (accuracy is near chance).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


from wann_viz import Genome, load_genome
from wann_viz.nn import compile_network, naive_forward
from wann_viz.tasks import mnist
from wann_viz import mnist_eval as me

CHAMPION_CONNECTIONS = 1849


def champion_sized_genome(seed: int = 0, n_hidden: int = 150, n_conn: int = CHAMPION_CONNECTIONS) -> Genome:
    """A random feed-forward 256-10 genome in which every hidden node reaches an output."""
    rng = np.random.default_rng(seed)
    n_in, n_out = 256, 10
    n = 1 + n_in + n_hidden + n_out
    first_out = n - n_out
    conns: set[tuple[int, int]] = set()
    for h in range(1 + n_in, first_out):
        conns.add((int(rng.integers(0, h)), h))  # one source
        conns.add((h, int(rng.integers(h + 1, n))))  # one later target: keeps every node useful
    while len(conns) < n_conn:
        d = int(rng.integers(1 + n_in, n))
        s = int(rng.integers(0, min(d, first_out)))
        conns.add((s, d))
    acts = np.ones(n, np.int64)
    acts[1 + n_in:] = rng.integers(1, 12, n - 1 - n_in)
    return Genome(acts, np.array(sorted(conns)), n_in, n_out, task="mnist", name="random, champion-sized")


def best_time(fn, repeat: int) -> float:
    """Best of ``repeat`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def naive_predictions(g: Genome, inputs: np.ndarray, weight: float) -> np.ndarray:
    out = naive_forward(g, inputs, weight)
    return np.array([max(range(10), key=lambda d: (row[d], -d)) for row in out])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller naive sample")
    parser.add_argument("--genome", default=None, help="an MNIST genome file instead of the random one")
    args = parser.parse_args()
    rep = 2 if args.quick else 5
    n_naive = 50 if args.quick else 200

    t = time.perf_counter()
    _, test_x, test_y = mnist.load_mnist("test")
    load_test = time.perf_counter() - t
    g = load_genome(args.genome) if args.genome else champion_sized_genome()
    t = time.perf_counter()
    ev = me.evaluator(g)
    build = time.perf_counter() - t
    images = mnist.load_mnist("test")[0]
    pre = best_time(lambda: mnist.preprocess(images), 1 if args.quick else 2)
    weights41 = np.array(me.PROFILE_WEIGHTS)
    n = len(test_y)

    one = best_time(lambda: me.accuracy(g, 1.0), rep)
    grid = best_time(lambda: me.per_digit_accuracy(g, weights41), max(1, rep // 2))

    net = compile_network(g)
    x64 = test_x.astype(np.float64)

    def network_accuracy(w):
        pred = mnist.predictions(net.forward(x64, w)[0])
        return (pred == test_y).mean()

    net_one = best_time(lambda: network_accuracy(1.0), max(1, rep // 2))
    t = time.perf_counter()
    naive_predictions(g, test_x[:n_naive], 1.0)
    naive_one = (time.perf_counter() - t) * n / n_naive

    # Agreement check while we are here: same predictions on the naive sample.
    assert np.array_equal(naive_predictions(g, test_x[:n_naive], 1.0), me.predict(g, 1.0)[0][:n_naive])

    print(f"genome: {g.name or args.genome} ({g.n_nodes} nodes, {g.n_connections} connections, "
          f"{ev.n_rows} computed nodes reach an output); {n:,} test images")
    print(f"one-off: load test split (28x28 -> 16x16) {load_test * 1e3:.0f} ms; "
          f"preprocess 10,000 images {pre * 1e3:.0f} ms; build evaluator {build * 1e3:.1f} ms")
    print()
    head = f"{'measurement':<44}{'this code':>11}{'target':>9}{'network':>11}{'naive':>11}{'vs network':>12}{'vs naive':>10}"
    print(head)
    print("-" * len(head))

    def row(name, fast, target, network, naive):
        ok = "" if target is None else ("  ok" if fast <= target else "  MISSED")
        print(f"{name:<44}{fast * 1e3:>9.0f}ms{target * 1e3 if target else 0:>7.0f}ms"
              f"{network * 1e3:>9.0f}ms{naive:>10.1f}s{network / fast:>11.1f}x{naive / fast:>9.0f}x{ok}")

    row("accuracy, 10,000 images x 1 weight", one, 0.100, net_one, naive_one)
    # The network baseline for 41 weights: 41 one-weight calls (one batched call
    # of 410,000 rows would need gigabytes), naive scaled by 41.
    row("per-digit accuracy, 10,000 x 41 weights", grid, 2.0, net_one * 41, naive_one * 41)
    print()
    print(f"naive time scaled from {n_naive} images; network x 41 = 41 one-weight calls. "
          "Ratios compare numbers measured in this run.")


if __name__ == "__main__":
    main()
