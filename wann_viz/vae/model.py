"""The CarRacing VAE's forward pass in numpy (World Models' architecture, the paper's VAE).

Architecture (reference README, "CarRacing and the VAE"): input 64 x 64 x 3
in [0, 1]; encoder of four 4x4 convolutions, stride 2, no padding, ReLU, with
32, 64, 128, 256 channels (64 -> 31 -> 14 -> 6 -> 2), flattened row-major
(height, width, channel) to 1024, then dense layers of 16 for mu and
log-variance. Decoder: dense 1024, reshape 1 x 1 x 1024, transposed
convolutions 128 (5x5), 64 (5x5), 32 (6x6) with ReLU and 3 (6x6) with
sigmoid, stride 2 (1 -> 5 -> 13 -> 30 -> 64).

Parameters are a dict of float arrays in TensorFlow layouts, the layouts of
the authors' ``vae_16.json``: convolution kernels (height, width, in, out),
transposed-convolution kernels (height, width, out, in), dense kernels
(in, out). The racer reads ``mu`` (not a sample). No dash, plotly or torch
here: the app and the tests encode with this module alone.
"""

from __future__ import annotations

import numpy as np

LATENT = 16
IMAGE = 64
# A BLAS matrix product computes a row the same way wherever it sits, except in the ragged
# last tile and in the small-matrix and matrix-vector paths; rows padded per image to a
# multiple of 16 (the widest row tile of x86 kernels), and dense layers without BLAS,
# keep an image's code independent of its batch
# (the task interface's rule: an episode does not depend on the other episodes).
ROW_ALIGN = 16
# (name, kernel shape, bias length), in the order of the authors' file.
PARAMETERS = (
    ("enc_conv1", (4, 4, 3, 32), 32),
    ("enc_conv2", (4, 4, 32, 64), 64),
    ("enc_conv3", (4, 4, 64, 128), 128),
    ("enc_conv4", (4, 4, 128, 256), 256),
    ("enc_fc_mu", (1024, LATENT), LATENT),
    ("enc_fc_log_var", (1024, LATENT), LATENT),
    ("dec_fc", (LATENT, 1024), 1024),
    ("dec_deconv1", (5, 5, 128, 1024), 128),
    ("dec_deconv2", (5, 5, 64, 128), 64),
    ("dec_deconv3", (6, 6, 32, 64), 32),
    ("dec_deconv4", (6, 6, 3, 32), 3),
)
ENCODER = tuple(p[0] for p in PARAMETERS[:6])


def random_params(seed: int = 0, scale: float = 0.05, encoder_only: bool = False) -> dict:
    """Random float32 parameters of the architecture (normal, sd ``scale``), for tests and benchmarks:
    a trained VAE costs the same. ``{"enc_conv1/kernel": (4, 4, 3, 32), ...}``; the encoder's six
    layers only with ``encoder_only`` (the same draws as the first six of the full set)."""
    rng = np.random.default_rng(seed)
    layers = PARAMETERS[:len(ENCODER)] if encoder_only else PARAMETERS
    return {f"{name}/{suffix}": rng.normal(0, scale, shape).astype(np.float32)
            for name, kernel, bias in layers
            for suffix, shape in (("kernel", kernel), ("bias", (bias,)))}


def check_parameters(params: dict, need=tuple(p[0] for p in PARAMETERS)) -> None:
    """Raise ValueError naming the first missing or mis-shaped parameter."""
    shapes = {name: (kernel, bias) for name, kernel, bias in PARAMETERS}
    for name in need:
        kernel, bias = shapes[name]
        for suffix, shape in (("kernel", kernel), ("bias", (bias,))):
            key = f"{name}/{suffix}"
            if key not in params:
                raise ValueError(f"the VAE has no {key}")
            got = np.shape(params[key])
            if tuple(got) != tuple(shape):
                raise ValueError(f"the VAE's {key} has shape {tuple(got)}, expected {tuple(shape)}")
            if not np.all(np.isfinite(params[key])):
                raise ValueError(f"the VAE's {key} holds values that are not finite")


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int = 2) -> np.ndarray:
    """Valid (no padding) convolution.

    Args:
        x: (N, H, W, C_in); kernel: (k, k, C_in, C_out); bias: (C_out,).

    Returns:
        (N, H', W', C_out) with H' = (H - k) // stride + 1.
    """
    k = kernel.shape[0]
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    # win: (N, H', W', C_in, kh, kw); the kernel is reordered to match, so one copy makes the columns.
    n, ho, wo = win.shape[:3]
    rows = ho * wo
    # Each image's rows start at a multiple of ROW_ALIGN (zero rows between), so the matrix
    # product gives an image the same bits whatever else is in the batch (see ROW_ALIGN).
    padded = -(-rows // ROW_ALIGN) * ROW_ALIGN
    cols = np.zeros((n, padded, win.shape[3] * k * k), x.dtype)
    cols[:, :rows] = win.reshape(n, rows, cols.shape[2])
    w = kernel.transpose(2, 0, 1, 3).reshape(cols.shape[2], -1).astype(x.dtype, copy=False)
    c_out = w.shape[1]
    out = (cols.reshape(n * padded, cols.shape[2]) @ w).reshape(n, padded, c_out)[:, :rows]
    out += bias
    return out.reshape(n, ho, wo, c_out)


def deconv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int = 2) -> np.ndarray:
    """Transposed convolution with 'valid' padding (TensorFlow's conv2d_transpose).

    Args:
        x: (N, H, W, C_in); kernel: (k, k, C_out, C_in); bias: (C_out,).

    Returns:
        (N, (H - 1) * stride + k, same for W, C_out).
    """
    n, h, w, _ = x.shape
    k, c_out = kernel.shape[0], kernel.shape[2]
    ho, wo = (h - 1) * stride + k, (w - 1) * stride + k
    # Each input pixel adds kernel x value into a k x k patch of the output.
    patches = np.einsum("nhwi,abpi->nhwabp", x, kernel)  # (N, H, W, k, k, C_out)
    out = np.zeros((n, ho, wo, c_out))
    for a in range(k):
        for b in range(k):
            out[:, a: a + stride * h: stride, b: b + stride * w: stride] += patches[:, :, :, a, b]
    out += bias
    return out


def _dense(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(N, K) @ (K, M) one row at a time in numpy's own loop (no BLAS: no batch-dependent path)."""
    return np.einsum("nk,km->nm", x, kernel, optimize=False)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


class _OneBlasThread:
    """BLAS on one thread while any encode runs: these matrix products are small, and on a
    shared server (or beside a search's workers) extra BLAS threads only spin (threadpoolctl).

    The limit is process-wide, so overlapping encodes (a threaded server) share one: the first
    to enter sets it, the last to leave restores it.
    """

    def __init__(self):
        import threading

        self._lock = threading.Lock()
        self._users = 0
        self._limit = None
        self._controller = None

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()  # finds the loaded BLAS once
                self._limit = self._controller.limit(limits=1, user_api="blas")
            self._users += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._limit is not None:
                self._limit.restore_original_limits()
                self._limit = None
        return False


_ONE_BLAS_THREAD = _OneBlasThread()


def _one_blas_thread():
    return _ONE_BLAS_THREAD


def encode(params: dict, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latent mean and log-variance of a batch of frames.

    Args:
        params: the VAE's parameters (encoder part at least).
        images: (N, 64, 64, 3) or (64, 64, 3) floats in [0, 1].

    Returns:
        (mu, log_var), each (N, 16) float32 ((16,) for one image), computed in float32.
    """
    x = np.asarray(images, dtype=np.float32)  # float32: the shipped weights are float16 anyway
    one = x.ndim == 3
    if one:
        x = x[None]
    if x.shape[1:] != (IMAGE, IMAGE, 3):
        raise ValueError(f"frames must be 64 x 64 x 3, got {x.shape[1:]}")
    f32 = np.float32
    with _one_blas_thread():
        for i in range(1, 5):
            x = _relu(conv2d(x, params[f"enc_conv{i}/kernel"], params[f"enc_conv{i}/bias"].astype(f32)))
        flat = x.reshape(x.shape[0], 1024)  # row-major (height, width, channel), as the authors' flatten
        mu = _dense(flat, params["enc_fc_mu/kernel"].astype(f32)) + params["enc_fc_mu/bias"].astype(f32)
        log_var = _dense(flat, params["enc_fc_log_var/kernel"].astype(f32)) + params["enc_fc_log_var/bias"].astype(f32)
    return (mu[0], log_var[0]) if one else (mu, log_var)


def decode(params: dict, latents: np.ndarray) -> np.ndarray:
    """Frames from latent codes.

    Args:
        latents: (N, 16) or (16,).

    Returns:
        (N, 64, 64, 3) float64 in [0, 1] ((64, 64, 3) for one code).
    """
    z = np.asarray(latents, dtype=np.float64)
    one = z.ndim == 1
    if one:
        z = z[None]
    x = (z @ params["dec_fc/kernel"] + params["dec_fc/bias"]).reshape(-1, 1, 1, 1024)
    for i in range(1, 4):
        x = _relu(deconv2d(x, params[f"dec_deconv{i}/kernel"], params[f"dec_deconv{i}/bias"]))
    x = deconv2d(x, params["dec_deconv4/kernel"], params["dec_deconv4/bias"])
    x = 1.0 / (1.0 + np.exp(-x))
    return x[0] if one else x
