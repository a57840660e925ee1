"""The activation table: id, name, formula, vectorized function and colour.

Ids follow the authors' code (reference README). Functions take and return
numpy arrays of any shape and may write into ``out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import math

import numpy as np


@dataclass(frozen=True)
class Activation:
    """One row of the table.

    Attributes:
        id: integer id used in genome files.
        name: short name shown in the UI.
        formula: f(x) in plain text.
        fn: vectorized numpy function ``fn(x, out=None) -> array`` (same shape as x).
        colour: hex colour for the network view.
        scalar: the same function on one Python float with ``math`` (fast path for
            single samples; agrees with ``fn`` to rounding).
        exact: the same function on one Python float giving, bit for bit, what ``fn``
            gives: the same operations in the same order, and numpy's own ``exp``
            and ``tanh``, which round differently from ``math``'s (numpy's are SIMD). Used by the
            single-episode fast path so that it replays the search's numbers exactly.
    """

    id: int
    name: str
    formula: str
    fn: Callable[..., np.ndarray]
    colour: str
    scalar: Callable[[float], float]
    exact: Callable[[float], float]


def _in_place(fn):
    """Let ``fn(x, out)`` also be called without ``out`` (and on scalars)."""

    def wrapped(x, out=None):
        if out is None:
            out = np.empty(np.shape(x))
        return fn(x, out)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


@_in_place
def _linear(x, out):
    out[...] = x
    return out


@_in_place
def _step(x, out):
    return np.greater(x, 0.0, out=out, casting="unsafe")


@_in_place
def _sin(x, out):
    out = np.multiply(x, np.pi, out=out)
    return np.sin(out, out=out)


@_in_place
def _gaussian(x, out):
    out = np.multiply(x, x, out=out)
    out *= -0.5
    return np.exp(out, out=out)


@_in_place
def _tanh(x, out):
    return np.tanh(x, out=out)


@_in_place
def _sigmoid(x, out):
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


@_in_place
def _inverse(x, out):
    return np.negative(x, out=out)


@_in_place
def _absolute(x, out):
    return np.absolute(x, out=out)


@_in_place
def _relu(x, out):
    return np.maximum(x, 0.0, out=out)


@_in_place
def _cosine(x, out):
    out = np.multiply(x, np.pi, out=out)
    return np.cos(out, out=out)


@_in_place
def _squared(x, out):
    return np.multiply(x, x, out=out)


# numpy's ufuncs on one Python float run the same inner loops as on arrays. numpy's float64
# sin and cos are the C library's, as Python's math are (tests/test_activations.py checks it).
_NP_EXP, _NP_TANH = np.exp, np.tanh
_PI = np.pi
_SIN, _COS = math.sin, math.cos


def _exact_sin(x: float) -> float:
    try:
        return _SIN(x * _PI)
    except ValueError:  # math refuses inf where numpy gives nan
        return math.nan


def _exact_gaussian(x: float) -> float:
    return float(_NP_EXP((x * x) * -0.5))


def _exact_tanh(x: float) -> float:
    return float(_NP_TANH(x))


def _exact_sigmoid(x: float) -> float:
    return (float(_NP_TANH(x * 0.5)) + 1.0) * 0.5


def _exact_relu(x: float) -> float:
    # np.maximum(x, 0.0): x when x > 0 or x is nan, else 0.0 (also for -0.0).
    return x if (x > 0.0 or x != x) else 0.0


def _exact_cosine(x: float) -> float:
    try:
        return _COS(x * _PI)
    except ValueError:
        return math.nan


# Colours: a qualitative palette readable on white and by most colour-blind viewers.
ACTIVATIONS: dict[int, Activation] = {
    a.id: a
    for a in (
        Activation(1, "linear", "x", _linear, "#9e9e9e", lambda x: x, lambda x: x),
        Activation(2, "step", "1 if x > 0 else 0", _step, "#e6194b", lambda x: 1.0 if x > 0.0 else 0.0,
                   lambda x: 1.0 if x > 0.0 else 0.0),
        Activation(3, "sin", "sin(pi x)", _sin, "#3cb44b", lambda x: math.sin(math.pi * x), _exact_sin),
        Activation(4, "gaussian", "exp(-x^2 / 2)", _gaussian, "#4363d8", lambda x: math.exp(-0.5 * (x * x)),
                   _exact_gaussian),
        Activation(5, "tanh", "tanh(x)", _tanh, "#f58231", math.tanh, _exact_tanh),
        Activation(6, "sigmoid", "(tanh(x/2) + 1) / 2", _sigmoid, "#911eb4",
                   lambda x: (math.tanh(x * 0.5) + 1.0) * 0.5, _exact_sigmoid),
        Activation(7, "inverse", "-x", _inverse, "#42d4f4", lambda x: -x, lambda x: -x),
        Activation(8, "absolute", "|x|", _absolute, "#f032e6", abs, abs),
        Activation(9, "relu", "max(0, x)", _relu, "#bfef45", lambda x: x if x > 0.0 else 0.0, _exact_relu),
        Activation(10, "cosine", "cos(pi x)", _cosine, "#469990", lambda x: math.cos(math.pi * x), _exact_cosine),
        Activation(11, "squared", "x^2", _squared, "#9a6324", lambda x: x * x, lambda x: x * x),
    )
}

ACTIVATION_IDS: tuple[int, ...] = tuple(sorted(ACTIVATIONS))
# Hidden-node activations the search may pick (all of the table).
HIDDEN_ACTIVATION_IDS: tuple[int, ...] = ACTIVATION_IDS


def get_activation(act_id: int) -> Activation:
    """Return the table row for ``act_id``; ``KeyError`` for unknown ids."""
    return ACTIVATIONS[int(act_id)]


def apply(act_id: int, x: np.ndarray) -> np.ndarray:
    """Apply activation ``act_id`` to ``x`` (any shape), returning a new array."""
    return ACTIVATIONS[int(act_id)].fn(np.asarray(x, dtype=float))


# Derivatives f'(x), for fine-tuning by gradient (wann_viz.tune_gradient). ``x``: pre-activation,
# ``y``: f(x), both arrays of one shape. Step is flat almost everywhere (its derivative is 0).
DERIVATIVES = {
    1: lambda x, y: np.ones_like(x),
    2: lambda x, y: np.zeros_like(x),
    3: lambda x, y: np.pi * np.cos(np.pi * x),
    4: lambda x, y: -x * y,
    5: lambda x, y: 1.0 - y * y,
    6: lambda x, y: y * (1.0 - y),
    7: lambda x, y: -np.ones_like(x),
    8: lambda x, y: np.sign(x),
    9: lambda x, y: (x > 0.0).astype(float),
    10: lambda x, y: -np.pi * np.sin(np.pi * x),
    11: lambda x, y: 2.0 * x,
}


def derivative(act_id: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f'(x) of activation ``act_id`` given x and y = f(x) (same shape)."""
    return DERIVATIVES[int(act_id)](x, y)
