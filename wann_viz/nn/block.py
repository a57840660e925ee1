"""Many genomes of different sizes in one batched forward pass.

All node values of all genomes live in one array ``V`` of shape (rows, R):
one row per node, one column per sample (a weight x episode pair, or a weight
x image pair). Row 0 is a constant 0 (the source of nodes without inputs),
row 1 the bias shared by every genome, then the input rows (one block per
genome, or one block shared by all when every genome sees the same inputs),
then every computed node of every genome sorted by (depth, activation).

Every node at depth d depends only on smaller depths, so one depth level of
the whole population is: gather the source rows of its connections, sum them
per target, multiply by each sample's shared weight, and apply each
activation to a contiguous slice. The sums go by *slots*: the targets of a
level are ordered by fan-in, slot i holds the i-th connection of every target
that has one, and slot i is added to the prefix of targets that reach it. The
number of numpy calls per forward is about levels x (largest fan-in +
activations), independent of the population size.

One arithmetic, everywhere: a node with sources ``a0, a1, ..., ak`` (its
connections in genome order) computes ``a0 + (((0.0 + a1) + a2) + ... + ak)``
(just ``a0`` with one source), then times the shared weight, then its
activation; each sample is its own column. So a genome's outputs do not
depend on which other genomes share the block nor on how many samples run at
once, and :meth:`BlockNetwork.scalar_program` repeats them on Python floats
bit for bit: a block of one genome, or its float program, replays exactly
what the search computed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from .plan import activation_groups, compile_plan

# Levels whose fan-in is at most 8 and that gather at most this many values (connections x
# samples) sum with one np.add.reduceat (fewer numpy calls); bigger ones by slots
# (reduceat walks column by column and gets slow).
REDUCEAT_MAX_VALUES = 1024


class BlockNetwork:
    """A population compiled into one block structure.

    Args:
        genomes: P genomes with the same ``n_in`` and ``n_out``.
        shared_inputs: every genome sees the same inputs (MNIST); else each
            genome has its own observations (RL episodes).

    Attributes:
        n_rows: rows of the value array.
        out_rows: (P, n_out) value-array row of each genome's outputs.
    """

    def __init__(self, genomes: Sequence[Genome], shared_inputs: bool = False):
        if not genomes:
            raise ValueError("give at least one genome")
        n_in, n_out = genomes[0].n_in, genomes[0].n_out
        if any(g.n_in != n_in or g.n_out != n_out for g in genomes):
            raise ValueError("all genomes of a block need the same number of inputs and outputs")
        self.n_genomes, self.n_in, self.n_out = len(genomes), n_in, n_out
        self.shared_inputs = shared_inputs
        in_rows = n_in if shared_inputs else n_in * len(genomes)
        base = 2 + in_rows
        self.input_start = 2

        # Computed nodes of all genomes: (depth, activation, genome, node).
        keys = []
        for gi, g in enumerate(genomes):
            comp = np.arange(1 + n_in, g.n_nodes)
            dd = compile_plan(g).layer[comp]  # blocks are rebuilt as episodes end; plans are kept
            keys.append(np.stack([dd, g.activations[comp], np.full(comp.size, gi), comp], axis=1))
        allk = np.concatenate(keys)
        order = np.lexsort((allk[:, 3], allk[:, 2], allk[:, 1], allk[:, 0]))
        allk = allk[order]
        n_comp = allk.shape[0]
        self.n_rows = base + n_comp

        # Row of every node of every genome.
        rows_of = []
        offsets = np.zeros(len(genomes) + 1, np.int64)
        for gi, g in enumerate(genomes):
            offsets[gi + 1] = offsets[gi] + g.n_nodes
        flat_row = np.empty(offsets[-1], np.int64)
        for gi, g in enumerate(genomes):
            r = flat_row[offsets[gi]: offsets[gi + 1]]
            r[0] = 1
            r[1: 1 + n_in] = 2 + np.arange(n_in) + (0 if shared_inputs else gi * n_in)
        flat_row[offsets[allk[:, 2]] + allk[:, 3]] = base + np.arange(n_comp)
        for gi, g in enumerate(genomes):
            rows_of.append(flat_row[offsets[gi]: offsets[gi + 1]])
        self.out_rows = np.stack([rows_of[gi][g.n_nodes - n_out:] for gi, g in enumerate(genomes)])
        self._rows_of = rows_of

        # Connections as (target row, order within genome, source row); nodes
        # without inputs get one connection from the zero row.
        tgt, src, seq = [], [], []
        for gi, g in enumerate(genomes):
            rows = rows_of[gi]
            c = g.connections
            has_in = np.zeros(g.n_nodes, bool)
            if len(c):
                tgt.append(rows[c[:, 1]])
                src.append(rows[c[:, 0]])
                seq.append(np.arange(len(c)))
                has_in[c[:, 1]] = True
            lonely = np.flatnonzero(~has_in[1 + n_in:]) + 1 + n_in
            tgt.append(rows[lonely])
            src.append(np.zeros(lonely.size, np.int64))
            seq.append(np.full(lonely.size, -1, np.int64))  # -1: the zero row, no connection
        tgt, src, seq = np.concatenate(tgt), np.concatenate(src), np.concatenate(seq)
        co = np.lexsort((seq, tgt))
        tgt, src, seq = tgt[co], src[co], seq[co]
        self._connections = (tgt, src, seq)

        # Levels: contiguous target rows at one depth, with their connections.
        depth_sorted = allk[:, 0]
        levels = []
        bounds = np.flatnonzero(np.diff(depth_sorted)) + 1
        starts = np.concatenate([[0], bounds])
        stops = np.concatenate([bounds, [n_comp]])
        for a, b in zip(starts.tolist(), stops.tolist()):
            r0, r1 = base + a, base + b
            c0, c1 = np.searchsorted(tgt, [r0, r1])
            seg = np.searchsorted(tgt[c0:c1], np.arange(r0, r1))  # first connection of each target
            fan = np.diff(np.append(seg, c1 - c0))
            by_fan = np.argsort(-fan, kind="stable")  # targets by fan-in, largest first
            lsrc, lseq = src[c0:c1], seq[c0:c1]
            slots = []
            for i in range(int(fan.max())):
                n = int(np.count_nonzero(fan > i))  # a prefix of by_fan
                pick = seg[by_fan[:n]] + i
                slots.append((n, lsrc[pick].copy(), lseq[pick].copy()))
            back = None if np.array_equal(by_fan, np.arange(b - a)) else np.argsort(by_fan)
            # np.add.reduceat adds a segment's rest in order from 0.0 while it is shorter than 8
            # (numpy's pairwise sum starts there): the same bits, in one call, for few samples.
            reduce = None
            if fan.max() <= 8:
                reduce = (lsrc.copy(), seg, lseq.copy(), bool(fan.max() == 1))
            levels.append((r0, r1, tuple(slots), back, activation_groups(allk[a:b, 1]), reduce))
        self._levels = tuple(levels)
        self._buf = None
        self.genomes = list(genomes)

    def forward(self, inputs: np.ndarray, row_weights: np.ndarray | None = None, *,
                connection_weights: np.ndarray | None = None) -> np.ndarray:
        """Outputs of every genome for every sample.

        Args:
            inputs: (P, R, n_in) per-genome observations, or (R, n_in) when
                ``shared_inputs``, or a list of n_in arrays of shape (P, R).
            row_weights: (R,) shared weight of each sample, or
            connection_weights: one weight per connection, (C,) for every sample
                or (R, C) per sample (a block of one genome only): each source
                is weighted before the sum, and nothing scales it after.

        Returns:
            (P, n_out, R) outputs.
        """
        if (row_weights is None) == (connection_weights is None):
            raise ValueError("give row_weights or connection_weights (exactly one)")
        cw = None
        if connection_weights is not None:
            if self.n_genomes != 1:
                raise ValueError("per-connection weights need a block of one genome")
            cw = np.asarray(connection_weights, float)
            c = self.genomes[0].n_connections
            if cw.ndim not in (1, 2) or cw.shape[-1] != c:
                raise ValueError(f"connection_weights must have shape ({c},) or (R, {c})")
            # Column C weighs the zero row of nodes without inputs.
            cw = np.concatenate([cw, np.ones(cw.shape[:-1] + (1,))], axis=-1)
        if isinstance(inputs, (list, tuple)):
            r = np.shape(inputs[0])[-1]
        else:
            r = np.shape(inputs)[-2]
        w = None
        if row_weights is not None:
            w = np.asarray(row_weights, float)
            if w.shape != (r,):
                w = np.broadcast_to(w, (r,))
        if self._buf is None or self._buf.shape[1] != r:
            self._buf = np.empty((self.n_rows, r))
            self._buf[0] = 0.0
            self._buf[1] = 1.0
        v = self._buf
        if isinstance(inputs, (list, tuple)):
            # One (P, R) array per input: copied straight into the input rows.
            block = v[2: 2 + self.n_in * self.n_genomes].reshape(self.n_genomes, self.n_in, r)
            for i, col in enumerate(inputs):
                block[:, i, :] = col
        else:
            x = np.asarray(inputs, float)
            if self.shared_inputs:
                v[2: 2 + self.n_in] = x.T
            else:
                v[2: 2 + self.n_in * self.n_genomes] = x.transpose(0, 2, 1).reshape(-1, r)
        with np.errstate(all="ignore"):  # inf/nan propagate as in the single-genome forward
            for r0, r1, slots, back, groups, reduce in self._levels:
                if reduce is not None and reduce[0].size * r <= REDUCEAT_MAX_VALUES:
                    lsrc, seg, conn, single = reduce
                    gathered = v[lsrc]
                    if cw is not None:
                        gathered *= cw[conn][:, None] if cw.ndim == 1 else cw[:, conn].T
                    pre = gathered if single else np.add.reduceat(gathered, seg, axis=0)
                    if w is not None:
                        pre *= w
                    for fn, g0, g1 in groups:
                        fn(pre[g0:g1], out=v[r0 + g0: r0 + g1])
                    continue
                n0, s0, q0 = slots[0]
                pre = v[s0]  # the first source of every target
                if cw is not None:
                    pre *= cw[q0][:, None] if cw.ndim == 1 else cw[:, q0].T
                if len(slots) > 1:
                    rest = np.zeros((slots[1][0], r))  # 0.0 + a1 + a2 + ..., in order
                    for n, src, conn in slots[1:]:
                        if cw is None:
                            rest[:n] += v[src]
                        else:
                            rest[:n] += v[src] * (cw[conn][:, None] if cw.ndim == 1 else cw[:, conn].T)
                    pre[: slots[1][0]] += rest
                if back is not None:
                    pre = pre[back]  # back to the level's (activation) order
                if w is not None:
                    pre *= w
                for fn, g0, g1 in groups:
                    fn(pre[g0:g1], out=v[r0 + g0: r0 + g1])
        return v[self.out_rows]

    def scalar_program(self, connection_weights: np.ndarray | None = None) -> tuple:
        """This block of one genome as a program on Python floats, bit for bit the same.

        Walk it with :func:`run_program`: each node computes
        ``a0 + (((0.0 + a1) + a2) + ...)`` over its sources in genome order, then
        scales by the shared weight and applies the activation's ``exact`` twin;
        with ``connection_weights`` (C,) each source is weighted first and
        nothing scales the sum.

        Returns:
            ``(n_nodes, entries)``; one entry per computed node in topological
            order: ``(node, first, rest, fn)`` where ``first`` and ``rest`` are
            slots of the value list (``n_nodes`` is a constant 0.0 slot) or,
            with ``connection_weights``, ``(slot, weight)`` pairs.
        """
        if self.n_genomes != 1:
            raise ValueError("a scalar program needs a block of one genome")
        g = self.genomes[0]
        zero = g.n_nodes
        node_of_row = {int(r): j for j, r in enumerate(self._rows_of[0].tolist())}
        node_of_row[0] = zero
        cw = None if connection_weights is None else np.append(np.asarray(connection_weights, float), 1.0).tolist()
        tgt, src, seq = self._connections
        by_target: dict[int, list] = {}
        for t, s_, q in zip(tgt.tolist(), src.tolist(), seq.tolist()):
            slot = node_of_row[s_]
            by_target.setdefault(t, []).append(slot if cw is None else (slot, cw[q]))
        entries = []
        for r0, r1, *_ in self._levels:
            for row in range(r0, r1):
                j = node_of_row[row]
                sources = by_target[row]
                entries.append((j, sources[0], tuple(sources[1:]), ACTIVATIONS[int(g.activations[j])].exact))
        return g.n_nodes, tuple(entries)

    def node_values(self, genome_index: int = 0) -> np.ndarray:
        """(N, R) values of one genome's nodes (genome node order) from the last :meth:`forward`."""
        return self._buf[self._rows_of[genome_index]]


def run_program(entries: tuple, v: list, w: float | None) -> None:
    """One forward pass of a :meth:`BlockNetwork.scalar_program` on the value list ``v``.

    Args:
        entries: the program's entries.
        v: ``n_nodes + 1`` floats: ``v[0] = 1.0`` (bias), the inputs in ``v[1 .. n_in]``,
            0.0 in the last slot; computed nodes are written in place.
        w: the shared weight, or ``None`` for a program with connection weights.
    """
    if w is not None:
        for j, first, rest, fn in entries:
            acc = v[first]
            if rest:
                pw = 0.0
                for k in rest:
                    pw += v[k]
                acc = acc + pw
            v[j] = fn(acc * w)
    else:
        for j, (first, wf), rest, fn in entries:
            acc = v[first] * wf
            if rest:
                pw = 0.0
                for k, wk in rest:
                    pw += v[k] * wk
                acc = acc + pw
            v[j] = fn(acc)
