"""MNIST data as the paper used it: the two splits and the 16x16 deskewed inputs.

Data: ``data/mnist.npz`` in the project (built by
``scripts/build_mnist_data.py``; provenance and licence in ``data/README.md``)
holds the original 28x28 uint8 images and labels of both splits. The 16x16
network inputs are computed on first use and cached in memory per process
(read-only arrays; about 0.3 s for both splits).

Preprocessing (the paper's, implemented with numpy only; no OpenCV):

1. pixels / 255;
2. resize 28x28 -> 16x16, bilinear in OpenCV's ``INTER_LINEAR`` convention:
   output pixel ``i`` samples the input at ``(i + 0.5) * 28 / 16 - 0.5`` from
   its two neighbours, no anti-aliasing (Pillow's ``resize`` would blur with a
   wider filter when shrinking; its affine ``transform`` with bilinear
   resampling gives the same numbers as ours and is used as a check in the tests);
3. deskew the 16x16 image: with ``(x, y) = (column, row)`` and central image
   moments ``mu11``, ``mu02``, ``skew = mu11 / mu02`` (image left unchanged if
   ``|mu02| < 0.01``); ``out(y, x) = in(y, x + skew * (y - 8))``, bilinear along
   the row, zero outside the image. That is the inverse affine map
   ``[[1, skew, -8 skew], [0, 1, 0]]``: a bar leaning by ``skew`` columns per
   row comes out vertical;
4. flatten row-major to 256 values, float32.

Interpolation weights are exact (OpenCV quantizes sample positions to 1/32
pixel), so values can differ from an OpenCV pipeline in the third decimal;
the result here is deterministic.

:class:`wann_viz.tasks.mnist.MnistTask` is the task built on this data;
accuracy, ensembles and confusion matrices are in :mod:`wann_viz.mnist_eval`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

DATA_PATH = Path(__file__).resolve().parents[2] / "data" / "mnist.npz"
SPLITS = ("train", "test")
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IMAGE_SIZE = 28
INPUT_SIDE = 16
N_INPUTS = INPUT_SIDE * INPUT_SIDE
N_CLASSES = 10
DESKEW_MIN_MU02 = 0.01
DESKEW_CENTRE = 8.0  # the paper's map uses 8, not the pixel-centre 7.5
FITNESS_BATCH = 1000

# sha256 of each array's C-order bytes in data/mnist.npz (also in data/README.md).
ARRAY_SHA256 = {
    "train_images": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "train_labels": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "test_images": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "test_labels": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


# ----- data ----------------------------------------------------------------------

def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; use 'train' or 'test'")
    return split


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@functools.lru_cache(maxsize=2)
def _raw_split(split: str, path: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 28, 28) uint8, labels (N,) int64) of one split, read-only."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"MNIST data file {file} is missing; build it with "
            "'python scripts/build_mnist_data.py FOLDER_WITH_IDX_GZ_FILES'"
        )
    with np.load(file, allow_pickle=False) as archive:
        images = archive[f"{split}_images"]
        labels = archive[f"{split}_labels"]
    if images.shape != (SPLIT_SIZES[split], IMAGE_SIZE, IMAGE_SIZE) or images.dtype != np.uint8:
        raise ValueError(f"{file}: {split}_images has shape {images.shape} {images.dtype}")
    if labels.shape != (images.shape[0],) or labels.max() >= N_CLASSES:
        raise ValueError(f"{file}: {split}_labels do not match the images")
    return _readonly(images), _readonly(labels.astype(np.int64))


@functools.lru_cache(maxsize=2)
def _inputs_split(split: str, path: str) -> np.ndarray:
    images, _ = _raw_split(split, path)
    return _readonly(preprocess(images))


def load_mnist(split: str = "test", path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One split of MNIST, without network access.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        path: the ``.npz`` file; default ``data/mnist.npz`` of the project.

    Returns:
        ``(images (N, 28, 28) uint8, inputs (N, 256) float32, labels (N,) int64)``,
        in the original MNIST order. The arrays are shared and read-only.
    """
    split = check_split(split)
    key = str(Path(path) if path is not None else DATA_PATH)
    images, labels = _raw_split(split, key)
    return images, _inputs_split(split, key), labels


def array_sha256(array: np.ndarray) -> str:
    """sha256 of an array's C-order bytes, as recorded in :data:`ARRAY_SHA256`."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


# ----- preprocessing -------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _resize_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) bilinear sampling matrix in OpenCV's half-pixel convention."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0.0, n_in - 1)  # replicate the border, as OpenCV does
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 2)
    frac = src - lo
    mat = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    mat[rows, lo] = 1.0 - frac
    mat[rows, lo + 1] += frac
    return _readonly(mat)


def resize_bilinear(images: np.ndarray, side: int = INPUT_SIDE) -> np.ndarray:
    """Bilinear resize of square images (OpenCV ``INTER_LINEAR`` convention).

    Args:
        images: (N, H, H) or (H, H) float.
        side: output side.

    Returns:
        (N, side, side) (or (side, side)) float64.
    """
    x = np.asarray(images, dtype=np.float64)
    single = x.ndim == 2
    if single:
        x = x[None]
    n, h, w = x.shape
    if h != w:
        raise ValueError(f"images must be square, got {h}x{w}")
    mat_t = _resize_matrix(side, w).T  # (w, side)
    # Separable, as two plain 2-D matmuls (much faster than a batched 3-D matmul):
    # columns first, then rows via a transpose.
    cols = (x.reshape(n * h, w) @ mat_t).reshape(n, h, side)
    rows = (cols.transpose(0, 2, 1).reshape(n * side, h) @ mat_t).reshape(n, side, side)
    out = rows.transpose(0, 2, 1)
    return out[0] if single else np.ascontiguousarray(out)


def skew_of(images: np.ndarray) -> np.ndarray:
    """Horizontal skew ``mu11 / mu02`` per image (0 where ``|mu02| < 0.01``).

    Args:
        images: (N, H, W) float, (x, y) = (column, row).

    Returns:
        (N,) float64 columns of shift per row.
    """
    x = np.asarray(images, dtype=np.float64)
    h, w = x.shape[-2:]
    ys = np.arange(h, dtype=np.float64)
    xs = np.arange(w, dtype=np.float64)
    m00 = x.sum(axis=(-2, -1))
    safe = np.where(m00 != 0, m00, 1.0)
    row_mass = x.sum(axis=-1)  # (N, H)
    col_mass = x.sum(axis=-2)  # (N, W)
    yc = (row_mass @ ys) / safe
    xc = (col_mass @ xs) / safe
    # Central moments from raw ones: mu02 = m02 - yc m01, mu11 = m11 - xc m01.
    m01 = row_mass @ ys
    m02 = row_mass @ (ys * ys)
    m11 = x.reshape(x.shape[:-2] + (h * w,)) @ np.outer(ys, xs).reshape(h * w)
    mu02 = m02 - yc * m01
    mu11 = m11 - xc * m01
    flat = np.abs(mu02) < DESKEW_MIN_MU02
    return np.where(flat, 0.0, mu11 / np.where(flat, 1.0, mu02))


def deskew(images: np.ndarray) -> np.ndarray:
    """The paper's deskew, ``out(y, x) = in(y, x + skew * (y - 8))``.

    Bilinear along each row (sample rows are whole numbers), zero outside
    the image; images with ``|mu02| < 0.01`` come back unchanged.

    Args:
        images: (N, H, W) float.

    Returns:
        (N, H, W) float64.
    """
    x = np.asarray(images, dtype=np.float64)
    n, h, w = x.shape
    skew = skew_of(x)
    # Each row moves by one amount t = skew * (y - 8): an integer part k and a
    # blend f shared by the whole row, read from a zero-padded copy.
    shift = skew[:, None] * (np.arange(h, dtype=np.float64)[None, :] - DESKEW_CENTRE)  # (N, H)
    k = np.floor(shift)
    f = (shift - k)[:, :, None]
    k = np.clip(k, -w - 1, w).astype(np.int64)  # beyond that everything reads zeros anyway
    pad = w + 1
    padded = np.zeros((n, h, w + 2 * pad + 1))
    padded[:, :, pad: pad + w] = x
    stride = padded.shape[2]
    base = (np.arange(n * h, dtype=np.int64) * stride).reshape(n, h) + pad + k  # (N, H)
    idx = base[:, :, None] + np.arange(w, dtype=np.int64)[None, None, :]
    flat = padded.reshape(-1)
    # With skew 0, f is 0 and this is an exact copy.
    return (1.0 - f) * flat[idx] + f * flat[idx + 1]


def preprocess(images: np.ndarray, chunk: int = 10_000) -> np.ndarray:
    """The paper's MNIST preprocessing (see the module docstring).

    Args:
        images: (N, 28, 28) uint8 (or one (28, 28) image).
        chunk: images per block, to bound temporary memory.

    Returns:
        (N, 256) float32 in [0, 1] (or (256,) for one image), row-major 16x16.
    """
    arr = np.asarray(images)
    single = arr.ndim == 2
    if single:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images must have shape (N, 28, 28), got {np.shape(images)}")
    out = np.empty((arr.shape[0], N_INPUTS), np.float32)
    for start in range(0, arr.shape[0], chunk):
        block = arr[start: start + chunk].astype(np.float64) / 255.0
        small = deskew(resize_bilinear(block, INPUT_SIDE))
        out[start: start + chunk] = small.reshape(small.shape[0], N_INPUTS)
    return out[0] if single else out


# ----- search-time fitness ------------------------------------------------------

def training_batch(seed: int | np.random.Generator, size: int = FITNESS_BATCH) -> tuple[np.ndarray, np.ndarray]:
    """Random training images for search-time fitness (without replacement).

    Args:
        seed: int seed or a numpy Generator (then it is advanced).
        size: number of images (the paper: 1000).

    Returns:
        ``(inputs (size, 256) float32, labels (size,) int64)``.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    _, inputs, labels = load_mnist("train")
    idx = np.sort(rng.choice(inputs.shape[0], size=size, replace=False))
    return inputs[idx], labels[idx]
