"""Genomes for the export tests: the shipped ones, a tiny one with every activation, and one
whose node order is not topological (the fixtures are in conftest.py)."""

from itertools import pairwise
from pathlib import Path

import numpy as np

from wann_viz import Genome, load_genome

ROOT = Path(__file__).resolve().parents[2]
SAVED, GOLDEN = ROOT / "saved_genomes", ROOT / "tests" / "golden"
SHIPPED = {"swing": "swingup-authors", "biped": "biped-authors", "racer": "carracing-authors", "mnist": "mnist-evolved"}


def load_shipped() -> dict:
    """Every genome of saved_genomes/ by short name (swing, biped, racer match the golden files)."""
    return {k: load_genome(SAVED / f"{v}.json") for k, v in SHIPPED.items()}


def golden_inputs(key: str, n_in: int) -> np.ndarray:
    """(64, n_in) inputs: the golden file's, else seeded normals (scaled to hit every regime)."""
    path = GOLDEN / f"{key}_forward.npz"
    if path.exists():
        return np.load(path)["inputs"]
    return np.random.default_rng(7).normal(scale=1.5, size=(64, n_in))


def every_activation_genome() -> Genome:
    """2 inputs (the second unused), 10 hidden nodes with ids 2..11, 2 outputs (ids 1 and 6).

    Hidden node 3 has no incoming connection, node 4 only the bias; tuned weights attached.
    """
    n_in, hidden, n_out = 2, list(range(2, 12)), 2
    acts = [1, 1, 1] + hidden + [1, 6]
    n = len(acts)
    h = list(range(1 + n_in, 1 + n_in + len(hidden)))  # nodes 3..12
    out = [n - 2, n - 1]
    conns = [(0, h[1]), (1, h[2]), (0, h[2]), (h[1], h[3])]
    for a, b in pairwise(h[2:]):
        conns.append((a, b))
    conns += [(1, h[5]), (h[0], out[0]), (h[4], out[0]), (h[-1], out[0]), (h[7], out[1]), (1, out[1]), (0, out[1])]
    conns = sorted(set(conns))
    tuned = np.random.default_rng(3).uniform(-2, 2, len(conns))
    return Genome(activations=np.array(acts), connections=np.array(conns), n_in=n_in, n_out=n_out,
                  name="every activation <&>", input_labels=("a", "b"), output_labels=("y0", "y 1"),
                  tuned_weights=tuned, best_shared_weight=0.7,
                  extra={"tuned_weights_score": {"mean": 12.5, "sd": 0.25}})


def shuffled_genome() -> Genome:
    """Hidden nodes numbered against the flow (7 -> 6 -> 5 -> 4), outputs 8 and 9; tuned weights."""
    conns = [(1, 7), (2, 7), (0, 6), (7, 6), (6, 5), (5, 4), (7, 4), (4, 8), (5, 9), (3, 9), (6, 8)]
    tuned = np.random.default_rng(5).uniform(-2, 2, len(conns))
    return Genome(activations=np.array([1, 1, 1, 1, 5, 3, 4, 9, 1, 6]), connections=np.array(conns),
                  n_in=3, n_out=2, name="shuffled", tuned_weights=tuned)
