"""Writers of the authors' formats: the ``.out`` matrix CSV and ``*.wann.json`` tuned weights.

The ``.out`` file is N rows of N + 1 numbers (``%.2e``): columns ``0 .. N-1`` are
the N x N connection matrix (entry ``[i, j]`` is the connection ``i -> j``, 0 for
none), column N the activation id of each node. Rows are in topological order
(the matrix is strictly upper triangular): bias, inputs, hidden nodes, outputs.

The ``*.wann.json`` document is ``[params, score]`` or ``[params, score, sd]``,
one param per connection in the row-major order of the matrix; connection k's
weight is ``params[k] + offset``. :func:`wann_viz.genome.attach_tuned_weights`
reads it back given the same offset.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..genome import Genome
from ..graph import topological_order


def topological_numbering(genome: Genome) -> np.ndarray:
    """(N,) old node index at each new position: bias and inputs first, hidden nodes in a
    topological order, outputs last. The identity when every connection already goes from a
    lower to a higher node index."""
    conns = genome.connections
    n = genome.n_nodes
    if conns.shape[0] == 0 or bool(np.all(conns[:, 0] < conns[:, 1])):
        return np.arange(n)
    order = topological_order(n, conns)
    hidden = set(genome.hidden_nodes.tolist())
    mid = [int(i) for i in order if int(i) in hidden]
    return np.concatenate([np.arange(1 + genome.n_in), np.array(mid, np.int64), genome.output_nodes]).astype(np.int64)


def matrix_connection_order(genome: Genome) -> tuple[np.ndarray, np.ndarray]:
    """Where the genome's connections land in the written matrix.

    Returns:
        ``(numbering, order)``: ``numbering`` (N,) as :func:`topological_numbering`;
        ``order`` (C,) the genome's connection indices in the matrix's row-major order
        (the k-th nonzero entry of the flattened matrix is connection ``order[k]``).
    """
    numbering = topological_numbering(genome)
    new_index = np.empty_like(numbering)
    new_index[numbering] = np.arange(numbering.shape[0])
    conns = genome.connections
    if conns.shape[0] == 0:
        return numbering, np.zeros(0, np.int64)
    src, dst = new_index[conns[:, 0]], new_index[conns[:, 1]]
    order = np.lexsort((dst, src))  # row-major: by source row, then target column
    return numbering, order.astype(np.int64)


def _wants_tuned(genome: Genome, tuned: bool | None) -> bool:
    if tuned and genome.tuned_weights is None:
        raise ValueError("the genome has no tuned weights to write")
    return genome.tuned_weights is not None if tuned is None else bool(tuned)


def genome_to_matrix_text(genome: Genome, *, tuned: bool | None = None) -> str:
    """The authors' ``.out`` text of ``genome``.

    Args:
        genome: any valid genome; hidden nodes are renumbered into a topological
            order when the genome's node order is not one.
        tuned: store each connection's tuned weight as its matrix value (``True``), or
            1 (``False``); ``None``: tuned weights when attached. A tuned weight of
            exactly 0 is stored as 1, since 0 means "no connection".

    Returns:
        N lines of N + 1 comma-separated numbers, each line ending in a newline.
    """
    use_tuned = _wants_tuned(genome, tuned)
    numbering, _ = matrix_connection_order(genome)
    n = genome.n_nodes
    new_index = np.empty_like(numbering)
    new_index[numbering] = np.arange(n)
    matrix = np.zeros((n, n + 1))
    conns = genome.connections
    if conns.shape[0]:
        values = np.ones(conns.shape[0])
        if use_tuned:
            values = np.where(genome.tuned_weights != 0.0, genome.tuned_weights, 1.0)
        matrix[new_index[conns[:, 0]], new_index[conns[:, 1]]] = values
    matrix[:, n] = genome.activations[numbering]
    return "".join(",".join(f"{v:.2e}" for v in row) + "\n" for row in matrix.tolist())


def tuned_weights_offset(genome: Genome) -> float:
    """The offset subtracted from the tuned weights in a ``*.wann.json``:
    ``extra["tuned_weights_offset"]``, else ``best_shared_weight``, else 0."""
    offset = genome.extra.get("tuned_weights_offset")
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        return float(offset)
    if genome.best_shared_weight is not None:
        return float(genome.best_shared_weight)
    return 0.0


def _param(weight: float, offset: float) -> float:
    """``weight - offset``, as its 15-digit rounding when that still adds back to ``weight``
    exactly (so -0.1783 is not written as -0.1782999999999999)."""
    p = weight - offset
    q = float(f"{p:.15g}")
    return q if q + offset == weight else p


def tuned_weights_document(genome: Genome) -> list:
    """The ``*.wann.json`` document ``[params (C,), score]`` or ``[params, score, sd]``.

    ``params`` follow the row-major order of :func:`genome_to_matrix_text`'s matrix and
    are the tuned weights minus :func:`tuned_weights_offset`. The score and sd come
    from ``extra["tuned_weights_score"]``; ``read_tuned_weights`` only accepts a number
    there, so a genome that records no score gets 0.

    Raises:
        ValueError: the genome has no tuned weights.
    """
    if genome.tuned_weights is None:
        raise ValueError("the genome has no tuned weights to write")
    _, order = matrix_connection_order(genome)
    offset = tuned_weights_offset(genome)
    params = [_param(float(v), offset) for v in genome.tuned_weights[order]]
    score, sd = 0.0, None
    recorded = genome.extra.get("tuned_weights_score")
    if isinstance(recorded, dict):
        mean = recorded.get("mean")
        if isinstance(mean, (int, float)) and not isinstance(mean, bool):
            score = float(mean)
        if isinstance(recorded.get("sd"), (int, float)) and not isinstance(recorded.get("sd"), bool):
            sd = float(recorded["sd"])
    return [params, score] if sd is None else [params, score, sd]


def out_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``(PATH.out, <stem>.wann.json)`` for an output path given with or without ``.out``."""
    path = Path(path)
    out = path if path.suffix == ".out" else path.with_name(path.name + ".out")
    return out, out.with_name(out.stem + ".wann.json")


def write_text(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file beside it, then a rename)."""
    tmp = path.with_name(path.name + ".tmp")
    if isinstance(text, bytes):
        tmp.write_bytes(text)
    else:
        tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_out(genome: Genome, path: str | os.PathLike, *, tuned: bool | None = None) -> list[Path]:
    """Write ``PATH.out`` and, when tuned weights are attached, ``<stem>.wann.json`` beside it.

    ``tuned`` is as in :func:`genome_to_matrix_text`. Returns the paths written.
    """
    out, wann = out_paths(path)
    text = genome_to_matrix_text(genome, tuned=tuned)
    write_text(out, text)
    written = [out]
    if genome.tuned_weights is not None:
        write_text(wann, json.dumps(tuned_weights_document(genome), allow_nan=False) + "\n")
        written.append(wann)
    return written
