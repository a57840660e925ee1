"""Export a genome: native JSON, the authors' ``.out`` (+ ``.wann.json``), ONNX, SVG or PNG.

``export_genome(genome, "onnx", "net.onnx")`` writes one file (two for ``out`` with
tuned weights) and returns the paths written. Modules here never import dash or
plotly; onnx and Pillow are imported only when their format is asked for.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ..genome import Genome, save_genome
from .matrix import (
    genome_to_matrix_text,
    tuned_weights_document,
    tuned_weights_offset,
    write_out,
    write_text,
)
from .picture import network_png, network_svg

FORMATS = ("json", "out", "onnx", "svg", "png")
WEIGHTS = ("shared", "tuned")

__all__ = ["FORMATS", "WEIGHTS", "export_genome", "genome_to_matrix_text", "genome_to_onnx", "network_png",
           "network_svg", "tuned_weights_document", "tuned_weights_offset", "write_out"]


def genome_to_onnx(genome: Genome, *, connection_weights=None, shared_weight: float | None = None):
    """See :func:`wann_viz.export.onnx_model.genome_to_onnx` (imported on first use)."""
    from .onnx_model import genome_to_onnx as build

    return build(genome, connection_weights=connection_weights, shared_weight=shared_weight)


def export_genome(genome: Genome, fmt: str, path: str | os.PathLike, *, weight: float | None = None,
                  weights: str = "shared") -> list[Path]:
    """Write ``genome`` in format ``fmt`` (one of :data:`FORMATS`) to ``path``.

    Args:
        genome: the genome.
        fmt: ``json`` (native, lossless), ``out`` (the authors' matrix, plus ``<stem>.wann.json``
            when tuned weights are attached), ``onnx``, ``svg`` or ``png``.
        path: the file to write; a path without a suffix gets ``.FMT``. Its folder must exist.
        weight: the shared weight: the ``onnx`` model's default ``shared_weight`` and the
            weight drawn by ``svg``/``png`` (default: best shared weight, else 1).
        weights: ``"shared"`` or ``"tuned"``: ``onnx`` bakes the tuned weights in as constants,
            ``svg``/``png`` draw them, ``out`` stores them as the matrix values (the
            ``.wann.json`` is written either way). ``json`` always keeps what the genome holds.

    Returns:
        the paths written.

    Raises:
        ValueError: unknown format or weights, tuned weights asked for but absent, a weight
            with ``weights="tuned"``, a missing folder.
    """
    if not isinstance(fmt, str) or fmt.lower().lstrip(".") not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    fmt = fmt.lower().lstrip(".")
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be 'shared' or 'tuned', not {weights!r}")
    tuned = weights == "tuned"
    if tuned and genome.tuned_weights is None:
        raise ValueError("tuned weights were asked for but the genome has none (tune it first: "
                         "python -m wann_viz tune GENOME --out FILE)")
    if weight is not None:
        if tuned:
            raise ValueError("give a shared weight or ask for the tuned weights, not both")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise ValueError(f"the shared weight must be a finite number, not {weight!r}")
        weight = float(weight)
    path = Path(path)
    if path.suffix == "" and fmt != "out":
        path = path.with_name(path.name + "." + fmt)
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"the folder {str(folder)!r} does not exist")

    if fmt == "json":
        save_genome(genome, path)
        return [path]
    if fmt == "out":
        return write_out(genome, path, tuned=tuned)
    cw = genome.tuned_weights if tuned else None
    if fmt == "onnx":
        from .onnx_model import genome_to_onnx as build

        model = build(genome, connection_weights=cw, shared_weight=weight)
        write_text(path, model.SerializeToString())
    elif fmt == "svg":
        write_text(path, network_svg(genome, weight=weight, connection_weights=cw))
    else:
        write_text(path, network_png(genome, weight=weight, connection_weights=cw))
    return [path]
