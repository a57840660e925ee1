"""The forward pass for many samples: whole image sets at a few weights.

Built on the genome's :class:`~wann_viz.nn.plan.Plan`, specialised for
B in the thousands:

* node-major layout: each node's values are one contiguous row over the
  samples, and each node sums only its real sources (an MNIST genome is
  sparse: ~2,000 connections among ~400 nodes, where a dense layer-by-layer
  matmul would read every earlier node); nodes that reach no output are skipped;
* the bias and input part of every pre-activation does not depend on the
  shared weight (``pre_j = w * (sum of input sources + sum of hidden
  sources)``), so it is summed once per block of samples and reused for every
  weight.

It computes what :meth:`wann_viz.nn.single.Network.forward` computes (same
activation functions, sum-then-scale); only the order of additions differs,
so outputs agree to rounding.

:meth:`ImagesNetwork.predict` at shared weights hands the work to the
compiled pass (:mod:`wann_viz.nn.jit`, the same layout without Python per
node); raw outputs and per-connection weights stay in numpy here (the
former is the baseline ``benchmarks/search.py`` measures the compiled pass against).
"""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from . import jit
from .plan import compile_plan

# Upper bound on one block of node values (floats): keeps memory near 64 MB.
_BLOCK_FLOATS = 8_000_000


def predictions(outputs: np.ndarray) -> np.ndarray:
    """Predicted class = argmax of the outputs; nan never wins, ties go to the lower class.

    Args:
        outputs: (..., n_out) float.

    Returns:
        (...) int64.
    """
    out = np.asarray(outputs, dtype=np.float64)
    if np.isnan(out).any():
        out = np.where(np.isnan(out), -np.inf, out)
    return out.argmax(axis=-1)


class ImagesNetwork:
    """A genome compiled for many samples (images) at a few weights.

    Args:
        genome: any genome.
    """

    def __init__(self, genome: Genome):
        self.genome = genome
        n, n_in = genome.n_nodes, genome.n_in
        plan = compile_plan(genome)
        # Computed nodes that reach an output, in the plan's (topological) order;
        # row r of the node-value array belongs to node computed[r].
        computed = [int(i) for i in plan.order if i > n_in and plan.useful[i]]
        self.row_of = np.full(n, -1, np.int64)
        self.row_of[computed] = np.arange(len(computed))
        self.n_rows = len(computed)
        conns = genome.connections
        in_src: list[list[int]] = [[] for _ in computed]   # bias/pixel sources (column in [1, x])
        in_conn: list[list[int]] = [[] for _ in computed]  # their connection indices
        hid_src: list[list[int]] = [[] for _ in computed]  # rows of computed sources
        hid_conn: list[list[int]] = [[] for _ in computed]
        for k, (s, d) in enumerate(conns.tolist()):
            r = int(self.row_of[d])
            if r < 0:
                continue
            if s <= n_in:
                in_src[r].append(s)
                in_conn[r].append(k)
            else:
                hid_src[r].append(int(self.row_of[s]))
                hid_conn[r].append(k)
        self._plan = tuple(
            (np.array(in_src[r], np.int64), np.array(in_conn[r], np.int64),
             tuple(hid_src[r]), tuple(hid_conn[r]), ACTIVATIONS[int(genome.activations[node])].fn)
            for r, node in enumerate(computed)
        )
        self.output_rows = self.row_of[genome.output_nodes]

    # ----- forward ------------------------------------------------------------------
    def _columns(self, inputs: np.ndarray) -> np.ndarray:
        """(1 + n_in, B) float64: the bias row then one row per input."""
        n_in = self.genome.n_in
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"inputs must have shape (B, {n_in}), got {x.shape}")
        return jit.columns(x)

    def _input_part(self, cols: np.ndarray) -> np.ndarray:
        """(R, B) sum of each computed node's bias/input sources (weight 1)."""
        part = np.zeros((self.n_rows, cols.shape[1]))
        for r, (src, _, _, _, _) in enumerate(self._plan):
            if src.size == 1:
                part[r] = cols[src[0]]
            elif src.size:
                np.sum(cols[src], axis=0, out=part[r])
        return part

    def _run_shared(self, part: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Node values (R, K, B) for shared weights (K,), given ``_input_part``."""
        k, b = weights.shape[0], part.shape[1]
        vals = np.empty((self.n_rows, k, b))
        w = weights[:, None]
        with np.errstate(all="ignore"):  # inf/nan propagate, as in the network
            for r, (_, _, hid, _, fn) in enumerate(self._plan):
                acc = np.empty((k, b))
                acc[:] = part[r]
                for s in hid:
                    acc += vals[s]
                acc *= w
                fn(acc, out=vals[r])
        return vals

    def _run_connection(self, cols: np.ndarray, conn_w: np.ndarray) -> np.ndarray:
        """Node values (R, K, B) for per-connection weights (K, C)."""
        k, b = conn_w.shape[0], cols.shape[1]
        vals = np.empty((self.n_rows, k, b))
        with np.errstate(all="ignore"):
            for r, (src, cin, hid, chid, fn) in enumerate(self._plan):
                # Pixel sources: one small matmul (K, n) @ (n, B).
                acc = conn_w[:, cin] @ cols[src] if src.size else np.zeros((k, b))
                for s, c in zip(hid, chid):
                    acc += conn_w[:, c, None] * vals[s]
                fn(acc, out=vals[r])
        return vals

    def outputs(self, inputs: np.ndarray, weights=None, *, connection_weights=None) -> np.ndarray:
        """Network outputs for a block of images (keep B * K moderate).

        Args:
            inputs: (B, n_in) network inputs.
            weights: scalar or (K,) shared weights, or
            connection_weights: (C,) or (K, C) per-connection weights.

        Returns:
            (K, B, n_out) float64.
        """
        cols = self._columns(inputs)
        if (weights is None) == (connection_weights is None):
            raise ValueError("give shared weights or connection_weights (exactly one)")
        if weights is not None:
            w = np.atleast_1d(np.asarray(weights, dtype=np.float64))
            vals = self._run_shared(self._input_part(cols), w)
        else:
            cw = np.atleast_2d(np.asarray(connection_weights, dtype=np.float64))
            if cw.ndim != 2 or cw.shape[1] != self.genome.n_connections:
                raise ValueError(f"connection_weights must have shape (K, {self.genome.n_connections})")
            vals = self._run_connection(cols, cw)
        return np.moveaxis(vals[self.output_rows], 0, -1)

    def predict(self, inputs: np.ndarray, weights=None, *, connection_weights=None) -> np.ndarray:
        """Predicted digits of many images, in memory-bounded blocks.

        Args:
            inputs: (N, n_in).
            weights: (K,) shared weights, or
            connection_weights: (K, C) per-connection weights.

        Returns:
            (K, N) int8 predicted digits.
        """
        x = np.asarray(inputs)
        n = x.shape[0]
        shared = weights is not None
        w = np.atleast_1d(np.asarray(weights if shared else connection_weights, dtype=np.float64))
        if not shared:
            w = np.atleast_2d(w)
        k = w.shape[0]
        out = np.empty((k, n), np.int8)
        per_sample = max(1, self.n_rows)
        block_b = int(min(n, max(256, _BLOCK_FLOATS // per_sample)))
        block_k = int(max(1, min(k, _BLOCK_FLOATS // (per_sample * block_b))))
        for b0 in range(0, n, block_b):
            cols = self._columns(x[b0: b0 + block_b])
            if shared:  # the compiled pass: all weights in one call
                out[:, b0: b0 + block_b] = jit.population_predict([self.genome], None, w, cols)[0]
                continue
            for k0 in range(0, k, block_k):
                vals = self._run_connection(cols, w[k0: k0 + block_k])
                out[k0: k0 + block_k, b0: b0 + block_b] = predictions(np.moveaxis(vals[self.output_rows], 0, -1))
        return out
