"""From CarRacing's 96 x 96 x 3 observation to the VAE's 64 x 64 x 3 input in [0, 1].

Two pipelines, named in a VAE file's meta:

* ``"authors"``: the authors' (reference README): the top 84 rows, divided by
  255, resized to 64 x 64 by the old ``scipy.misc.imresize`` (which first
  rescales the array's own min..max to 0..255 as uint8, then resizes with PIL
  bilinear), then ``((1.0 - v) * 255).round().astype(uint8)`` of that uint8
  array ``v``, which on x86 numpy wraps to ``v - 1`` (0 becoming 255), then
  divided by 255. Reproduced step by step here, the wrap included, because
  their VAE was trained on exactly those numbers.
* ``"wann"``: this project's VAE: the top 84 rows resized to 64 x 64 with PIL
  bilinear, divided by 255.

Each takes (96, 96, 3) uint8 or a batch (N, 96, 96, 3) and returns (..., 64, 64, 3) float32.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

CROP_ROWS = 84  # the bottom 12 rows are the indicator bar
SIZE = 64


def _resize(u8: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(u8).resize((SIZE, SIZE), Image.BILINEAR))


def _bytescale(x: np.ndarray) -> np.ndarray:
    """scipy's bytescale: the array's own min..max to 0..255, rounded, as uint8."""
    lo, hi = float(x.min()), float(x.max())
    scale = 255.0 / ((hi - lo) or 1.0)
    return (np.clip((x - lo) * scale, 0.0, 255.0) + 0.5).astype(np.uint8)


def authors_frame(obs: np.ndarray) -> np.ndarray:
    """One observation through the authors' pipeline: (96, 96, 3) uint8 -> (64, 64, 3) float32."""
    x = np.asarray(obs)[:CROP_ROWS].astype(np.float64) / 255.0
    v = _resize(_bytescale(x)).astype(np.int64)
    wrapped = (v - 1) % 256  # ((1.0 - v) * 255).round().astype(uint8), which wraps on x86
    return (wrapped / 255.0).astype(np.float32)


def wann_frame(obs: np.ndarray) -> np.ndarray:
    """One observation through this project's pipeline: (96, 96, 3) uint8 -> (64, 64, 3) float32."""
    return (_resize(np.ascontiguousarray(np.asarray(obs, np.uint8)[:CROP_ROWS])) / np.float32(255.0)).astype(np.float32)


PIPELINES = {"authors": authors_frame, "wann": wann_frame}


def prepare(obs: np.ndarray, pipeline: str = "wann") -> np.ndarray:
    """(96, 96, 3) or (N, 96, 96, 3) uint8 observations -> (..., 64, 64, 3) float32 VAE inputs."""
    try:
        fn = PIPELINES[pipeline]
    except KeyError:
        raise ValueError(f"unknown frame pipeline {pipeline!r}; known: {', '.join(PIPELINES)}") from None
    obs = np.asarray(obs)
    if obs.ndim == 3:
        return fn(obs)
    return np.stack([fn(o) for o in obs]) if len(obs) else np.zeros((0, SIZE, SIZE, 3), np.float32)
