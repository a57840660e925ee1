"""The forward pass of one genome, batched over samples and shared weights.

Built on the genome's :class:`~wann_viz.nn.plan.Plan`: a layer is one
matrix product and each activation group a contiguous slice, computed in
place. The shared weight is an argument of every call; it is never stored in
the genome or the compiled network.

Shapes: B samples, K shared-weight values, C connections, N nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from .plan import compile_plan


@dataclass(frozen=True)
class _Layer:
    start: int  # first compiled position of the layer
    stop: int
    counts: np.ndarray  # (start, n) float: connections from earlier positions, 0/1
    conn_rows: np.ndarray  # (E,) compiled source position of each connection into the layer
    conn_cols: np.ndarray  # (E,) column inside the layer of each such connection
    conn_index: np.ndarray  # (E,) index into genome.connections
    groups: tuple  # ((fn, g0, g1), ...) activation slices, relative to start


class Network:
    """A compiled genome.

    Attributes:
        genome: the source genome.
        order: (N,) genome node index at each compiled position.
        position: (N,) compiled position of each genome node.
    """

    def __init__(self, genome: Genome):
        self.genome = genome
        plan = compile_plan(genome)
        conns = genome.connections
        order, position = plan.order, plan.position
        self.order, self.position = order, position
        src_pos = position[conns[:, 0]] if len(conns) else np.zeros(0, np.int64)
        dst_pos = position[conns[:, 1]] if len(conns) else np.zeros(0, np.int64)
        layers = []
        for start, stop, groups in plan.layers:
            into = np.flatnonzero((dst_pos >= start) & (dst_pos < stop))
            counts = np.zeros((start, stop - start))
            np.add.at(counts, (src_pos[into], dst_pos[into] - start), 1.0)
            layers.append(_Layer(start, stop, counts, src_pos[into], dst_pos[into] - start, into, groups))
        self._layers = tuple(layers)
        self._out_pos = position[genome.output_nodes]
        self._out_contiguous = bool(np.all(np.diff(self._out_pos) == 1))
        self._scalar_plan = self._build_program(None)

    def scalar_program(self, connection_weights=None) -> tuple:
        """The network as a plan for Python floats, in topological order.

        The shared-weight program (no ``connection_weights``) is built once.

        At B = 1 numpy's per-call overhead dominates, so single samples walk
        the nodes with plain floats instead (same arithmetic order as numpy).

        Returns:
            one ``(node, sources, fn)`` per computed node, genome node order:
            ``sources`` is a tuple of source nodes (shared weight: the node's
            value is ``fn(w * sum)``) or, with ``connection_weights`` (C,), a
            tuple of ``(source, weight)`` pairs (value ``fn(sum of v * w)``).
        """
        if connection_weights is None and hasattr(self, "_scalar_plan"):
            return self._scalar_plan
        return self._build_program(connection_weights)

    def _build_program(self, connection_weights) -> tuple:
        g = self.genome
        incoming: list[list] = [[] for _ in range(g.n_nodes)]
        cw = None if connection_weights is None else np.asarray(connection_weights, dtype=float).tolist()
        for k, (s_, d_) in enumerate(g.connections.tolist()):
            incoming[d_].append(s_ if cw is None else (s_, cw[k]))
        # Layer order is a topological order; sources sorted like the matrix product's sum.
        return tuple(
            (int(j), tuple(sorted(incoming[j])), ACTIVATIONS[int(g.activations[j])].scalar)
            for j in self.order[1 + g.n_in:]
        )

    # ----- core loop ------------------------------------------------------------
    def _run_scalar(self, inputs: np.ndarray, w: float) -> np.ndarray | None:
        """Node values (1, N) at compiled positions for one sample, or None on overflow."""
        vals = [1.0] + inputs[0].tolist() + [0.0] * (self.genome.n_nodes - 1 - self.genome.n_in)
        try:
            for j, srcs, fn in self._scalar_plan:
                total = 0.0
                for q in srcs:
                    total += vals[q]
                vals[j] = fn(total * w)
        except (ValueError, OverflowError):  # math refuses inf/nan; numpy handles them
            return None
        return np.array(vals)[self.order][None, :]

    def _run(self, inputs: np.ndarray, scale: np.ndarray | None, conn_w: np.ndarray | None) -> np.ndarray:
        """Node values at compiled positions, (M, N).

        ``scale`` (M, 1) multiplies pre-activations (shared weight per row);
        ``conn_w`` is (C,) or (M, C) per-connection weights (then ``scale`` is None).
        """
        m = inputs.shape[0]
        if m == 1 and conn_w is None:
            vals = self._run_scalar(inputs, 1.0 if scale is None else float(scale[0, 0]))
            if vals is not None:
                return vals
        with np.errstate(all="ignore"):  # inf/nan propagate as in the authors' code
            return self._run_arrays(inputs, scale, conn_w)

    def _run_arrays(self, inputs: np.ndarray, scale: np.ndarray | None, conn_w: np.ndarray | None) -> np.ndarray:
        m = inputs.shape[0]
        n_in = self.genome.n_in
        vals = np.empty((m, self.genome.n_nodes))
        vals[:, 0] = 1.0
        vals[:, 1:1 + n_in] = inputs
        per_row = conn_w is not None and conn_w.ndim == 2
        for lay in self._layers:
            if per_row:
                # Each row has its own weights: gather, weight, then sum per target.
                contrib = vals[:, lay.conn_rows] * conn_w[:, lay.conn_index]
                pre = np.zeros((m, lay.stop - lay.start))
                for col in range(lay.stop - lay.start):
                    sel = lay.conn_cols == col
                    if sel.any():
                        pre[:, col] = contrib[:, sel].sum(axis=1)
            elif conn_w is not None:
                mat = np.zeros_like(lay.counts)
                np.add.at(mat, (lay.conn_rows, lay.conn_cols), conn_w[lay.conn_index])
                pre = vals[:, : lay.start] @ mat
            else:
                pre = vals[:, : lay.start] @ lay.counts
                if scale is not None:
                    pre *= scale
            base = lay.start
            for fn, g0, g1 in lay.groups:
                fn(pre[:, g0:g1], out=vals[:, base + g0: base + g1])
        return vals

    def _outputs(self, vals: np.ndarray) -> np.ndarray:
        if self._out_contiguous:
            p = int(self._out_pos[0])
            return vals[:, p: p + len(self._out_pos)].copy()
        return vals[:, self._out_pos]

    @staticmethod
    def _check_inputs(inputs, n_in: int) -> np.ndarray:
        x = np.asarray(inputs, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"inputs must have shape (B, {n_in}), got {np.shape(inputs)}")
        return x

    # ----- public API ---------------------------------------------------------------
    def forward(self, inputs, weights=1.0, *, return_nodes: bool = False):
        """Shared-weight forward over K weights at once.

        Args:
            inputs: (B, n_in) observations.
            weights: scalar or (K,) shared weights.
            return_nodes: also return all node values.

        Returns:
            (K, B, n_out) outputs (K = 1 for a scalar); with ``return_nodes``
            also (K, B, N) node values in genome node order.
        """
        x = self._check_inputs(inputs, self.genome.n_in)
        w = np.atleast_1d(np.asarray(weights, dtype=float))
        if w.ndim != 1:
            raise ValueError("weights must be a scalar or a 1-D array")
        k, b = w.shape[0], x.shape[0]
        xx = np.broadcast_to(x, (k, b, x.shape[1])).reshape(k * b, -1) if k > 1 else x
        scale = np.repeat(w, b)[:, None] if k > 1 else w[:, None]
        vals = self._run(xx, scale, None)
        out = self._outputs(vals).reshape(k, b, -1)
        if return_nodes:
            return out, vals[:, self.position].reshape(k, b, -1)
        return out

    def forward_batch(self, inputs, sample_weights=None, *, connection_weights=None, return_nodes: bool = False):
        """One forward per sample, each with its own weight(s).

        Args:
            inputs: (B, n_in).
            sample_weights: (B,) shared weight per sample (or a scalar).
            connection_weights: (C,) weights for all samples, or (B, C) per sample.
            return_nodes: also return (B, N) node values in genome node order.

        Returns:
            (B, n_out) outputs, and the node values if asked.
        """
        x = self._check_inputs(inputs, self.genome.n_in)
        b = x.shape[0]
        if (sample_weights is None) == (connection_weights is None):
            raise ValueError("give exactly one of sample_weights or connection_weights")
        if connection_weights is not None:
            cw = np.asarray(connection_weights, dtype=float)
            c = self.genome.n_connections
            if cw.shape not in ((c,), (b, c)):
                raise ValueError(f"connection_weights must have shape ({c},) or ({b}, {c}), got {cw.shape}")
            vals = self._run(x, None, cw)
        else:
            sw = np.broadcast_to(np.asarray(sample_weights, dtype=float), (b,))
            vals = self._run(x, sw[:, None], None)
        out = self._outputs(vals)
        if return_nodes:
            return out, vals[:, self.position]
        return out


def compile_network(genome: Genome) -> Network:
    """Compile ``genome`` (cached on the genome object, which is immutable)."""
    return genome.cached("network", Network)


def forward(genome: Genome, inputs, weights=None, *, connection_weights=None):
    """Evaluate a genome.

    ``forward(genome, inputs (B, n_in), weights)`` with a scalar or (K,) shared
    weights returns (K, B, n_out). ``forward(genome, inputs, connection_weights=v)``
    with one weight per connection (C,) returns (B, n_out).
    """
    net = compile_network(genome)
    if connection_weights is not None:
        if weights is not None:
            raise ValueError("give shared weights or connection_weights, not both")
        return net.forward_batch(inputs, connection_weights=connection_weights)
    if weights is None:
        raise ValueError("give the shared weight(s) or connection_weights")
    return net.forward(inputs, weights)


def naive_forward(genome: Genome, inputs, weight: float = None, connection_weights=None) -> np.ndarray:
    """Reference forward: a plain per-node Python loop, one sample at a time.

    Used by tests and benchmarks as the baseline. Returns (B, n_out).
    """
    from ..graph import topological_order

    x = np.asarray(inputs, dtype=float).reshape(-1, genome.n_in)
    order = topological_order(genome.n_nodes, genome.connections)
    incoming: list[list[tuple[int, int]]] = [[] for _ in range(genome.n_nodes)]
    for k, (s, d) in enumerate(genome.connections):
        incoming[int(d)].append((int(s), k))
    fns = [ACTIVATIONS[int(a)].fn for a in genome.activations]
    result = np.empty((x.shape[0], genome.n_out))
    for b in range(x.shape[0]):
        value = [0.0] * genome.n_nodes
        value[0] = 1.0
        for i in range(genome.n_in):
            value[1 + i] = float(x[b, i])
        for node in order:
            if node <= genome.n_in:
                continue
            total = 0.0
            for src, k in incoming[node]:
                w = weight if connection_weights is None else connection_weights[k]
                total += value[src] * w
            value[node] = float(fns[node](np.float64(total)))
        result[b] = value[genome.n_nodes - genome.n_out:]
    return result
