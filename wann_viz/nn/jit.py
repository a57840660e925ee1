"""Compiled (numba) forward pass for many genomes over many images at shared weights.

The fast path of the MNIST search (:func:`population_fitness`) and of the
explorer's MNIST accuracy (:meth:`wann_viz.nn.ImagesNetwork.predict`). Like
every forward pass it starts from the genome's :class:`~wann_viz.nn.plan.Plan`:
computed nodes that reach an output, in topological order.

Where the time goes and why this layout:

* Most connections leave the 256 pixel inputs, and with one shared weight
  ``pre_j = w * (sum of bias/pixel sources + sum of hidden sources)``, so each
  node's pixel sum is formed once per image and reused for every weight
  (K = 6 in the search): the pixel part costs ``pixel connections x B`` adds,
  not ``x K x B`` multiply-adds.
* Node values are rows over a block of images (contiguous, small enough to
  stay in the core's cache), so each connection is one ``row += row`` loop
  that the compiler turns into SIMD code. No Python runs per node or genome.
* exp, tanh, sin and cos (the gaussian, tanh, sigmoid, sin and cos nodes
  and the softmax) use vectorizable formulas here (:func:`_exp_row`,
  :func:`_tanh_row`, :func:`_trig_row`, within a few ulps of numpy's): a
  compiled loop calling the C library runs 3 to 10 times slower than these.
  sin and cos take the same argument as numpy's ``sin(x * pi)`` and hand
  arguments beyond 2^19 (and nan, inf) to the C library, as numpy does.
* The fitness (minus the mean cross-entropy) or the prediction (argmax) is
  taken per image right after the outputs, so no (K, B, 10) array is stored.

A call with many genomes splits them into contiguous parts of about equal
work and runs the parts on threads (``_run`` releases the GIL): the search's
one MNIST worker uses every core without shipping genomes to other processes.
``WANN_THREADS`` sets the number (default: the usable cores; the search's pool
workers use 1 each). Each genome's arithmetic is the same however the
population is split, so the results are bit for bit those of one thread.

Outputs agree with the reference loop :func:`wann_viz.nn.naive_forward` at
finite weights (the same formulas, sum-then-scale over each node's real
sources, float64, no fast-math so nan and inf propagate) to rounding: the order of additions and the last bit of exp and tanh may differ
(tested to 1e-9 on random genomes). numba caches its machine code on disk
(``NUMBA_CACHE_DIR`` moves it), so a new process compiles once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from ..genome import Genome
from .plan import compile_plan

# Images per block: a node row is 2 KB, so a block's values stay in the core's cache.
BLOCK_IMAGES = 256
# Fewest genomes a thread gets: below it a thread costs more than it saves.
MIN_GENOMES_PER_THREAD = 8
# Modes of _run.
_FITNESS, _PREDICT, _OUTPUTS = 0, 1, 2
# exp: x = n ln2 + r, |r| <= ln2 / 2 (Cody and Waite's split of ln2), then a degree-13 Taylor polynomial.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634
# tanh below this |x| from expm1(2x) / (expm1(2x) + 2) (no cancellation), above from 1 - 2 / (e^2|x| + 1).
_TANH_SMALL = 0.35
# sin and cos: y = n pi/2 + r with pi/2 in three parts (fdlibm's), exact for |n| < 2^20.
_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_3 = 2.02226624871116645580e-21
_TRIG_LIMIT = 2.0 ** 19


class Flat:
    """One genome as index arrays (kept on the immutable genome by :func:`flatten`).

    Attributes:
        acts: (R,) int64 activation id of each computed row (rows in the plan's topological order).
        in_ptr: (R + 1,) int64; row r's bias/pixel sources are ``in_idx[in_ptr[r]:in_ptr[r+1]]``.
        in_idx: (I,) int64 column of each source in the (1 + n_in, B) input block (0 = bias).
        hid_ptr: (R + 1,) int64; row r's hidden sources are ``hid_idx[hid_ptr[r]:hid_ptr[r+1]]``.
        hid_idx: (H,) int64 row (in this genome) of each hidden source, at a smaller layer.
        out_rows: (n_out,) int64 row of each output node.
    """

    __slots__ = ("acts", "in_ptr", "in_idx", "hid_ptr", "hid_idx", "out_rows")

    def __init__(self, genome: Genome):
        plan = compile_plan(genome)
        n_in = genome.n_in
        order = plan.order
        computed = order[(order > n_in) & plan.useful[order]]
        n_rows = len(computed)
        row_of = np.full(genome.n_nodes, -1, np.int64)
        row_of[computed] = np.arange(n_rows)
        conns = genome.connections.astype(np.int64)
        src, dst = conns[:, 0], row_of[conns[:, 1]]
        keep = dst >= 0
        src, dst = src[keep], dst[keep]
        pixel = src <= n_in
        self.acts = genome.activations[computed].astype(np.int64)
        self.in_ptr, self.in_idx = _csr(dst[pixel], src[pixel], n_rows)
        self.hid_ptr, self.hid_idx = _csr(dst[~pixel], row_of[src[~pixel]], n_rows)
        self.out_rows = row_of[genome.output_nodes].astype(np.int64)

    @property
    def n_rows(self) -> int:
        return len(self.acts)


def _csr(rows: np.ndarray, values: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(ptr (n_rows + 1,), values grouped by row, in their original order within a row)."""
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return ptr, values[order].astype(np.int64)


def flatten(genome: Genome) -> Flat:
    """The genome's :class:`Flat` arrays (built once and kept on the genome)."""
    return genome.cached("jit_flat", Flat)


def _stack(flats: Sequence[Flat]) -> tuple:
    """Concatenate genomes' arrays: pointers become global, row indices stay per genome.

    Returns:
        (row_ptr (G + 1,), acts, in_ptr, in_idx, hid_ptr, hid_idx, out_rows (G, n_out)).
    """
    row_ptr = np.zeros(len(flats) + 1, np.int64)
    np.cumsum([f.n_rows for f in flats], out=row_ptr[1:])
    return (row_ptr, np.concatenate([f.acts for f in flats]),
            _cat_ptr([f.in_ptr for f in flats]), np.concatenate([f.in_idx for f in flats]),
            _cat_ptr([f.hid_ptr for f in flats]), np.concatenate([f.hid_idx for f in flats]),
            np.stack([f.out_rows for f in flats]))


def _cat_ptr(ptrs: Sequence[np.ndarray]) -> np.ndarray:
    parts, base = [np.zeros(1, np.int64)], 0
    for p in ptrs:
        parts.append(p[1:] + base)
        base += int(p[-1])
    return np.concatenate(parts)


# ----- vectorizable exp and tanh ---------------------------------------------------------

@numba.njit(inline="always", error_model="numpy")
def _exp_poly(r):
    """e^r for |r| <= ln2 / 2 (Taylor to degree 13: truncation below 1e-17)."""
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    return p * r + 1.0


@numba.njit(inline="always", error_model="numpy")
def _expm1_small(y):
    """e^y - 1 for |y| <= 0.7 without cancellation (Taylor to degree 18)."""
    p = 1.0 / 6402373705728000.0
    p = p * y + 1.0 / 355687428096000.0
    p = p * y + 1.0 / 20922789888000.0
    p = p * y + 1.0 / 1307674368000.0
    p = p * y + 1.0 / 87178291200.0
    p = p * y + 1.0 / 6227020800.0
    p = p * y + 1.0 / 479001600.0
    p = p * y + 1.0 / 39916800.0
    p = p * y + 1.0 / 3628800.0
    p = p * y + 1.0 / 362880.0
    p = p * y + 1.0 / 40320.0
    p = p * y + 1.0 / 5040.0
    p = p * y + 1.0 / 720.0
    p = p * y + 1.0 / 120.0
    p = p * y + 1.0 / 24.0
    p = p * y + 1.0 / 6.0
    p = p * y + 1.0 / 2.0
    p = p * y + 1.0
    return p * y


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _exp_row(x, out, poly, bits_a, bits_b):
    """out[i] = exp(x[i]) for one row; out may be x.

    poly (float64), bits_a, bits_b (int64): scratch rows of the same length. Each
    loop writes arrays it does not read, so the compiler's overlap check passes
    and the loops run as SIMD code even when out is x. 2^n is built from
    exponent bits in two halves, so that results near overflow and in the
    subnormal range come out right; nan stays nan, exp(inf) = inf, exp(-inf) = 0.
    """
    n = x.shape[0]
    for i in range(n):
        xi = x[i]
        xi = -746.0 if xi < -746.0 else xi
        xi = 710.0 if xi > 710.0 else xi
        nf = np.floor(xi * _LOG2E + 0.5)
        r = (xi - nf * _LN2_HI) - nf * _LN2_LO
        nf = nf if nf >= -1080.0 else -1080.0  # nan: any exponent, r carries the nan
        k = np.int64(nf)
        half = k >> 1
        poly[i] = _exp_poly(r)
        bits_a[i] = (half + 1023) << 52
        bits_b[i] = (k - half + 1023) << 52
    scale_a = bits_a.view(np.float64)
    scale_b = bits_b.view(np.float64)
    for i in range(n):
        out[i] = poly[i] * scale_a[i] * scale_b[i]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _tanh_row(v, big, poly, bits_a, bits_b):
    """v[i] = tanh(v[i]) in place; big, poly (float64), bits_a, bits_b (int64): scratch rows."""
    n = v.shape[0]
    for i in range(n):
        big[i] = 2.0 * abs(v[i])
    _exp_row(big, big, poly, bits_a, bits_b)
    for i in range(n):
        x = v[i]
        large = math.copysign(1.0 - 2.0 / (big[i] + 1.0), x)
        m = _expm1_small(2.0 * x)
        small = m / (m + 2.0)
        v[i] = small if abs(x) < _TANH_SMALL else large


@numba.njit(inline="always", error_model="numpy")
def _sin_kernel(r):
    """sin(r) for |r| <= pi / 4 (fdlibm's polynomial)."""
    z = r * r
    p = 1.58969099521155010221e-10
    p = p * z - 2.50507602534068634195e-08
    p = p * z + 2.75573137070700676789e-06
    p = p * z - 1.98412698298579493134e-04
    p = p * z + 8.33333333332248946124e-03
    p = p * z - 1.66666666666666324348e-01
    return r + r * z * p


@numba.njit(inline="always", error_model="numpy")
def _cos_kernel(r):
    """cos(r) for |r| <= pi / 4 (fdlibm's polynomial)."""
    z = r * r
    p = -1.13596475577881948265e-11
    p = p * z + 2.08757232129817482790e-09
    p = p * z - 2.75573143513906633035e-07
    p = p * z + 2.48015872894767294178e-05
    p = p * z - 1.38888888888741095749e-03
    p = p * z + 4.16666666666666019037e-02
    return (1.0 - 0.5 * z) + z * z * p


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _trig_row(v, cosine, quad):
    """v[i] = sin(pi v[i]) (or cos) in place, as numpy's sin(v * pi): the same product v * pi,
    reduced by pi / 2 in three parts (Cody and Waite) and a polynomial, in SIMD loops; arguments
    beyond 2^20 (and nan, inf) go to the C library, as numpy's would. quad: int64 scratch row."""
    n = v.shape[0]
    shift = 1 if cosine else 0
    n_big = 0
    for i in range(n):
        y = v[i] * np.pi
        ok = abs(y) <= _TRIG_LIMIT
        yc = y if ok else 0.0
        k = np.floor(yc * _TWO_OVER_PI + 0.5)
        r = ((yc - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
        q = np.int64(k) + shift
        s_ = _sin_kernel(r)
        c_ = _cos_kernel(r)
        out = c_ if (q & 1) == 1 else s_  # odd quadrants swap sin and cos
        out = -out if (q & 2) == 2 else out  # the lower half-turn flips the sign
        v[i] = out if ok else y
        flag = 0 if ok else 1
        quad[i] = flag
        n_big += flag
    if n_big:
        for i in range(n):
            if quad[i]:
                v[i] = np.cos(v[i]) if cosine else np.sin(v[i])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _activate(a, v, big, poly, bits_a, bits_b):
    """Activation id ``a`` applied in place to the row ``v`` (the formulas of wann_viz.activations)."""
    n = v.shape[0]
    if a == 1:
        return
    elif a == 2:
        for i in range(n):
            v[i] = 1.0 if v[i] > 0.0 else 0.0
    elif a == 3:
        _trig_row(v, False, bits_a)
    elif a == 4:
        for i in range(n):
            t = v[i] * v[i]
            v[i] = t * -0.5
        _exp_row(v, v, poly, bits_a, bits_b)
    elif a == 5:
        _tanh_row(v, big, poly, bits_a, bits_b)
    elif a == 6:
        for i in range(n):
            v[i] = v[i] * 0.5
        _tanh_row(v, big, poly, bits_a, bits_b)
        for i in range(n):
            v[i] = (v[i] + 1.0) * 0.5
    elif a == 7:
        for i in range(n):
            v[i] = -v[i]
    elif a == 8:
        for i in range(n):
            v[i] = abs(v[i])
    elif a == 9:
        for i in range(n):
            x = v[i]
            v[i] = x if (x > 0.0 or x != x) else 0.0  # np.maximum keeps nan
    elif a == 10:
        _trig_row(v, True, bits_a)
    elif a == 11:
        for i in range(n):
            v[i] = v[i] * v[i]


# ----- the forward pass ----------------------------------------------------------------

@numba.njit(cache=True, nogil=True, error_model="numpy")
def _run(cols, weights, labels, row_ptr, acts, in_ptr, in_idx, hid_ptr, hid_idx, out_rows, mode,
         fitness, pred, outputs):
    """Every genome x weight x image, one block of images at a time.

    cols: (1 + n_in, B) bias row then inputs; weights: (K,); labels: (B,) int64 in [0, n_out).
    mode 0 writes fitness (G, K); mode 1 pred (G, K, B) int8; mode 2 outputs (G, K, B, n_out).
    """
    n_gen = row_ptr.shape[0] - 1
    n_w = weights.shape[0]
    n_img = cols.shape[1]
    n_out = out_rows.shape[1]
    blk = min(BLOCK_IMAGES, max(n_img, 1))
    max_rows = 1
    for g in range(n_gen):
        max_rows = max(max_rows, row_ptr[g + 1] - row_ptr[g])
    part = np.empty((max_rows, blk))
    vals = np.empty((max_rows, blk))
    top = np.empty(blk)
    tot = np.empty(blk)
    tmp = np.empty(blk)
    poly = np.empty(blk)
    bits_a = np.empty(blk, np.int64)
    bits_b = np.empty(blk, np.int64)
    loss = np.zeros(n_w)
    for g in range(n_gen):
        r0, r1 = row_ptr[g], row_ptr[g + 1]
        loss[:] = 0.0
        for b0 in range(0, n_img, blk):
            nb = min(blk, n_img - b0)
            # Pixel part: once for every weight.
            for r in range(r0, r1):
                p = part[r - r0, :nb]
                p[:] = 0.0
                for q in range(in_ptr[r], in_ptr[r + 1]):
                    src = cols[in_idx[q], b0:b0 + nb]
                    for b in range(nb):
                        p[b] += src[b]
            for k in range(n_w):
                w = weights[k]
                for r in range(r0, r1):
                    v = vals[r - r0, :nb]
                    v[:] = part[r - r0, :nb]
                    for q in range(hid_ptr[r], hid_ptr[r + 1]):
                        s = vals[hid_idx[q], :nb]
                        for b in range(nb):
                            v[b] += s[b]
                    for b in range(nb):
                        v[b] *= w
                    _activate(acts[r], v, tmp[:nb], poly[:nb], bits_a[:nb], bits_b[:nb])
                if mode == 0:
                    # log-softmax of the label, shifted by the largest output (as mnist_fitness)
                    t = top[:nb]
                    t[:] = -np.inf
                    bad = False
                    for c in range(n_out):
                        z = vals[out_rows[g, c], :nb]
                        for b in range(nb):
                            bad = bad or z[b] != z[b]
                            t[b] = z[b] if z[b] > t[b] else t[b]
                    for b in range(nb):
                        bad = bad or t[b] == np.inf
                    if bad:
                        loss[k] = np.nan
                        continue
                    acc = tot[:nb]
                    acc[:] = 0.0
                    e = tmp[:nb]
                    for c in range(n_out):
                        z = vals[out_rows[g, c], :nb]
                        for b in range(nb):
                            e[b] = z[b] - t[b]
                        _exp_row(e, e, poly[:nb], bits_a[:nb], bits_b[:nb])
                        for b in range(nb):
                            acc[b] += e[b]
                    for b in range(nb):
                        loss[k] += (vals[out_rows[g, labels[b0 + b]], b] - t[b]) - np.log(acc[b])
                elif mode == 1:
                    for b in range(nb):
                        best = -np.inf
                        arg = 0
                        for c in range(n_out):
                            z = vals[out_rows[g, c], b]
                            if z > best:  # nan never wins; ties keep the lower class
                                best = z
                                arg = c
                        pred[g, k, b0 + b] = arg
                else:
                    for c in range(n_out):
                        row = vals[out_rows[g, c]]
                        for b in range(nb):
                            outputs[g, k, b0 + b, c] = row[b]
        if mode == 0:
            for k in range(n_w):
                f = loss[k] / n_img
                fitness[g, k] = f if np.isfinite(f) else -np.inf


# ----- Python entry points ----------------------------------------------------------

def columns(inputs: np.ndarray) -> np.ndarray:
    """(1 + n_in, B) float64 input block: the bias row then one row per input (build once, reuse)."""
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"inputs must have shape (B, n_in), got {x.shape}")
    cols = np.empty((1 + x.shape[1], x.shape[0]))
    cols[0] = 1.0
    cols[1:] = x.T
    return cols


def default_threads() -> int:
    """Threads for a population call: ``$WANN_THREADS`` if set (>= 1), else the usable cores."""
    text = os.environ.get("WANN_THREADS", "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            raise ValueError(f"WANN_THREADS must be a whole number >= 1, got {text!r}") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _parts(flats: Sequence[Flat], threads: int) -> list[tuple[int, int]]:
    """Contiguous (start, stop) genome ranges of about equal work (rows + sources) for ``threads``."""
    n = len(flats)
    threads = max(1, min(threads, n // MIN_GENOMES_PER_THREAD))
    if threads == 1:
        return [(0, n)]
    work = np.cumsum([f.n_rows + int(f.in_ptr[-1]) + int(f.hid_ptr[-1]) for f in flats])
    cuts = np.searchsorted(work, work[-1] * np.arange(1, threads) / threads)
    bounds = [0, *sorted(set(int(c) + 1 for c in cuts) - {0, n}), n]
    return list(zip(bounds[:-1], bounds[1:]))


def _call(genomes: Sequence[Genome], inputs, weights, labels, mode: int, cols=None, threads: int | None = None):
    genomes = list(genomes)
    cols = columns(inputs) if cols is None else np.ascontiguousarray(cols, dtype=np.float64)
    for g in genomes:
        if cols.shape[0] != 1 + g.n_in:
            raise ValueError(f"inputs must have shape (B, {g.n_in}), got (B, {cols.shape[0] - 1})")
    if len({g.n_out for g in genomes}) > 1:
        raise ValueError("all genomes of one call need the same number of outputs")
    w = np.ascontiguousarray(np.atleast_1d(np.asarray(weights, dtype=np.float64)))
    if w.ndim != 1:
        raise ValueError("weights must be a scalar or a 1-D list")
    n_g, n_k, n_b = len(genomes), w.size, cols.shape[1]
    n_out = genomes[0].n_out if genomes else 0
    lab = np.zeros(n_b, np.int64)
    if labels is not None:
        lab = np.ascontiguousarray(labels, dtype=np.int64)
        if lab.shape != (n_b,) or (n_g and n_b and (lab.min() < 0 or lab.max() >= n_out)):
            raise ValueError(f"labels must be {n_b} classes in [0, {n_out})")
    fitness = np.full((n_g, n_k) if mode == _FITNESS else (0, 0), -np.inf)  # no images: -inf, as mnist_fitness
    pred = np.empty((n_g, n_k, n_b) if mode == _PREDICT else (0, 0, 0), np.int8)
    outputs = np.empty((n_g, n_k, n_b, n_out) if mode == _OUTPUTS else (0, 0, 0, 0))
    if n_g and n_b:
        flats = [flatten(g) for g in genomes]
        parts = _parts(flats, default_threads() if threads is None else threads)

        def run(part):
            a, b = part
            _run(cols, w, lab, *_stack(flats[a:b]), mode, fitness[a:b] if mode == _FITNESS else fitness,
                 pred[a:b] if mode == _PREDICT else pred, outputs[a:b] if mode == _OUTPUTS else outputs)

        if len(parts) == 1:
            run(parts[0])
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                list(pool.map(run, parts))
    return fitness, pred, outputs


def population_outputs(genomes: Sequence[Genome], inputs: np.ndarray, weights, threads: int | None = None) -> np.ndarray:
    """Raw outputs of every genome (for tests and small batches).

    Args:
        genomes: G genomes with the same n_in and n_out.
        inputs: (B, n_in).
        weights: (K,) shared weights.

    Returns:
        (G, K, B, n_out) float64.
    """
    return _call(genomes, inputs, weights, None, _OUTPUTS, threads=threads)[2]


def population_fitness(genomes: Sequence[Genome], inputs: np.ndarray | None, labels: np.ndarray, weights,
                       cols: np.ndarray | None = None, threads: int | None = None) -> np.ndarray:
    """The MNIST search fitness, minus the mean cross-entropy, of every genome at every weight.

    What :func:`wann_viz.tasks.mnist.mnist_fitness` gives on the forward
    outputs, to rounding; a non-finite loss gives ``-inf``.

    Args:
        genomes: G genomes with the same n_in and n_out.
        inputs: (B, n_in) images (or None with ``cols``); labels: (B,) class of each.
        weights: (K,) shared weights.
        cols: optional :func:`columns` of the inputs (reused across calls).
        threads: threads for the call (default :func:`default_threads`).

    Returns:
        (G, K) float64.
    """
    return _call(genomes, inputs, weights, labels, _FITNESS, cols, threads)[0]


def population_predict(genomes: Sequence[Genome], inputs: np.ndarray | None, weights,
                       cols: np.ndarray | None = None, threads: int | None = None) -> np.ndarray:
    """Predicted class of every image (argmax; nan never wins, ties go to the lower class).

    Returns:
        (G, K, B) int8.
    """
    return _call(genomes, inputs, weights, None, _PREDICT, cols, threads)[1]
