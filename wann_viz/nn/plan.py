"""The compile plan every forward pass starts from.

A plan is derived once per genome (kept with :meth:`Genome.cached`) and
shared by the three forward passes of :mod:`wann_viz.nn`:

* every computed node gets a *layer*: one more than the largest layer of its
  sources, or 1 without sources (such a node still computes ``act(0)``, and
  what it feeds comes after it); the bias and the inputs are layer 0;
* nodes are ordered by (layer, activation, node index), so a layer is one
  contiguous block and each activation inside it one contiguous slice (an
  *activation group*); this order is also a topological order;
* ``useful`` marks the nodes that reach an output (the others cannot change
  a prediction or an action).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from ..graph import topological_order


def activation_groups(acts: np.ndarray) -> tuple:
    """Runs of equal activation ids in a sorted block of nodes.

    Args:
        acts: (M,) activation ids, already grouped.

    Returns:
        ``((fn, g0, g1), ...)``: ``fn`` (the vectorized activation) applies to
        positions ``g0 .. g1 - 1`` of the block.
    """
    groups = []
    g0 = 0
    for g1 in range(1, len(acts) + 1):
        if g1 == len(acts) or acts[g1] != acts[g0]:
            groups.append((ACTIVATIONS[int(acts[g0])].fn, g0, g1))
            g0 = g1
    return tuple(groups)


@dataclass(frozen=True)
class Plan:
    """Layers and activation groups of one genome.

    Attributes:
        layer: (N,) int64 layer of each node (0 for bias and inputs, >= 1 otherwise).
        order: (N,) genome node at each compiled position, sorted by (layer, activation, node).
        position: (N,) compiled position of each genome node (inverse of ``order``).
        layers: ``((start, stop, groups), ...)`` per computed layer: compiled
            positions ``start .. stop - 1`` and their activation groups (relative to ``start``).
        useful: (N,) bool, nodes that reach an output (outputs included).
    """

    layer: np.ndarray
    order: np.ndarray
    position: np.ndarray
    layers: tuple
    useful: np.ndarray


def _build(genome: Genome) -> Plan:
    n, n_in = genome.n_nodes, genome.n_in
    conns = genome.connections
    pairs = conns.tolist()
    # Python loops run over computed nodes only (an MNIST genome has 257 bias/input nodes).
    topo = [j for j in topological_order(n, conns).tolist() if j > n_in]  # validation refuses loops
    sources: dict[int, list[int]] = {j: [] for j in topo}
    targets: dict[int, list[int]] = {j: [] for j in topo}
    for s_, d in pairs:
        sources[d].append(s_)
        if s_ > n_in:
            targets[s_].append(d)
    layer_of = [0] * n
    for j in topo:
        layer_of[j] = 1 + max((layer_of[q] for q in sources[j]), default=0)
    layer = np.array(layer_of, np.int64)
    acts = genome.activations
    order = np.lexsort((np.arange(n), np.where(layer == 0, 0, acts), layer))
    position = np.empty(n, np.int64)
    position[order] = np.arange(n)
    sorted_layer = layer[order]
    layers = []
    for k in range(1, int(layer.max()) + 1 if n > 1 + n_in else 1):
        idx = np.flatnonzero(sorted_layer == k)
        if idx.size:
            start, stop = int(idx[0]), int(idx[-1]) + 1
            layers.append((start, stop, activation_groups(acts[order[start:stop]])))
    use = [False] * n
    for o in genome.output_nodes.tolist():
        use[o] = True
    for i in reversed(topo):  # reverse topological order: targets are settled first
        if not use[i]:
            use[i] = any(use[t] for t in targets[i])
    useful = np.array(use, bool)
    if len(conns):  # bias and inputs: useful when they feed a useful node
        useful[conns[useful[conns[:, 1]] & (conns[:, 0] <= n_in), 0]] = True
    for a in (layer, order, position, useful):
        a.setflags(write=False)
    return Plan(layer, order, position, tuple(layers), useful)


def compile_plan(genome: Genome) -> Plan:
    """The genome's plan (built once and kept on the immutable genome)."""
    return genome.cached("plan", _build)
