"""MNIST as the paper used it: 16x16 deskewed inputs, a task with one step.

The data and the paper's preprocessing are in :mod:`wann_viz.tasks.mnist_data`
(re-exported here). :class:`MnistTask` is the task interface for one step over
a batch of images; :func:`mnist_fitness` is the search-time fitness. Accuracy,
ensembles and confusion matrices are in :mod:`wann_viz.mnist_eval`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import mnist_eval
from ..nn import jit
from ..nn.images import predictions
from .base import Task
from .mnist_data import (  # noqa: F401  (re-exported: the data API lives with the task)
    ARRAY_SHA256,
    DATA_PATH,
    DESKEW_CENTRE,
    DESKEW_MIN_MU02,
    FITNESS_BATCH,
    IMAGE_SIZE,
    INPUT_SIDE,
    N_CLASSES,
    N_INPUTS,
    SPLIT_SIZES,
    SPLITS,
    array_sha256,
    check_split,
    deskew,
    load_mnist,
    preprocess,
    resize_bilinear,
    skew_of,
    training_batch,
)
from .registry import get_spec

# ----- search-time fitness ------------------------------------------------------

def log_softmax(outputs: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis (shift by the max for stability). Same shape."""
    z = np.asarray(outputs, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = z - z.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def mnist_fitness(outputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Search-time fitness: minus the mean cross-entropy of softmax(outputs).

    Args:
        outputs: (K, B, 10) raw network outputs (K weights, B images), or (B, 10).
        labels: (B,) int digits.

    Returns:
        (K,) float64 (a scalar array for 2-D outputs); higher is better, 0 is
        perfect. A weight whose outputs give a non-finite loss (inf or nan
        outputs) scores ``-inf`` so that ranking never sees nan.
    """
    out = np.asarray(outputs, dtype=np.float64)
    lab = np.asarray(labels).astype(np.int64)
    logp = log_softmax(out)
    picked = np.take_along_axis(logp, np.broadcast_to(lab[:, None], logp.shape[:-1] + (1,)), axis=-1)[..., 0]
    fit = picked.mean(axis=-1)
    return np.where(np.isfinite(fit), fit, -np.inf)


# ----- the task ------------------------------------------------------------------

@dataclass
class MnistState:
    """One batch of images being classified.

    Attributes:
        indices: (B,) int64 image indices into the split.
        labels: (B,) int64 true digits.
        predicted: (B,) int64 predicted digits, -1 before the step.
        done: (B,) bool.
    """

    indices: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
    done: np.ndarray


class MnistTask(Task):
    """MNIST as a task with one step: classify one image per episode.

    Description: the paper's MNIST, 16x16 deskewed inputs (see :mod:`wann_viz.tasks.mnist_data`).
    Observation: (256,) pixels of the 16x16 input in [0, 1], row-major.
    Action: (10,) one score per digit; the prediction is their argmax (nan never
    wins, ties go to the lower digit).
    Reward: 1 for a right digit, 0 otherwise.
    Start: episode ``b`` shows image ``seed % N`` of the split (seeds ``0 .. N-1``
    walk the split in order; a seed picks the same image every time).
    Episode end: after the one step.
    Differences from the paper's version: the resize and deskew are numpy
    re-implementations (values within the third decimal of an OpenCV pipeline).
    The search's fitness is minus the cross-entropy over a batch of training
    images (:meth:`population_fitness`), and ``evaluate`` scores test accuracy
    (:meth:`conditions`), as in the paper.

    Args:
        split: ``"test"`` or ``"train"``.
        max_steps: accepted for the common interface; an episode is always one step.
    """

    spec = get_spec("mnist")

    def __init__(self, split: str = "test", max_steps: int | None = None):
        super().__init__(max_steps)
        self.split = check_split(split)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not DATA_PATH.is_file():
            return (f"the MNIST data file {DATA_PATH} is missing; build it with "
                    "'python scripts/build_mnist_data.py FOLDER_WITH_IDX_GZ_FILES'")
        return None

    def _data(self):
        return load_mnist(self.split)

    def reset(self, seeds: Sequence[int]) -> tuple[MnistState, np.ndarray]:
        _, inputs, labels = self._data()
        idx = np.asarray(seeds, dtype=np.int64).reshape(-1) % inputs.shape[0]
        state = MnistState(idx, labels[idx], np.full(idx.shape, -1, np.int64), np.zeros(idx.shape, bool))
        return state, inputs[idx].astype(np.float64)

    def step(self, state: MnistState, outputs: np.ndarray):
        out = np.asarray(outputs, dtype=np.float64)
        if out.shape != (state.indices.shape[0], N_CLASSES):
            raise ValueError(f"outputs must have shape ({state.indices.shape[0]}, 10), got {out.shape}")
        pred = predictions(out)
        fresh = ~state.done
        rewards = np.where(fresh, (pred == state.labels).astype(np.float64), 0.0)
        predicted = np.where(fresh, pred, state.predicted)
        new = MnistState(state.indices, state.labels, predicted, np.ones_like(state.done))
        _, inputs, _ = self._data()
        return new, inputs[state.indices].astype(np.float64), rewards, new.done.copy()

    def frame(self, state: MnistState, index: int) -> dict:
        """The episode's image index, label and (after the step) prediction."""
        pred = int(state.predicted[index])
        label = int(state.labels[index])
        return {
            "index": int(state.indices[index]),
            "label": label,
            "predicted": pred if pred >= 0 else None,
            "correct": (pred == label) if pred >= 0 else None,
        }

    def scene(self, state: MnistState, index: int) -> dict:
        """The episode's constant picture: the 28x28 image (uint8 rows) and
        the 16x16 network input (rows, 4 decimals)."""
        images, inputs, _ = self._data()
        i = int(state.indices[index])
        return {
            "split": self.split,
            "index": i,
            "label": int(state.labels[index]),
            "image": images[i].tolist(),
            "input": np.round(inputs[i].reshape(INPUT_SIDE, INPUT_SIDE).astype(np.float64), 4).tolist(),
        }


    def profile(self, genome, weights, n_episodes, seed, progress) -> list[dict]:
        """Test accuracy at each weight (see :func:`wann_viz.mnist_eval.accuracy_profile`);
        ``n_episodes`` and ``seed`` are not used: every weight classifies all test images."""
        return mnist_eval.accuracy_profile(genome, weights, progress=progress)

    def supervised_data(self, split: str):
        """The 16x16 deskewed inputs (N, 256) and labels (N,) of ``split``."""
        _, inputs, labels = load_mnist(split)
        return inputs, labels

    def conditions(self, genome, weights, n_episodes, seed, progress) -> dict:
        """Test accuracy under the paper's conditions (``n_episodes`` is not used:
        every condition classifies all 10,000 test images)."""
        return evaluate_conditions(genome, weights, seed, progress)

    def population_fitness(self, genomes, weights, seeds, options) -> np.ndarray:
        """(n, K, E) minus the mean cross-entropy over ``options["batch_size"]``
        training images per seed (default 1,000, the paper's).

        The whole population runs in one compiled call per batch
        (:func:`wann_viz.nn.jit.population_fitness`), which sums the pixel part
        of every node once and reuses it for all K weights.
        """
        batch_size = int((options or {}).get("batch_size") or FITNESS_BATCH)
        w = np.asarray(weights, float)
        seeds = np.asarray(seeds, np.int64)
        out = np.empty((len(genomes), len(w), len(seeds)))
        for j, seed in enumerate(seeds.tolist()):
            inputs, labels = training_batch(int(seed), batch_size)
            out[:, :, j] = jit.population_fitness(genomes, inputs, labels, w)
        return out


def evaluate_conditions(genome, weights=None, seed: int = 0, progress=None, **kwargs) -> dict:
    """``python -m wann_viz evaluate`` for MNIST; see :func:`wann_viz.mnist_eval.evaluate_conditions`."""
    return mnist_eval.evaluate_conditions(genome, weights, seed, progress, **kwargs)
