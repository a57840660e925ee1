"""The search's own genome representation and its variation operators.

An :class:`Individual` is immutable. Nodes are numbered by id: 0 is the bias,
``1 .. n_in`` the inputs, ``n_in + 1 .. n_in + n_out`` the outputs, and hidden
nodes take the next free id when they are inserted (ids are local to one
lineage; without crossover no global innovation numbers are needed).
Connections are ``(src, dst, enabled)`` rows; a disabled connection is kept so
that "re-enable" can bring it back.

Invariant kept by every operator: the graph of *all* connections, enabled or
not, is acyclic, has no duplicate pairs, no connection into the bias or an
input, and none out of an output. Re-enabling therefore can never make a loop.

:meth:`Individual.to_genome` turns an individual into a :class:`~wann_viz.Genome`
(bias, inputs, hidden nodes in topological order, outputs last; enabled
connections only, in row-major order of the resulting matrix).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..genome import Genome
from ..graph import topological_order

OPERATORS = ("change_activation", "add_node", "add_connection", "enable")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Individual:
    """One member of the population.

    Attributes:
        n_in, n_out: sizes fixed by the task.
        activations: (N,) int64 activation id per node id (bias and inputs hold 1).
        connections: (C, 3) int64 rows ``(src_id, dst_id, enabled 0/1)``.
    """

    n_in: int
    n_out: int
    activations: np.ndarray
    connections: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "activations", _frozen(np.asarray(self.activations, np.int64)))
        c = np.asarray(self.connections, np.int64).reshape(-1, 3)
        object.__setattr__(self, "connections", _frozen(c))

    # ----- sizes -------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.activations.shape[0])

    @property
    def first_output(self) -> int:
        return 1 + self.n_in

    @property
    def first_hidden(self) -> int:
        return 1 + self.n_in + self.n_out

    @property
    def n_enabled(self) -> int:
        """Number of enabled connections (the connection-count objective)."""
        return int(self.connections[:, 2].sum()) if len(self.connections) else 0

    def is_output(self, node: int) -> bool:
        return self.first_output <= node < self.first_hidden

    # ----- conversion --------------------------------------------------------------
    def node_order(self) -> np.ndarray:
        """(N,) node ids in Genome order: bias, inputs, hidden (topological), outputs."""
        n = self.n_nodes
        # Only hidden nodes gate hidden nodes (outputs feed nothing; bias and inputs come
        # first), so sorting the hidden subgraph gives the full sort's hidden order.
        h0 = self.first_hidden
        c = self.connections[:, :2] if len(self.connections) else np.zeros((0, 2), np.int64)
        inner = c[(c[:, 0] >= h0) & (c[:, 1] >= h0)] - h0
        sub = topological_order(n - h0, inner)
        if sub is None:  # pragma: no cover - operators keep the graph acyclic
            raise ValueError("internal error: the connection graph has a loop")
        hidden = sub + h0
        head = np.arange(1 + self.n_in)
        outputs = np.arange(self.first_output, self.first_hidden)
        return np.concatenate([head, hidden, outputs]).astype(np.int64)

    def to_genome(self, task: str | None = None, **fields) -> Genome:
        """The validated :class:`Genome` of this individual (enabled connections only).

        Without extra ``fields`` the result is cached (both objects are
        immutable): elites are converted once, not every generation.
        """
        if not fields:
            cache = self.__dict__.setdefault("_genomes", {})
            if task not in cache:
                cache[task] = self._build_genome(task)
            return cache[task]
        return self._build_genome(task, **fields)

    def _build_genome(self, task: str | None, **fields) -> Genome:
        order = self.node_order()
        position = np.empty(self.n_nodes, np.int64)
        position[order] = np.arange(self.n_nodes)
        on = self.connections[self.connections[:, 2] == 1, :2] if len(self.connections) else np.zeros((0, 2), np.int64)
        conns = position[on]
        if len(conns):
            conns = conns[np.lexsort((conns[:, 1], conns[:, 0]))]
        return Genome(activations=self.activations[order], connections=conns, n_in=self.n_in,
                      n_out=self.n_out, task=task, **fields)

    def to_dict(self) -> dict:
        """JSON-able form (checkpoints)."""
        return {"n_in": self.n_in, "n_out": self.n_out, "activations": self.activations.tolist(),
                "connections": self.connections.tolist()}

    @classmethod
    def from_dict(cls, doc: dict) -> "Individual":
        ind = cls(int(doc["n_in"]), int(doc["n_out"]), np.array(doc["activations"], np.int64),
                  np.array(doc["connections"], np.int64).reshape(-1, 3))
        ind.check()
        return ind

    def key(self) -> str:
        """Text that is equal for individuals that build the same genome (duplicate detection)."""
        g = self.to_genome()
        return json.dumps([g.activations.tolist(), g.connections.tolist()], separators=(",", ":"))

    def check(self) -> None:
        """Raise ``ValueError`` unless the representation invariant holds."""
        n, c = self.n_nodes, self.connections
        if n < self.first_hidden:
            raise ValueError("too few nodes")
        if len(c) == 0:
            return
        src, dst, en = c[:, 0], c[:, 1], c[:, 2]
        if ((src < 0) | (src >= n) | (dst < 0) | (dst >= n)).any():
            raise ValueError("a connection names a missing node")
        if (dst <= self.n_in).any():
            raise ValueError("a connection enters the bias or an input")
        if ((src >= self.first_output) & (src < self.first_hidden)).any():
            raise ValueError("a connection leaves an output")
        if not np.isin(en, (0, 1)).all():
            raise ValueError("enabled flags must be 0 or 1")
        if len(np.unique(src * n + dst)) != len(c):
            raise ValueError("duplicate connection")
        if topological_order(n, c[:, :2]) is None:
            raise ValueError("the connection graph has a loop")


# ----- initial population -----------------------------------------------------------

def initial_individual(n_in: int, n_out: int, prob_enable: float, output_activation: int,
                       rng: np.random.Generator) -> Individual:
    """A network with no hidden nodes: every (bias or input) -> output connection
    exists, each enabled with probability ``prob_enable``."""
    acts = np.ones(1 + n_in + n_out, np.int64)
    acts[1 + n_in:] = output_activation
    src = np.repeat(np.arange(1 + n_in), n_out)
    dst = np.tile(np.arange(1 + n_in, 1 + n_in + n_out), 1 + n_in)
    enabled = (rng.random(src.shape[0]) < prob_enable).astype(np.int64)
    return Individual(n_in, n_out, acts, np.stack([src, dst, enabled], axis=1))


# ----- operators ------------------------------------------------------------------------
# Each returns a new Individual, or None when it cannot apply to this parent.

def change_activation(ind: Individual, rng: np.random.Generator, activations: tuple[int, ...]) -> Individual | None:
    """Give a random hidden node a different activation from ``activations``."""
    n_hidden = ind.n_nodes - ind.first_hidden
    if n_hidden == 0:
        return None
    node = ind.first_hidden + int(rng.integers(n_hidden))
    choices = [a for a in activations if a != int(ind.activations[node])]
    if not choices:
        return None
    acts = ind.activations.copy()
    acts[node] = choices[int(rng.integers(len(choices)))]
    return Individual(ind.n_in, ind.n_out, acts, ind.connections)


def add_node(ind: Individual, rng: np.random.Generator, activations: tuple[int, ...]) -> Individual | None:
    """Split a random enabled connection s -> d into s -> h -> d (h new, random activation)."""
    c = ind.connections
    enabled = np.flatnonzero(c[:, 2] == 1) if len(c) else np.zeros(0, np.int64)
    if enabled.size == 0:
        return None
    k = int(enabled[int(rng.integers(enabled.size))])
    s, d = int(c[k, 0]), int(c[k, 1])
    h = ind.n_nodes
    acts = np.append(ind.activations, activations[int(rng.integers(len(activations)))])
    conns = c.copy()
    conns[k, 2] = 0
    conns = np.concatenate([conns, [[s, h, 1], [h, d, 1]]])
    return Individual(ind.n_in, ind.n_out, acts, conns)


def _sources_of(n: int, conns: np.ndarray) -> list[list[int]]:
    """Sources of each node over all connections (enabled or not)."""
    sources: list[list[int]] = [[] for _ in range(n)]
    for s, d in conns[:, :2].tolist():
        sources[d].append(s)
    return sources


def _ancestors(n: int, sources: list[list[int]], node: int) -> np.ndarray:
    """(n,) bool: nodes with a path to ``node`` (node included), given :func:`_sources_of`."""
    seen = [False] * n
    todo = [node]
    while todo:
        x = todo.pop()
        if seen[x]:
            continue
        seen[x] = True
        todo.extend(sources[x])
    return np.array(seen, bool)


def add_connection(ind: Individual, rng: np.random.Generator, max_sources: int = 32) -> Individual | None:
    """Connect two unconnected nodes, feed-forward only.

    Sources are tried in random order (at most ``max_sources``); for a source
    ``s`` the candidate targets are hidden or output nodes that are not
    ancestors of ``s`` (that would close a loop) and not yet linked from ``s``.
    """
    n = ind.n_nodes
    c = ind.connections
    sources = np.concatenate([np.arange(1 + ind.n_in), np.arange(ind.first_hidden, n)])
    targets_ok = np.zeros(n, bool)
    targets_ok[ind.first_output:] = True
    feeding = _sources_of(n, c) if len(c) else [[] for _ in range(n)]
    for s in rng.permutation(sources)[:max_sources].tolist():
        ok = targets_ok & ~_ancestors(n, feeding, s)
        if len(c):
            ok[c[c[:, 0] == s, 1]] = False
        cand = np.flatnonzero(ok)
        if cand.size:
            d = int(cand[int(rng.integers(cand.size))])
            return Individual(ind.n_in, ind.n_out, ind.activations, np.concatenate([c, [[s, d, 1]]]))
    return None


def enable_connection(ind: Individual, rng: np.random.Generator) -> Individual | None:
    """Re-enable a random disabled connection (always feed-forward: see module doc)."""
    c = ind.connections
    off = np.flatnonzero(c[:, 2] == 0) if len(c) else np.zeros(0, np.int64)
    if off.size == 0:
        return None
    conns = c.copy()
    conns[int(off[int(rng.integers(off.size))]), 2] = 1
    return Individual(ind.n_in, ind.n_out, ind.activations, conns)


def mutate(ind: Individual, rng: np.random.Generator, probabilities: dict[str, float],
           activations: tuple[int, ...]) -> tuple[Individual, str | None]:
    """Apply one operator, drawn with ``probabilities`` (keys of :data:`OPERATORS`).

    An operator that cannot apply (no hidden node, nothing disabled, no free
    pair) is set aside and another drawn from the rest, renormalized.

    Returns:
        ``(child, operator name)``, or ``(parent, None)`` if none applies.
    """
    names = [op for op in OPERATORS if probabilities.get(op, 0.0) > 0.0]
    p = np.array([probabilities[op] for op in names], float)
    while names:
        i = int(rng.choice(len(names), p=p / p.sum()))
        op = names[i]
        if op == "change_activation":
            child = change_activation(ind, rng, activations)
        elif op == "add_node":
            child = add_node(ind, rng, activations)
        elif op == "add_connection":
            child = add_connection(ind, rng)
        else:
            child = enable_connection(ind, rng)
        if child is not None:
            return child, op
        del names[i]
        p = np.delete(p, i)
    return ind, None
