"""Many genomes of different sizes in one batched forward pass.

All node values of all genomes live in one array ``V`` of shape (rows, R):
one row per node, one column per sample (a weight x episode pair, or a weight
x image pair). Row 0 is a constant 0 (the source of nodes without inputs),
row 1 the bias shared by every genome, then the input rows (one block per
genome, or one block shared by all when every genome sees the same inputs),
then every computed node of every genome sorted by (depth, activation).

Every node at depth d depends only on smaller depths, so one depth level of
the whole population is: gather the source rows of its connections, sum them
per target (``np.add.reduceat`` over connections sorted by target), multiply
by each sample's shared weight, and apply each activation to a contiguous
slice. The number of numpy calls per forward is about (levels x activations),
independent of the population size.

Each node's inputs are summed in a fixed order (its connections in genome
order), so a genome's outputs do not depend on which other genomes share the
block.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..genome import Genome
from .plan import activation_groups, compile_plan


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
            seq.append(np.zeros(lonely.size, np.int64))
        tgt, src, seq = np.concatenate(tgt), np.concatenate(src), np.concatenate(seq)
        co = np.lexsort((seq, tgt))
        tgt, src = tgt[co], src[co]

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
            groups = activation_groups(allk[a:b, 1])
            single = bool(np.all(np.diff(np.append(seg, c1 - c0)) == 1))
            levels.append((r0, r1, src[c0:c1].copy(), seg, single, groups))
        self._levels = tuple(levels)
        self._buf = None

    def forward(self, inputs: np.ndarray, row_weights: np.ndarray) -> np.ndarray:
        """Outputs of every genome for every sample.

        Args:
            inputs: (P, R, n_in) per-genome observations, or (R, n_in) when
                ``shared_inputs``, or a list of n_in arrays of shape (P, R).
            row_weights: (R,) shared weight of each sample.

        Returns:
            (P, n_out, R) outputs.
        """
        w = np.asarray(row_weights, float)
        r = w.shape[0]
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
            for r0, r1, src, seg, single, groups in self._levels:
                gathered = v[src]
                pre = gathered if single else np.add.reduceat(gathered, seg, axis=0)
                pre *= w
                for fn, g0, g1 in groups:
                    fn(pre[g0:g1], out=v[r0 + g0: r0 + g1])
        return v[self.out_rows]
