"""Genome data model, file formats and validation.

A genome is a feed-forward network topology with one activation per node:

* node 0 is the bias (value always 1);
* nodes ``1 .. n_in`` are the inputs (value = observation, no activation);
* the last ``n_out`` nodes are the outputs; everything between is hidden.

Connections are ``(src, dst)`` pairs. Their order is the order of
per-connection weights (``tuned_weights`` or ``connection_weights`` in the
forward pass). The shared weight is never stored in a genome: it is an
argument of the forward pass.

Formats read: the authors' ``.out`` matrix CSV (plus their ``*.wann.json``
tuned weights, attached with :func:`attach_tuned_weights`) and the native
versioned JSON format documented in ``saved_genomes/README.md``.
Every problem with a file raises :class:`GenomeError`, whose message names the
file and says what is wrong in plain words.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .graph import find_cycle
from .tasks.registry import TASK_SPECS, find_spec, guess_task

FORMAT_NAME = "wann-genome"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024  # a 256-input MNIST genome is well under 1 MB
MAX_NODES = 20_000
MAX_CONNECTIONS = 200_000
MAX_LABEL_CHARS = 200
MAX_TEXT_CHARS = 20_000


class GenomeError(ValueError):
    """A genome, or a genome file, is not valid. The message says why."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _freeze_json(value: Any, what: str) -> Mapping[str, Any]:
    """Deep-copy a JSON-able mapping and wrap it read-only."""
    try:
        text = json.dumps(value if value is not None else {}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise GenomeError(f"{what} must hold plain JSON values (numbers, text, lists, objects): {exc}") from None
    copy = json.loads(text)
    if not isinstance(copy, dict):
        raise GenomeError(f"{what} must be a JSON object")
    return MappingProxyType(copy)


@dataclass(frozen=True, eq=False)
class Genome:
    """An immutable WANN genome.

    Attributes:
        activations: (N,) int, activation id per node (bias and inputs hold 1, unused).
        connections: (C, 2) int, ``(src, dst)`` node indices, in weight order.
        n_in: number of inputs.
        n_out: number of outputs.
        task: registry name of the task (``"swingup"``...) or ``None``.
        input_labels: ``n_in`` labels.
        output_labels: ``n_out`` labels.
        name, source, licence, notes: free text metadata.
        tuned_weights: (C,) float per-connection weights, or ``None``.
        best_shared_weight: the best known shared weight, or ``None``.
        extra: read-only JSON mapping (run settings, fitness history, scores...).
    """

    activations: np.ndarray
    connections: np.ndarray
    n_in: int
    n_out: int
    task: str | None = None
    input_labels: tuple[str, ...] = ()
    output_labels: tuple[str, ...] = ()
    name: str = ""
    source: str = ""
    licence: str = ""
    notes: str = ""
    tuned_weights: np.ndarray | None = None
    best_shared_weight: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("n_in", "n_out"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise GenomeError(f"{name} must be a whole number, not {value!r}")
            set_(self, name, int(value))
        if self.n_in < 1 or self.n_out < 1:
            raise GenomeError(f"a genome needs at least one input and one output (has {self.n_in} and {self.n_out})")

        acts = np.asarray(self.activations)
        if acts.ndim != 1:
            raise GenomeError("activations must be a flat list, one id per node")
        if acts.dtype.kind == "f":
            if not np.all(np.isfinite(acts)) or np.any(acts != np.round(acts)):
                raise GenomeError("activation ids must be whole numbers")
        elif acts.dtype.kind not in "iu" and acts.size:
            raise GenomeError("activation ids must be whole numbers")
        acts = acts.astype(np.int64)
        n = acts.shape[0]
        if n > MAX_NODES:
            raise GenomeError(f"the genome has {n} nodes; the limit is {MAX_NODES}")
        if n < 1 + self.n_in + self.n_out:
            raise GenomeError(
                f"the genome has {n} nodes but needs at least {1 + self.n_in + self.n_out} "
                f"(1 bias, {self.n_in} inputs, {self.n_out} outputs)"
            )
        acts[: 1 + self.n_in] = 1  # bias and inputs take no activation
        unknown = sorted({int(a) for a in acts if int(a) not in ACTIVATIONS})
        if unknown:
            nodes = [int(i) for i in np.flatnonzero(~np.isin(acts, list(ACTIVATIONS)))][:5]
            raise GenomeError(
                f"unknown activation id {unknown[0]} (node {nodes[0]}); known ids are 1 to {max(ACTIVATIONS)}"
            )
        set_(self, "activations", _readonly(acts))

        conns = np.asarray(self.connections)
        if conns.size == 0:
            conns = np.zeros((0, 2), np.int64)
        if conns.ndim != 2 or conns.shape[1] != 2:
            raise GenomeError("connections must be a list of [source, target] pairs")
        if conns.dtype.kind == "f":
            if not np.all(np.isfinite(conns)) or np.any(conns != np.round(conns)):
                raise GenomeError("connection ends must be whole node numbers")
        elif conns.dtype.kind not in "iu":
            raise GenomeError("connection ends must be whole node numbers")
        conns = conns.astype(np.int64)
        if conns.shape[0] > MAX_CONNECTIONS:
            raise GenomeError(f"the genome has {conns.shape[0]} connections; the limit is {MAX_CONNECTIONS}")
        _check_connections(conns, n, self.n_in, self.n_out)
        set_(self, "connections", _readonly(conns))

        if self.tuned_weights is not None:
            tw = np.asarray(self.tuned_weights, dtype=float).reshape(-1)
            if tw.shape[0] != conns.shape[0]:
                raise GenomeError(
                    f"there are {tw.shape[0]} tuned weights but {conns.shape[0]} connections; "
                    "they must match one to one"
                )
            if not np.all(np.isfinite(tw)):
                raise GenomeError("tuned weights must be finite numbers")
            set_(self, "tuned_weights", _readonly(tw))
        if self.best_shared_weight is not None:
            w = self.best_shared_weight
            if isinstance(w, bool) or not isinstance(w, (int, float, np.number)) or not math.isfinite(w):
                raise GenomeError(f"best_shared_weight must be a finite number, not {w!r}")
            set_(self, "best_shared_weight", float(w))

        if self.task is not None and not isinstance(self.task, str):
            raise GenomeError("task must be text")
        spec = find_spec(self.task) if self.task else None
        if spec is not None and (spec.n_in, spec.n_out) != (self.n_in, self.n_out):
            raise GenomeError(
                f"the task {self.task!r} needs {spec.n_in} inputs and {spec.n_out} outputs, "
                f"but the genome has {self.n_in} and {self.n_out}"
            )
        set_(self, "input_labels", _labels(self.input_labels, self.n_in, "input", spec and spec.input_labels))
        set_(self, "output_labels", _labels(self.output_labels, self.n_out, "output", spec and spec.output_labels))
        for name in ("name", "source", "licence", "notes"):
            value = getattr(self, name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise GenomeError(f"{name} must be text")
            if len(value) > MAX_TEXT_CHARS:
                raise GenomeError(f"{name} is longer than {MAX_TEXT_CHARS} characters")
            set_(self, name, value)
        set_(self, "extra", _freeze_json(dict(self.extra) if isinstance(self.extra, Mapping) else self.extra, "extra"))

    # ----- sizes and node groups -------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.activations.shape[0])

    @property
    def n_connections(self) -> int:
        return int(self.connections.shape[0])

    @property
    def n_hidden(self) -> int:
        return self.n_nodes - 1 - self.n_in - self.n_out

    @property
    def input_nodes(self) -> np.ndarray:
        """(n_in,) node indices of the inputs."""
        return np.arange(1, 1 + self.n_in)

    @property
    def hidden_nodes(self) -> np.ndarray:
        """(n_hidden,) node indices of the hidden nodes."""
        return np.arange(1 + self.n_in, self.n_nodes - self.n_out)

    @property
    def output_nodes(self) -> np.ndarray:
        """(n_out,) node indices of the outputs."""
        return np.arange(self.n_nodes - self.n_out, self.n_nodes)

    def node_kind(self, node: int) -> str:
        """``"bias"``, ``"input"``, ``"hidden"`` or ``"output"``."""
        if node == 0:
            return "bias"
        if node <= self.n_in:
            return "input"
        if node >= self.n_nodes - self.n_out:
            return "output"
        return "hidden"

    def node_label(self, node: int) -> str:
        """Display label of a node: its input/output label, ``bias`` or ``h<index>``."""
        kind = self.node_kind(node)
        if kind == "bias":
            return "bias"
        if kind == "input":
            return self.input_labels[node - 1]
        if kind == "output":
            return self.output_labels[node - (self.n_nodes - self.n_out)]
        return f"h{node}"

    def cached(self, key: str, build: Callable[[Genome], Any]) -> Any:
        """``build(self)``, computed once per genome object and kept on it.

        Genomes are immutable, so anything derived from one (a compiled
        network, an evaluator) stays valid for its lifetime; the cache dies
        with the genome, and ``with_changes`` copies start empty.
        """
        cache = self.__dict__.get("_derived")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_derived", cache)
        if key not in cache:
            cache[key] = build(self)
        return cache[key]

    def with_changes(self, **changes: Any) -> Genome:
        """A validated copy with some fields replaced."""
        return replace(self, **changes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Genome):
            return NotImplemented
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or a.shape != b.shape or not np.array_equal(a, b):
                    return False
            elif f.name == "extra":
                if dict(a) != dict(b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        # Worker processes (process pools, Dask) receive genomes through the
        # native JSON document: the read-only ``extra`` mapping cannot pickle.
        return (genome_from_dict, (genome_to_dict(self),))

    def __repr__(self) -> str:
        return (
            f"Genome(name={self.name!r}, task={self.task!r}, nodes={self.n_nodes} "
            f"(in={self.n_in}, hidden={self.n_hidden}, out={self.n_out}), connections={self.n_connections})"
        )


def _labels(labels: Sequence[str], n: int, kind: str, default: Sequence[str] | None) -> tuple[str, ...]:
    if labels is None or len(labels) == 0:
        if default:
            return tuple(default)
        return tuple(f"{kind[:3]}_{i}" for i in range(n))
    if isinstance(labels, str) or len(labels) != n:
        raise GenomeError(f"there must be exactly {n} {kind} labels (found {len(labels) if not isinstance(labels, str) else 'one text'})")
    out = []
    for label in labels:
        if not isinstance(label, str):
            raise GenomeError(f"{kind} labels must be text, found {label!r}")
        if len(label) > MAX_LABEL_CHARS:
            raise GenomeError(f"an {kind} label is longer than {MAX_LABEL_CHARS} characters")
        out.append(label)
    return tuple(out)


def _check_connections(conns: np.ndarray, n: int, n_in: int, n_out: int) -> None:
    """Raise GenomeError unless ``conns`` (C, 2) is a valid feed-forward wiring."""
    if conns.shape[0] == 0:
        return
    src, dst = conns[:, 0], conns[:, 1]
    bad = (src < 0) | (src >= n) | (dst < 0) | (dst >= n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GenomeError(f"connection {i} ({src[i]} -> {dst[i]}) names a node that does not exist (nodes are 0 to {n - 1})")
    self_loop = src == dst
    if self_loop.any():
        i = int(np.flatnonzero(self_loop)[0])
        raise GenomeError(f"node {src[i]} is connected to itself; a WANN must be feed-forward")
    into_fixed = dst <= n_in
    if into_fixed.any():
        i = int(np.flatnonzero(into_fixed)[0])
        what = "the bias" if dst[i] == 0 else f"input node {dst[i]}"
        raise GenomeError(f"connection {src[i]} -> {dst[i]} leads into {what}; bias and inputs cannot have incoming connections")
    from_out = src >= n - n_out
    if from_out.any():
        i = int(np.flatnonzero(from_out)[0])
        raise GenomeError(f"connection {src[i]} -> {dst[i]} leaves output node {src[i]}; outputs cannot feed other nodes")
    keys = src * n + dst
    uniq, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():
        k = int(uniq[np.flatnonzero(counts > 1)[0]])
        raise GenomeError(f"the connection {k // n} -> {k % n} appears more than once")
    cycle = find_cycle(n, conns)
    if cycle:
        path = " -> ".join(str(c) for c in cycle)
        raise GenomeError(f"the connections form a loop ({path}); a WANN must be feed-forward")


# ----- the authors' matrix format ------------------------------------------------

def is_authors_champion(genome: Genome) -> bool:
    """Whether ``genome`` is one of the authors' published champions (its source or licence names
    google/brain-tokyo-workshop): then the paper's figures belong to it."""
    return "brain-tokyo-workshop" in f"{genome.source} {genome.licence}".lower()


def genome_digest(genome: Genome) -> str:
    """Content key (16 hex) of what decides a genome's behaviour: sizes, activations,
    connections, task and tuned weights (not names or notes). Cached on the genome."""

    def build(g: Genome) -> str:
        h = hashlib.sha256()
        h.update(f"{g.n_in},{g.n_out},{g.n_nodes},{g.n_connections};{g.task};".encode())
        h.update(np.ascontiguousarray(g.activations, dtype="<i8").tobytes())
        h.update(np.ascontiguousarray(g.connections, dtype="<i8").tobytes())
        if g.tuned_weights is not None:
            h.update(b"tuned;" + np.ascontiguousarray(g.tuned_weights, dtype="<f8").tobytes())
        return h.hexdigest()[:16]

    return genome.cached("digest", build)


def genome_from_matrix_text(text: str, task: str | None = None, *, n_in: int | None = None,
                            n_out: int | None = None, name: str = "", source: str = "") -> Genome:
    """Parse the authors' ``.out`` CSV (N rows of N+1 numbers).

    Entry ``[i, j]`` of the N x N block is a connection ``i -> j`` unless it is
    0 or ``nan``; column N holds activation ids. Sizes come from ``task`` or
    from ``n_in``/``n_out``.
    """
    if task is not None:
        spec = find_spec(task)
        if spec is None:
            raise GenomeError(f"unknown task {task!r}; known tasks: {', '.join(sorted(TASK_SPECS))}")
        n_in = spec.n_in if n_in is None else n_in
        n_out = spec.n_out if n_out is None else n_out
    if n_in is None or n_out is None:
        raise GenomeError(
            "a .out matrix file does not say how many inputs and outputs it has; "
            f"choose its task ({', '.join(sorted(TASK_SPECS))})"
        )
    rows = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if not rows:
        raise GenomeError("the file is empty")
    n = len(rows)
    if n > MAX_NODES:
        raise GenomeError(f"the matrix has {n} rows; the limit is {MAX_NODES} nodes")
    matrix = np.empty((n, n + 1))
    for r, line in enumerate(rows):
        cells = line.split(",")
        if len(cells) != n + 1:
            raise GenomeError(
                f"row {r + 1} has {len(cells)} values but a matrix of {n} rows needs {n + 1} "
                f"({n} connection columns and 1 activation column)"
            )
        for c, cell in enumerate(cells):
            cell = cell.strip()
            try:
                value = float(cell)
            except ValueError:
                raise GenomeError(f"row {r + 1}, column {c + 1}: {cell[:30]!r} is not a number") from None
            if math.isinf(value):
                raise GenomeError(f"row {r + 1}, column {c + 1}: infinite values are not allowed")
            matrix[r, c] = value
    acts = matrix[:, n]
    if np.isnan(acts).any():
        r = int(np.flatnonzero(np.isnan(acts))[0])
        raise GenomeError(f"row {r + 1}: the activation id (last column) is missing (nan)")
    weights = matrix[:, :n]
    # 0 = no connection, nan = disabled; row-major order gives the weight order.
    src, dst = np.nonzero(np.nan_to_num(weights, nan=0.0) != 0.0)
    conns = np.stack([src, dst], axis=1)
    return Genome(activations=acts, connections=conns, n_in=n_in, n_out=n_out, task=task,
                  name=name, source=source)


# ----- the native JSON format ----------------------------------------------------

def genome_to_dict(genome: Genome) -> dict[str, Any]:
    """The native JSON document (format ``wann-genome``, version 1) as a dict."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": genome.name,
        "task": genome.task,
        "source": genome.source,
        "licence": genome.licence,
        "notes": genome.notes,
        "nodes": {
            "n_in": genome.n_in,
            "n_out": genome.n_out,
            "activations": [int(a) for a in genome.activations],
            "input_labels": list(genome.input_labels),
            "output_labels": list(genome.output_labels),
        },
        "connections": [[int(s), int(d)] for s, d in genome.connections],
        "tuned_weights": None if genome.tuned_weights is None else [float(w) for w in genome.tuned_weights],
        "best_shared_weight": genome.best_shared_weight,
        "extra": dict(genome.extra),
    }


def genome_to_json(genome: Genome) -> str:
    """Serialize to native JSON text (compact connection lists, one key per line)."""
    doc = genome_to_dict(genome)

    def block(d: dict, indent: str) -> str:
        lines = [f'{indent}  {json.dumps(k)}: ' + (block(v, indent + "  ") if k == "nodes"
                 else json.dumps(v, allow_nan=False, separators=(",", ":") if k == "connections" else (", ", ": ")))
                 for k, v in d.items()]
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"

    return block(doc, "") + "\n"


_TOP_KEYS = {"format", "version", "name", "task", "source", "licence", "notes", "nodes",
             "connections", "tuned_weights", "best_shared_weight", "extra"}
_NODE_KEYS = {"n_in", "n_out", "activations", "input_labels", "output_labels"}


def _expect(value: Any, kind: type | tuple, what: str, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        names = {int: "a whole number", str: "text", list: "a list", dict: "an object",
                 (int, float): "a number"}
        raise GenomeError(f"{what} must be {names.get(kind, str(kind))}, found {type(value).__name__}")
    return value


def _int_list(value: Any, what: str) -> np.ndarray:
    _expect(value, list, what)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int):
            raise GenomeError(f"{what} must hold whole numbers only, found {v!r}"[:200])
    return np.array(value, dtype=np.int64) if value else np.zeros(0, np.int64)


def genome_from_dict(doc: Any) -> Genome:
    """Build a genome from a parsed native JSON document."""
    _expect(doc, dict, "the file's top level")
    if doc.get("format") != FORMAT_NAME:
        raise GenomeError(f'this is not a WANN genome file: "format" must be "{FORMAT_NAME}"')
    version = doc.get("version")
    _expect(version, int, '"version"')
    if version > FORMAT_VERSION:
        raise GenomeError(f"the file uses format version {version}, newer than this program reads ({FORMAT_VERSION}); please update WANN Explorer")
    if version < 1:
        raise GenomeError(f"format version {version} does not exist")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise GenomeError(f"unknown field {unknown[0]!r}; unknown fields are refused so that typos are noticed")
    nodes = _expect(doc.get("nodes"), dict, '"nodes"')
    unknown = sorted(set(nodes) - _NODE_KEYS)
    if unknown:
        raise GenomeError(f"unknown field {unknown[0]!r} in \"nodes\"")
    n_in = _expect(nodes.get("n_in"), int, '"nodes.n_in"')
    n_out = _expect(nodes.get("n_out"), int, '"nodes.n_out"')
    acts = _int_list(nodes.get("activations"), '"nodes.activations"')
    raw = _expect(doc.get("connections"), list, '"connections"')
    if len(raw) > MAX_CONNECTIONS:
        raise GenomeError(f"the genome has {len(raw)} connections; the limit is {MAX_CONNECTIONS}")
    for i, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in pair):
            raise GenomeError(f"connection {i} must be a pair of node numbers like [0, 7], found {str(pair)[:60]}")
    conns = np.array(raw, dtype=np.int64).reshape(-1, 2)
    tuned = doc.get("tuned_weights")
    if tuned is not None:
        _expect(tuned, list, '"tuned_weights"')
        for v in tuned:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise GenomeError(f'"tuned_weights" must hold numbers only, found {v!r}'[:200])
    best = doc.get("best_shared_weight")
    if best is not None:
        _expect(best, (int, float), '"best_shared_weight"')
    labels = {}
    for key in ("input_labels", "output_labels"):
        value = nodes.get(key)
        labels[key] = tuple(_expect(value, list, f'"nodes.{key}"')) if value is not None else ()
    texts = {}
    for key in ("name", "task", "source", "licence", "notes"):
        texts[key] = _expect(doc.get(key), str, f'"{key}"', optional=True)
    extra = _expect(doc.get("extra"), dict, '"extra"', optional=True) or {}
    task = texts.pop("task")
    if task is not None and find_spec(task) is None:
        raise GenomeError(f"unknown task {task!r}; known tasks: {', '.join(sorted(TASK_SPECS))}")
    return Genome(
        activations=acts, connections=conns, n_in=n_in, n_out=n_out, task=task,
        input_labels=labels["input_labels"], output_labels=labels["output_labels"],
        tuned_weights=None if tuned is None else np.array(tuned, dtype=float),
        best_shared_weight=best, extra=extra,
        **{k: v or "" for k, v in texts.items()},
    )


def _parse_json(text: str) -> Any:
    def no_constants(name: str) -> Any:
        raise GenomeError(f"{name} is not allowed in a genome file")
    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise GenomeError(f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise GenomeError("the JSON is nested too deeply") from None


def _looks_like_tuned_weights(doc: Any) -> bool:
    return isinstance(doc, list) and len(doc) in (2, 3) and isinstance(doc[0], list)


def parse_genome(data: bytes | str, filename: str = "genome", task: str | None = None) -> Genome:
    """Parse genome bytes or text of either format; errors name ``filename``.

    The format is told by content: a JSON object is native, CSV is ``.out``.
    This is the entry point for untrusted uploads.
    """
    try:
        if isinstance(data, bytes):
            if len(data) > MAX_FILE_BYTES:
                raise GenomeError(f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise GenomeError("the file is not text (it is not UTF-8); expected a .out matrix or a .json genome") from None
        elif isinstance(data, str):
            text = data
            if len(text) > MAX_FILE_BYTES:
                raise GenomeError(f"the file is larger than {MAX_FILE_BYTES / 1e6:.0f} MB")
        else:
            raise GenomeError("expected file contents as bytes or text")
        stripped = text.lstrip()
        if not stripped:
            raise GenomeError("the file is empty")
        if stripped[0] in "{[":
            doc = _parse_json(stripped)
            if _looks_like_tuned_weights(doc):
                raise GenomeError(
                    "this is a tuned-weight file ([params, score]), not a network; load the matching .out "
                    "genome and attach it with attach_tuned_weights"
                )
            return genome_from_dict(doc)
        if task is None:
            task = guess_task(Path(filename).name)
        return genome_from_matrix_text(text, task, name=Path(filename).stem, source=filename)
    except GenomeError as exc:
        raise GenomeError(f"{filename}: {exc}") from None
    except (MemoryError, RecursionError) as exc:  # hostile sizes or nesting
        raise GenomeError(f"{filename}: the file is too large or too deeply nested ({type(exc).__name__})") from None
    except OverflowError:  # a 400-digit number where a float or an index belongs
        raise GenomeError(f"{filename}: a number in the file is far too large") from None


def load_genome(path: str | os.PathLike, task: str | None = None) -> Genome:
    """Read a genome from a native ``.json`` or an authors' ``.out`` file.

    Args:
        path: file to read.
        task: task name; labels an ``.out`` file (guessed from its name when omitted).

    Raises:
        GenomeError: for any problem with the file, naming the file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise GenomeError(f"{path.name}: the file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise GenomeError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    return parse_genome(data, path.name, task)


def save_genome(genome: Genome, path: str | os.PathLike) -> None:
    """Write ``genome`` in the native JSON format (atomically)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(genome_to_json(genome), encoding="utf-8")
    os.replace(tmp, path)


def read_tuned_weights(path: str | os.PathLike) -> tuple[np.ndarray, float | None, float | None]:
    """Read an authors' ``*.wann.json``: ``(params (C,), score, score_sd)``."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise GenomeError("the file is too large")
        doc = _parse_json(path.read_text("utf-8"))
        if not _looks_like_tuned_weights(doc):
            raise GenomeError("expected [params, score] or [params, score, sd]")
        params = doc[0]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in params):
            raise GenomeError("params must be numbers")
        for v in doc[1:]:
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise GenomeError("the score must be a number")
        params_a = np.array(params, dtype=float)
        if not np.all(np.isfinite(params_a)):
            raise GenomeError("params must be finite")
        score = float(doc[1])
        sd = float(doc[2]) if len(doc) == 3 else None
        return params_a, score, sd
    except GenomeError as exc:
        raise GenomeError(f"{path.name}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GenomeError(f"{path.name}: cannot read the file ({exc})") from None


def attach_tuned_weights(genome: Genome, path: str | os.PathLike, shared_weight: float) -> Genome:
    """Attach an authors' tuned-weight file: weight k = params[k] + ``shared_weight``.

    The offset is kept as ``extra["tuned_weights_offset"]``; it is not the genome's best
    shared weight, which only a measurement says (``evaluate --record``)."""
    params, score, sd = read_tuned_weights(path)
    if params.shape[0] != genome.n_connections:
        raise GenomeError(
            f"{Path(path).name}: {params.shape[0]} tuned weights for a genome with "
            f"{genome.n_connections} connections; is it the right file?"
        )
    extra = dict(genome.extra)
    extra["tuned_weights_score"] = {"mean": score, "sd": sd}
    extra["tuned_weights_offset"] = float(shared_weight)
    return genome.with_changes(tuned_weights=params + shared_weight, extra=extra)
