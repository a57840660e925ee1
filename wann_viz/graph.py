"""Pure graph functions over a genome's wiring.

Array-level helpers take ``(n_nodes, connections (C, 2))`` so that the genome
validator can use them; genome-level helpers take a :class:`Genome`. Nothing
here imports dash or plotly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from .genome import Genome


def _adjacency(n: int, conns: np.ndarray) -> tuple[list[list[int]], list[int]]:
    """(targets of each node, in-degree of each node) as Python lists (the loops below are Python)."""
    c = np.asarray(conns, dtype=np.int64).reshape(-1, 2)
    out: list[list[int]] = [[] for _ in range(n)]
    for s, d in c.tolist():
        out[s].append(d)
    indeg = np.bincount(c[:, 1], minlength=n).tolist() if len(c) else [0] * n
    return out, indeg


def topological_order(n: int, conns: np.ndarray) -> np.ndarray | None:
    """(n,) node order with every source before its targets, or ``None`` if cyclic.

    Ties are broken by node index, so an already ordered genome keeps its order.
    """
    import heapq

    c = np.asarray(conns, dtype=np.int64)
    if c.size and (c.ndim != 2 or c.shape[1] != 2):
        raise ValueError(f"connections must be (C, 2) source-target pairs, got shape {c.shape}")
    c = c.reshape(-1, 2)
    if not len(c) or bool(np.all(c[:, 0] < c[:, 1])):
        # Every source numbered below its target: the smallest unplaced node is always
        # ready, so the tie-broken order is 0 .. n-1 (genomes are stored this way).
        return np.arange(n, dtype=np.int64)
    out, indeg = _adjacency(n, c)
    heap = [i for i in range(n) if indeg[i] == 0]  # ascending: already a heap
    order = []
    while heap:
        i = heapq.heappop(heap)
        order.append(i)
        for j in out[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(heap, j)
    return np.array(order, np.int64) if len(order) == n else None


def find_cycle(n: int, conns: np.ndarray) -> list[int]:
    """A list of nodes forming a directed cycle (first node repeated at the end), or ``[]``."""
    if conns.shape[0] == 0 or topological_order(n, conns) is not None:
        return []
    out, _ = _adjacency(n, conns)
    colour = np.zeros(n, np.int8)  # 0 new, 1 on stack, 2 done
    for root in range(n):
        if colour[root]:
            continue
        stack = [(root, iter(out[root]))]
        path = [root]
        colour[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(out[nxt])))
                path.append(nxt)
    return []  # pragma: no cover - topological_order said there is a cycle


def depths(n: int, conns: np.ndarray) -> np.ndarray:
    """(n,) longest-path depth of each node from the nodes without inputs (depth 0)."""
    order = topological_order(n, conns)
    if order is None:
        raise ValueError("the connections contain a cycle")
    sources: list[list[int]] = [[] for _ in range(n)]
    for s, d in conns:
        sources[int(d)].append(int(s))
    depth = np.zeros(n, np.int64)
    for node in order:
        if sources[node]:
            depth[node] = 1 + max(depth[s] for s in sources[node])
    return depth


def node_layers(genome: Genome) -> np.ndarray:
    """(N,) drawing layer of each node: longest path from the inputs.

    Bias and inputs are layer 0, a hidden node is one more than its deepest
    source (at least 1), and all outputs share the last layer.
    """
    layer = depths(genome.n_nodes, genome.connections)
    hidden = genome.hidden_nodes
    layer[hidden] = np.maximum(layer[hidden], 1)
    last = int(layer[hidden].max()) + 1 if hidden.size else 1
    layer[genome.output_nodes] = last
    layer[: 1 + genome.n_in] = 0
    return layer


def ancestors(genome: Genome, nodes) -> np.ndarray:
    """Sorted node indices that feed any of ``nodes`` (the nodes themselves included)."""
    sources: list[list[int]] = [[] for _ in range(genome.n_nodes)]
    for s, d in genome.connections:
        sources[int(d)].append(int(s))
    seen = set()
    todo = [int(n) for n in np.atleast_1d(nodes)]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(sources[node])
    return np.array(sorted(seen), np.int64)


def descendants(genome: Genome, nodes) -> np.ndarray:
    """Sorted node indices reachable from any of ``nodes`` (the nodes themselves included)."""
    targets: list[list[int]] = [[] for _ in range(genome.n_nodes)]
    for s, d in genome.connections:
        targets[int(s)].append(int(d))
    seen = set()
    todo = [int(n) for n in np.atleast_1d(nodes)]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(targets[node])
    return np.array(sorted(seen), np.int64)


def used_inputs(genome: Genome) -> np.ndarray:
    """(n_in,) bool: whether each input has a path to some output."""
    feeding = ancestors(genome, genome.output_nodes)
    return np.isin(genome.input_nodes, feeding)


@dataclass(frozen=True)
class Trace:
    """The part of a network that feeds one output.

    Attributes:
        output_index: which output (0-based).
        nodes: (M,) sorted node indices in the subgraph (the output included).
        connections: (E,) indices into ``genome.connections`` inside the subgraph.
        input_mask: (n_in,) bool, the inputs that reach the output.
    """

    output_index: int
    nodes: np.ndarray
    connections: np.ndarray
    input_mask: np.ndarray

    def mask_image(self, shape: tuple[int, int] = (16, 16)) -> np.ndarray:
        """``input_mask`` reshaped row-major to an image, e.g. (16, 16) for MNIST."""
        return self.input_mask.reshape(shape)


def trace_output(genome: Genome, output_index: int) -> Trace:
    """The nodes and connections that feed output ``output_index``, and its input mask.

    For MNIST genomes ``trace.mask_image()`` is the 16x16 mask of pixels that reach the digit.
    """
    if not 0 <= output_index < genome.n_out:
        raise IndexError(f"output_index {output_index} is out of range (0 to {genome.n_out - 1})")
    out_node = genome.n_nodes - genome.n_out + output_index
    nodes = ancestors(genome, [out_node])
    inside = np.isin(genome.connections[:, 0], nodes) & np.isin(genome.connections[:, 1], nodes)
    return Trace(output_index, nodes, np.flatnonzero(inside), np.isin(genome.input_nodes, nodes))


def trace_all_outputs(genome: Genome) -> tuple[list[Trace], np.ndarray]:
    """Traces of every output, plus an (n_out, n_in) bool matrix of input masks (the article's "All" view)."""
    traces = [trace_output(genome, k) for k in range(genome.n_out)]
    return traces, np.stack([t.input_mask for t in traces])


def to_networkx(genome: Genome) -> nx.DiGraph:
    """A networkx ``DiGraph`` view.

    Node attributes: ``kind``, ``label``, ``activation`` (id), ``layer``.
    Edge attributes: ``index`` (position in ``genome.connections``, the weight order).
    """
    import networkx as nx

    g = nx.DiGraph()
    layers = node_layers(genome)
    for node in range(genome.n_nodes):
        g.add_node(node, kind=genome.node_kind(node), label=genome.node_label(node),
                   activation=int(genome.activations[node]), layer=int(layers[node]))
    for k, (s, d) in enumerate(genome.connections):
        g.add_edge(int(s), int(d), index=k)
    return g


def layered_layout(genome: Genome, sweeps: int = 4) -> np.ndarray:
    """(N, 2) node positions in [0, 1]^2: x by layer, y ordered to reduce crossings.

    Uses networkx's ``multipartite_layout`` for the columns, then reorders each
    column by the mean height of the node's neighbours (barycentre sweeps).
    Bias sits on top of the input column; inputs and outputs keep file order.
    """
    import networkx as nx

    g = to_networkx(genome)
    layers = node_layers(genome)
    nx.set_node_attributes(g, {n: int(layers[n]) for n in g}, "subset")
    base = nx.multipartite_layout(g, subset_key="subset", align="vertical")
    n_layers = int(layers.max()) + 1
    columns = [sorted(np.flatnonzero(layers == k).tolist(), key=lambda n: base[n][1]) for k in range(n_layers)]
    columns[0] = list(range(1 + genome.n_in))
    columns[-1] = genome.output_nodes.tolist()
    ypos = np.zeros(genome.n_nodes)

    def place(col: list[int]) -> None:
        m = len(col)
        for i, node in enumerate(col):
            ypos[node] = 1.0 - (i + 0.5) / m if m > 1 else 0.5

    for col in columns:
        place(col)
    preds = {n: list(g.predecessors(n)) for n in g}
    succs = {n: list(g.successors(n)) for n in g}
    for _ in range(sweeps):
        for k in range(1, n_layers - 1):  # inputs and outputs keep their order
            bary = {n: np.mean([ypos[p] for p in preds[n]] or [ypos[n]]) for n in columns[k]}
            columns[k].sort(key=lambda n: -bary[n])
            place(columns[k])
        for k in range(n_layers - 2, 0, -1):
            bary = {n: np.mean([ypos[s] for s in succs[n]] + [ypos[p] for p in preds[n]] or [ypos[n]]) for n in columns[k]}
            columns[k].sort(key=lambda n: -bary[n])
            place(columns[k])
    pos = np.zeros((genome.n_nodes, 2))
    pos[:, 0] = layers / max(n_layers - 1, 1)
    pos[:, 1] = ypos
    return pos


def outgoing(genome: Genome, nodes) -> np.ndarray:
    """(k,) indices of the connections that leave any of ``nodes``, increasing."""
    src = genome.connections[:, 0]
    return np.flatnonzero(np.isin(src, np.asarray(list(nodes), dtype=np.int64)))


def knock_out(genome: Genome, connections=(), nodes=()) -> Genome:
    """A copy of ``genome`` without some connections: the listed ones and every one leaving ``nodes``.

    A removed connection carries nothing, exactly as a weight of 0 would. Tuned
    weights follow their connections; ``extra["knocked_out"]`` records what went
    (connection indices of the original genome).

    Raises:
        ValueError: a connection index out of range, or an output node (it feeds
            nothing: knock out the connections into it instead).
    """
    ks = {int(k) for k in connections}
    if any(not 0 <= k < genome.n_connections for k in ks):
        raise ValueError(f"the genome has connections 0 to {genome.n_connections - 1}")
    outputs = set(genome.output_nodes.tolist())
    for node in nodes:
        if int(node) in outputs:
            raise ValueError(f"{genome.node_label(int(node))} is an output: it feeds nothing; knock out the "
                             "connections into it instead")
    ks |= set(outgoing(genome, nodes).tolist())
    keep = np.array([k not in ks for k in range(genome.n_connections)], dtype=bool)
    extra = dict(genome.extra)
    extra["knocked_out"] = {"connections": sorted(ks)}
    tuned = None if genome.tuned_weights is None else np.asarray(genome.tuned_weights)[keep]
    return genome.with_changes(connections=np.asarray(genome.connections)[keep], tuned_weights=tuned, extra=extra)
