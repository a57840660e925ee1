"""MNIST evaluation: accuracy by weight, ensembles, per-digit accuracy, confusion.

All functions classify whole splits (10,000 test or 60,000 training images)
with :class:`MnistEvaluator`, the many-images forward pass
(:class:`wann_viz.nn.ImagesNetwork`) checked for MNIST's sizes; at shared
weights it runs the compiled population pass (:mod:`wann_viz.nn.jit`). Both
compute what :meth:`wann_viz.nn.Network.forward` computes; only the order of
additions (and the last bits of exp and tanh) differ, so outputs agree to
rounding (checked in the tests; networks that feed huge values into sin/cos
amplify that rounding, as they would any reordering).

Predictions are the argmax of the 10 outputs; a nan output never wins and
ties go to the lower digit (so at w = 0, where all outputs are equal, every
image is called a 0).

Conventions of :func:`evaluate_conditions` (the ``evaluate --json`` shape):
``mean`` is test accuracy in [0, 1]. For one weight (profile entries, tuned
shared weight, tuned weights, ensemble) ``sd`` is the standard deviation of
the 10 per-digit accuracies (how even the network is across digits). For the
random conditions ``sd`` is over the random draws, as in the paper's
"82.0% +- 18.7%" (mean +- sd over weight values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .genome import Genome
from .nn.images import ImagesNetwork
from .tasks.mnist_data import N_CLASSES, N_INPUTS, load_mnist

# The paper's search-time weight series; also the default ensemble.
SEARCH_WEIGHTS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
# Default profile / tuning grid: -2 .. 2 in steps of 0.1 (41 weights).
PROFILE_WEIGHTS = tuple(float(w) for w in np.round(np.linspace(-2.0, 2.0, 41), 10))
WEIGHT_RANGE = (-2.0, 2.0)
N_RANDOM = 100


class MnistEvaluator(ImagesNetwork):
    """:class:`~wann_viz.nn.ImagesNetwork` for a genome with 256 inputs and 10 outputs."""

    def __init__(self, genome: Genome):
        if genome.n_in != N_INPUTS or genome.n_out != N_CLASSES:
            raise ValueError(
                f"an MNIST genome needs {N_INPUTS} inputs and {N_CLASSES} outputs, "
                f"this one has {genome.n_in} and {genome.n_out}"
            )
        super().__init__(genome)


def evaluator(genome: Genome) -> MnistEvaluator:
    """The genome's evaluator (built once and kept on the immutable genome)."""
    return genome.cached("mnist_evaluator", MnistEvaluator)


# ----- metrics from predictions --------------------------------------------------

def _weights(weights) -> np.ndarray:
    w = np.atleast_1d(np.asarray(weights, dtype=np.float64))
    if w.ndim != 1:
        raise ValueError("weights must be a scalar or a 1-D list")
    return w


def predict(genome: Genome, weights, split: str = "test") -> np.ndarray:
    """(K, N) int8 predicted digits of every image of ``split`` for shared weights (K,)."""
    _, inputs, _ = load_mnist(split)
    return evaluator(genome).predict(inputs, _weights(weights))


def accuracy_of(pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(K,) accuracy of predictions (K, N) against labels (N,)."""
    return (np.asarray(pred) == np.asarray(labels)[None, :]).mean(axis=1)


def per_digit_of(pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(K, 10) accuracy on the images of each true digit, from predictions (K, N)."""
    labels = np.asarray(labels)
    hits = np.asarray(pred) == labels[None, :]
    counts = np.bincount(labels, minlength=N_CLASSES)
    if hits.shape[0] == 0:
        return np.zeros((0, N_CLASSES))
    sums = np.stack([np.bincount(labels, weights=h, minlength=N_CLASSES) for h in hits])
    return sums / np.maximum(counts, 1)[None, :]


def confusion_of(pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(10, 10) int64 counts: row = true digit, column = predicted digit, from (N,) predictions."""
    flat = np.asarray(labels).astype(np.int64) * N_CLASSES + np.asarray(pred).astype(np.int64)
    return np.bincount(flat, minlength=N_CLASSES * N_CLASSES).reshape(N_CLASSES, N_CLASSES)


def vote(pred: np.ndarray) -> np.ndarray:
    """Ensemble vote: (K, N) predictions -> (N,) the digit with most votes (ties: lower digit)."""
    pred = np.asarray(pred).astype(np.int64)
    n = pred.shape[1]
    votes = np.zeros((n, N_CLASSES), np.int64)
    for row in pred:
        votes[np.arange(n), row] += 1
    return votes.argmax(axis=1)


def accuracy(genome: Genome, weights, split: str = "test") -> np.ndarray:
    """Accuracy over all images of ``split`` at each shared weight.

    Args:
        genome: an MNIST genome.
        weights: scalar or (K,) shared weights.
        split: ``"test"`` or ``"train"``.

    Returns:
        (K,) float64 in [0, 1].
    """
    _, _, labels = load_mnist(split)
    return accuracy_of(predict(genome, weights, split), labels)


def accuracy_profile(genome: Genome, weights, split: str = "test",
                     progress: Callable[[int, int], None] | None = None, chunk: int = 4) -> list[dict]:
    """Accuracy against the shared weight, a few weights at a time (for a progress bar).

    Args:
        weights: (K,) shared weights.

    Returns:
        ``[{"weight", "mean", "sd"}, ...]``: ``mean`` the accuracy over all images of
        ``split`` in [0, 1], ``sd`` the spread of the ten digits' accuracies.
    """
    w = _weights(weights)
    _, inputs, labels = load_mnist(split)
    ev = evaluator(genome)
    out: list[dict] = []
    for start in range(0, len(w), chunk):
        part = w[start:start + chunk]
        pred = ev.predict(inputs, part)
        for v, acc, digits in zip(part, accuracy_of(pred, labels), per_digit_of(pred, labels)):
            out.append({"weight": float(v), "mean": float(acc), "sd": _sd(digits)})
        if progress is not None:
            progress(len(out), len(w))
    return out


def per_digit_accuracy(genome: Genome, weights, split: str = "test") -> np.ndarray:
    """The article's "digit accuracy by weight".

    Returns:
        (K, 10) float64: entry [k, d] is the accuracy on images of digit d at weight k.
    """
    _, _, labels = load_mnist(split)
    return per_digit_of(predict(genome, weights, split), labels)


def confusion_matrix(genome: Genome, weight: float, split: str = "test") -> np.ndarray:
    """(10, 10) int64 counts at one shared weight: row = true digit, column = predicted."""
    _, _, labels = load_mnist(split)
    return confusion_of(predict(genome, float(weight), split)[0], labels)


def ensemble_predictions(genome: Genome, weights=SEARCH_WEIGHTS, split: str = "test") -> np.ndarray:
    """(N,) the ensemble's digit: each weight votes for its argmax, most votes wins."""
    return vote(predict(genome, weights, split))


def ensemble_accuracy(genome: Genome, weights=SEARCH_WEIGHTS, split: str = "test") -> float:
    """Accuracy of the weight ensemble (ties between digits go to the lower digit)."""
    _, _, labels = load_mnist(split)
    return float((ensemble_predictions(genome, weights, split) == labels).mean())


def tuned_weight(genome: Genome, grid=PROFILE_WEIGHTS) -> dict:
    """The best shared weight on the training set, reported on the test set.

    Args:
        genome: an MNIST genome.
        grid: (G,) candidate weights (default -2 .. 2 in steps of 0.1); ties
            go to the first in the grid.

    Returns:
        ``{"weight", "train_accuracy", "test_accuracy"}``.
    """
    w = _weights(grid)
    train = accuracy(genome, w, "train")
    best = int(np.argmax(train))
    return {"weight": float(w[best]), "train_accuracy": float(train[best]),
            "test_accuracy": float(accuracy(genome, w[best], "test")[0])}


# ----- the evaluate command ------------------------------------------------------

def _sd(values: np.ndarray) -> float:
    return float(np.std(values)) if np.size(values) > 1 else 0.0


def tuning_candidates(profile_weights: np.ndarray) -> np.ndarray:
    """Weights tried for the tuned shared weight, as for the control tasks:
    the profile weights strictly inside (-2, 2) (all of them if none is)."""
    w = np.asarray(profile_weights, dtype=np.float64)
    inside = w[(w > WEIGHT_RANGE[0]) & (w < WEIGHT_RANGE[1])]
    return inside if inside.size else w


def evaluate_conditions(genome: Genome, weights: Sequence[float] | None = None, seed: int = 0,
                        progress: Callable[[int, int], None] | None = None, *,
                        n_random: int = N_RANDOM) -> dict:
    """The paper's four conditions, an ensemble and a profile, on the test set.

    Args:
        genome: an MNIST genome.
        weights: profile weights (default -2 .. 2 in steps of 0.1); the
            genome's ``best_shared_weight`` is added when it lies inside (-2, 2).
            The tuned shared weight is the best of the profile weights strictly
            inside (-2, 2) on the 60,000 training images, reported on the test set.
        seed: seeds the random conditions (``np.random.default_rng(seed)``:
            per-connection draws first, then the shared draws).
        progress: called as ``progress(done, total)`` after each of 6 stages.
        n_random: draws for each of the two random conditions.

    Returns:
        ``{"conditions": {"random_weights", "random_shared_weight",
        "tuned_shared_weight" (also "weight" and "train_accuracy"),
        "tuned_weights" ({"mean": None, "sd": None} without tuned weights),
        "ensemble" (also "weights")}, "profile": [{"weight", "mean", "sd"}],
        "digit_accuracy": {"weights", "digits", "accuracy" (K x 10)}}``.
        ``mean`` is test accuracy in [0, 1]; ``sd`` as in the module docstring.
    """
    w_list = [float(v) for v in (PROFILE_WEIGHTS if weights is None else weights)]
    best_known = genome.best_shared_weight
    if best_known is not None and WEIGHT_RANGE[0] < best_known < WEIGHT_RANGE[1] \
            and not any(np.isclose(best_known, w_list)):
        w_list.append(float(best_known))
    profile_w = np.array(sorted(w_list), dtype=np.float64)
    if profile_w.size == 0:
        raise ValueError("give at least one weight to sweep")
    n_random = int(n_random)
    if n_random < 1:
        raise ValueError("n_random must be at least 1")
    rng = np.random.default_rng(int(seed))
    conn_draws = rng.uniform(*WEIGHT_RANGE, size=(n_random, genome.n_connections))
    shared_draws = rng.uniform(*WEIGHT_RANGE, size=n_random)
    _, test_x, test_y = load_mnist("test")
    ev = evaluator(genome)
    total, done = 6, 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    def one(pred_row: np.ndarray, **more) -> dict:
        digits = per_digit_of(pred_row[None], test_y)[0]
        return {"mean": float((pred_row == test_y).mean()), "sd": _sd(digits), **more}

    profile_pred = ev.predict(test_x, profile_w)
    profile_digits = per_digit_of(profile_pred, test_y)
    profile_acc = accuracy_of(profile_pred, test_y)
    tick()

    shared_acc = accuracy_of(ev.predict(test_x, shared_draws), test_y)
    tick()

    random_acc = accuracy_of(ev.predict(test_x, connection_weights=conn_draws), test_y)
    tick()

    tuned = tuned_weight(genome, tuning_candidates(profile_w))
    best = int(np.flatnonzero(profile_w == tuned["weight"])[0])
    tick()

    tuned_weights = {"mean": None, "sd": None}
    if genome.tuned_weights is not None:
        tuned_weights = one(ev.predict(test_x, connection_weights=genome.tuned_weights[None])[0])
    tick()

    ens_w = _weights(SEARCH_WEIGHTS)
    ensemble = one(vote(ev.predict(test_x, ens_w)), weights=[float(w) for w in ens_w])
    tick()

    return {
        "conditions": {
            "random_weights": {"mean": float(random_acc.mean()), "sd": _sd(random_acc)},
            "random_shared_weight": {"mean": float(shared_acc.mean()), "sd": _sd(shared_acc)},
            "tuned_shared_weight": one(profile_pred[best], weight=tuned["weight"],
                                       train_accuracy=tuned["train_accuracy"]),
            "tuned_weights": tuned_weights,
            "ensemble": ensemble,
        },
        "profile": [
            {"weight": float(w), "mean": float(a), "sd": _sd(d)}
            for w, a, d in zip(profile_w, profile_acc, profile_digits)
        ],
        "digit_accuracy": {
            "weights": [float(w) for w in profile_w],
            "digits": list(range(N_CLASSES)),
            "accuracy": profile_digits.tolist(),
        },
    }
