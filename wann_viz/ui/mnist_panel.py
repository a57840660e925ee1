"""What the MNIST panel shows, computed: accuracy, the digit-by-weight grid, single images.

Pure Python (no dash/plotly): :mod:`wann_viz.ui.callbacks_mnist` calls these
functions and the tests call them directly. Everything is computed with
:mod:`wann_viz.mnist_eval` on the 10,000 test images.

Caches are shared by all users and keyed by content only: a genome's
:func:`genome_digest` (its activations and wiring, which decide every
output) plus, where it matters, the weights. Nothing per user is kept here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import mnist_eval
from ..cache import results
from ..genome import Genome, genome_digest
from ..graph import trace_all_outputs
from ..nn.images import predictions
from ..tasks.mnist_data import INPUT_SIDE, N_CLASSES, N_INPUTS, SPLIT_SIZES, load_mnist
from ..tasks.registry import find_spec
from ..tasks.specs import DIGITS_PANEL
from .url_state import format_weight

ALL = "all"  # the digit selector's "All" choice
N_TEST = SPLIT_SIZES["test"]
ENSEMBLE_WEIGHTS = mnist_eval.SEARCH_WEIGHTS
PROFILE_WEIGHTS = mnist_eval.PROFILE_WEIGHTS
_INDEX_RE = re.compile(r"^\s*\+?(\d{1,12})\s*$")


class ImageIndexError(ValueError):
    """A test-image number that cannot be used; the message is shown as is."""


# ----- caches ----------------------------------------------------------------------
# Results go into the one result cache (wann_viz.cache.results), keyed by the genome's digest:
# ("mnist-profile", digest) -> Profile, ("mnist-ensemble", digest) -> float,
# ("mnist-predictions", digest, weights key) -> (N,) int8, ("mnist-masks", digest) -> (10, 256) bool.
_NAMESPACES = ("mnist-profile", "mnist-ensemble", "mnist-predictions", "mnist-masks", "mnist-digit-means")


def clear_caches() -> None:
    """Forget every cached result (tests and benchmarks)."""
    for namespace in _NAMESPACES:
        results.clear(namespace)


def is_mnist(genome: Genome) -> bool:
    """Whether the panel can show ``genome``: a digits-panel task with 256 inputs and 10 outputs."""
    spec = find_spec(genome.task)
    return (spec is not None and spec.panel == DIGITS_PANEL
            and genome.n_in == N_INPUTS and genome.n_out == N_CLASSES)


# ----- weights ---------------------------------------------------------------------

@dataclass(frozen=True)
class WeightSetting:
    """The weights the panel evaluates: one shared weight, or one weight per connection.

    Attributes:
        shared: the shared weight (also kept when per-connection weights are in use).
        connection: (C,) per-connection weights, or ``None`` in shared-weight mode.
        description: words for the page, e.g. ``"weight -1.5"`` or ``"the tuned weights"``.
        key: cache key of these weights.
    """

    shared: float
    connection: np.ndarray | None
    description: str
    key: str


def weight_setting(genome: Genome, request: dict) -> WeightSetting:
    """The weights of a checked episode request (see :func:`wann_viz.ui.episodes.normalize_request`)."""
    from .episodes import connection_weights  # the same rule the live tasks use

    w = float(request["weight"])
    cw = connection_weights(genome, request)
    if cw is None:
        return WeightSetting(w, None, f"weight {format_weight(w)}", f"w={format_weight(w)}")
    n_edits = len(request["edits"])
    if request["base"] == "tuned":
        text = "the tuned weights"
        if n_edits:
            text += f" ({n_edits} changed here)"
    else:
        text = (f"weight {format_weight(w)} with {n_edits} connection{'s' if n_edits != 1 else ''} "
                "set by hand")
    key = "c=" + hashlib.sha256(np.ascontiguousarray(cw, dtype="<f8").tobytes()).hexdigest()[:16]
    return WeightSetting(w, cw, text, key)


def shared_setting(weight: float) -> WeightSetting:
    """A plain shared-weight setting."""
    w = float(weight)
    return WeightSetting(w, None, f"weight {format_weight(w)}", f"w={format_weight(w)}")


# ----- whole test set --------------------------------------------------------------

def predicted_digits(genome: Genome, setting: WeightSetting) -> np.ndarray:
    """(10000,) int8 predicted digit of every test image at ``setting`` (cached, read-only)."""
    def compute():
        _, inputs, _ = load_mnist("test")
        ev = mnist_eval.evaluator(genome)
        if setting.connection is None:
            pred = ev.predict(inputs, np.array([setting.shared]))[0]
        else:
            pred = ev.predict(inputs, connection_weights=setting.connection[None])[0]
        pred = np.ascontiguousarray(pred)
        pred.setflags(write=False)
        return pred

    return results.get_or_compute(("mnist-predictions", genome_digest(genome), setting.key), compute)


@dataclass(frozen=True)
class Accuracy:
    """Test accuracy at one weight setting.

    Attributes:
        accuracy: fraction right, in [0, 1].
        right: number of test images classified right.
        total: number of test images (10,000).
    """

    accuracy: float
    right: int
    total: int


def accuracy_now(genome: Genome, setting: WeightSetting) -> Accuracy:
    """Accuracy on all 10,000 test images at ``setting`` (same as :func:`wann_viz.mnist_eval.accuracy`)."""
    _, _, labels = load_mnist("test")
    right = int(np.count_nonzero(predicted_digits(genome, setting) == labels))
    return Accuracy(right / labels.shape[0], right, int(labels.shape[0]))


def ensemble(genome: Genome) -> float:
    """Accuracy of the six-weight ensemble (``ENSEMBLE_WEIGHTS`` vote; cached per genome)."""
    return results.get_or_compute(("mnist-ensemble", genome_digest(genome)),
                   lambda: float(mnist_eval.ensemble_accuracy(genome, ENSEMBLE_WEIGHTS)))


@dataclass(frozen=True)
class Profile:
    """The article's "digit accuracy by weight".

    Attributes:
        weights: (K,) shared weights (-2 .. 2 in steps of 0.1).
        per_digit: (K, 10) accuracy on the test images of each true digit.
        overall: (K,) accuracy on all test images.
    """

    weights: np.ndarray
    per_digit: np.ndarray
    overall: np.ndarray


def profile(genome: Genome) -> Profile:
    """Per-digit and overall accuracy at 41 weights, one pass over the test set (~1 s; cached per genome)."""
    def compute():
        _, _, labels = load_mnist("test")
        w = np.array(PROFILE_WEIGHTS, dtype=np.float64)
        pred = mnist_eval.predict(genome, w)
        arrays = (w, mnist_eval.per_digit_of(pred, labels), mnist_eval.accuracy_of(pred, labels))
        for a in arrays:
            a.setflags(write=False)
        return Profile(*arrays)

    return results.get_or_compute(("mnist-profile", genome_digest(genome)), compute)


# ----- which pixels reach which digit ------------------------------------------------

def digit_masks(genome: Genome) -> np.ndarray:
    """(10, 256) bool: entry [d, p] says whether pixel ``p`` has a path to digit ``d``'s output."""
    def compute():
        _, masks = trace_all_outputs(genome)
        masks = np.ascontiguousarray(masks, dtype=bool)
        masks.setflags(write=False)
        return masks

    return results.get_or_compute(("mnist-masks", genome_digest(genome)), compute)


def digit_means() -> np.ndarray:
    """(10, 16, 16) float64: the mean network input of the test images of each digit (a faint backdrop)."""
    def compute():
        _, inputs, labels = load_mnist("test")
        means = np.stack([inputs[labels == d].mean(axis=0) for d in range(N_CLASSES)])
        means = means.reshape(N_CLASSES, INPUT_SIDE, INPUT_SIDE).astype(np.float64)
        means.setflags(write=False)
        return means

    return results.get_or_compute(("mnist-digit-means",), compute)


def parse_digit(value: Any) -> int | str | None:
    """The digit selector's value: ``0`` .. ``9``, :data:`ALL`, or ``None`` when it is neither."""
    if isinstance(value, bool):
        return None
    if value == ALL:
        return ALL
    if isinstance(value, int) and 0 <= value < N_CLASSES:
        return value
    if isinstance(value, str) and len(value) == 1 and value.isdigit():
        return int(value)
    return None


# ----- one test image ---------------------------------------------------------------

def parse_image_index(value: Any) -> int:
    """A test-image number from the page (a whole number 0 .. 9999, as a number or text).

    Raises:
        ImageIndexError: with the sentence to show.
    """
    bad = f"The test image number must be a whole number from 0 to {N_TEST - 1}"
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ImageIndexError(bad + ".")
    if isinstance(value, float):
        if not np.isfinite(value) or value != int(value):
            raise ImageIndexError(f"{bad}, not {value:g}.")
        value = int(value)
    if isinstance(value, str):
        match = _INDEX_RE.match(value)
        if match is None:
            shown = value.strip()
            shown = shown if len(shown) <= 20 else shown[:19] + "…"
            raise ImageIndexError(f"{bad}, not {shown!r}.")
        value = int(match.group(1))
    if not isinstance(value, int):
        raise ImageIndexError(bad + ".")
    if not 0 <= value < N_TEST:
        raise ImageIndexError(f"{bad}; there is no image {value}.")
    return value


@dataclass(frozen=True)
class ImageResult:
    """One test image through the network.

    Attributes:
        index: image number in the test split.
        image: (28, 28) uint8, the original image.
        inputs: (16, 16) float32 in [0, 1], the deskewed network input.
        label: the true digit.
        outputs: (10,) float64 raw network outputs.
        probabilities: (10,) softmax of the outputs, or ``None`` when the outputs are not numbers.
        predicted: the predicted digit (argmax; a nan output never wins).
    """

    index: int
    image: np.ndarray
    inputs: np.ndarray
    label: int
    outputs: np.ndarray
    probabilities: np.ndarray | None
    predicted: int


def softmax(outputs: np.ndarray) -> np.ndarray | None:
    """(10,) softmax of raw outputs (10,); ``nan`` outputs count as ``-inf``.

    Infinite outputs share the probability equally; ``None`` when no output is a usable number.
    """
    z = np.where(np.isnan(outputs), -np.inf, np.asarray(outputs, dtype=np.float64))
    if np.any(z == np.inf):
        top = (z == np.inf).astype(np.float64)
        return top / top.sum()
    if not np.any(np.isfinite(z)):
        return None
    with np.errstate(over="ignore"):  # z - max may overflow to -inf: exp gives 0, as it should
        e = np.exp(z - z.max())
    return e / e.sum()


def run_image(genome: Genome, index: int, setting: WeightSetting) -> ImageResult:
    """Test image ``index`` (checked by :func:`parse_image_index`) through the network at ``setting``."""
    images, inputs, labels = load_mnist("test")
    ev = mnist_eval.evaluator(genome)
    x = inputs[index: index + 1]
    if setting.connection is None:
        out = ev.outputs(x, setting.shared)[0, 0]
    else:
        out = ev.outputs(x, connection_weights=setting.connection)[0, 0]
    return ImageResult(index, images[index], inputs[index].reshape(INPUT_SIDE, INPUT_SIDE), int(labels[index]),
                       out, softmax(out), int(predictions(out)))


def next_mistake(genome: Genome, setting: WeightSetting, after: int) -> int | None:
    """The first test image after ``after`` (wrapping round) that the network gets wrong, or ``None``."""
    _, _, labels = load_mnist("test")
    wrong = np.flatnonzero(predicted_digits(genome, setting) != labels)
    if wrong.size == 0:
        return None
    later = wrong[wrong > after]
    return int(later[0] if later.size else wrong[0])
