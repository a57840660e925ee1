"""Ship an evolved MNIST WANN: measure it and write saved_genomes/mnist-evolved.json.

Usage: python scripts/finalize_mnist_genome.py RUN_DIR [OUT]

Candidates are the run's champion.json and its saved generation champions;
the one with the best ensemble accuracy on the *training* set is kept (the
test set is only reported, never used to choose). Its metadata gets the run
settings, the fitness history and the measured test accuracies: mean and sd
over the 41 shared weights -2, -1.9, ..., 2, the weight ensemble, and the
tuned shared weight (best on the training set).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


from wann_viz import load_genome, save_genome
from wann_viz import mnist_eval
from wann_viz.search.runs import open_run


def main(run_dir: Path, out: Path) -> None:
    run = open_run(run_dir)
    candidates = [run_dir / "champion.json"] + sorted((run_dir / "generations").glob("gen-*.json"))[-3:]
    scored = []
    for path in candidates:
        if path.exists():
            g = load_genome(path)
            train_ens = mnist_eval.ensemble_accuracy(g, split="train")
            print(f"{path.name}: training-set ensemble accuracy {train_ens:.4f} ({g.n_connections} connections)")
            scored.append((train_ens, path, g))
    _, path, genome = max(scored, key=lambda s: s[0])
    grid = np.round(np.linspace(-2, 2, 41), 10)
    report = mnist_eval.evaluate_conditions(genome, grid)
    profile = np.array([p["mean"] for p in report["profile"] if -2 <= p["weight"] <= 2])
    tuned = report["conditions"]["tuned_shared_weight"]
    accuracy = {
        "split": "test (10,000 images)",
        "mean_over_weights": float(profile.mean()),
        "sd_over_weights": float(profile.std()),
        "weights": "41 shared weights -2, -1.9, ..., 2",
        "ensemble": report["conditions"]["ensemble"]["mean"],
        "ensemble_weights": report["conditions"]["ensemble"]["weights"],
        "tuned_shared_weight": tuned["weight"],
        "tuned_test_accuracy": tuned["mean"],
        "tuned_train_accuracy": tuned.get("train_accuracy"),
        "random_shared_weight": report["conditions"]["random_shared_weight"],
        "random_weights": report["conditions"]["random_weights"],
        "profile": report["profile"],
    }
    # The run's curve: test accuracy of each saved generation's best (generations 8, 32, 128, 1024, ...).
    curve = []
    for path_g in sorted((run_dir / "generations").glob("gen-*.json")):
        g = load_genome(path_g)
        curve.append({"generation": int(g.extra["search"]["generation"]),
                      "ensemble": mnist_eval.ensemble_accuracy(g),
                      "mean_over_weights": float(mnist_eval.accuracy(g, grid).mean()),
                      "connections": g.n_connections})
        print(f"generation {curve[-1]['generation']:>5}: ensemble {curve[-1]['ensemble']:.1%}, "
              f"mean over 41 weights {curve[-1]['mean_over_weights']:.1%}, {g.n_connections} connections")
    extra = dict(genome.extra)
    extra["accuracy"] = accuracy
    extra["accuracy_curve"] = curve
    extra["chosen_from"] = path.name
    genome = genome.with_changes(
        name="MNIST WANN evolved by WANN Explorer",
        source=(f"WANN Explorer's own search (python -m wann_viz search --task mnist), run {run_dir.name}, "
                f"{run.generation} generations of {run.settings.get('population')} genomes"),
        licence="Genome: evolved by WANN Explorer's own search. Evolved on MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0).",
        notes=(f"Test accuracy: mean {accuracy['mean_over_weights']:.1%} +- {accuracy['sd_over_weights']:.1%} over "
               f"shared weights in [-2, 2], ensemble {accuracy['ensemble']:.1%}, tuned shared weight "
               f"{tuned['weight']:+.1f}: {tuned['mean']:.1%}. Paper: 82.0% +- 18.7%, ensemble 91.6%, tuned 91.9%."),
        best_shared_weight=tuned["weight"],
        extra=extra,
    )
    save_genome(genome, out)
    print(genome.notes)
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else Path("saved_genomes/mnist-evolved.json"))
