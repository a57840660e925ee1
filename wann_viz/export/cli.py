"""``python -m wann_viz export GENOME --to FMT -o PATH``."""

from __future__ import annotations

import sys

EPILOG = """formats:
  json   the native genome file (lossless)
  out    the authors' matrix CSV; with tuned weights also <stem>.wann.json ([params, score], params = weight - offset)
  onnx   a float64 ONNX model: input x (N, n_in) and shared_weight (scalar), output y (N, n_out);
         with --tuned the tuned weights are constants and shared_weight is gone
  svg    a drawing of the network (inputs left, outputs right; blue positive, red negative weights)
  png    the same drawing as a PNG
"""


def add_export_command(subparsers) -> None:
    import argparse

    p = subparsers.add_parser(
        "export",
        help="write a genome as native JSON, the authors' .out, ONNX, SVG or PNG",
        description="Write a genome in another format and print the paths written.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("genome", help="genome file: native .json or the authors' .out")
    p.add_argument("--to", dest="fmt", default=None, metavar="FORMAT",
                   help="json, out, onnx, svg or png (default: the suffix of -o)")
    p.add_argument("-o", "--output", required=True, metavar="PATH",
                   help="file to write (.FORMAT is added when it has no suffix)")
    p.add_argument("--weight", default=None, metavar="W",
                   help="shared weight: the ONNX model's default, the weight drawn (default: the best shared weight, else 1)")
    p.add_argument("--tuned", action="store_true", help="use the genome's tuned per-connection weights")
    p.add_argument("--task", default=None, help="task of an .out genome (labels its inputs and outputs)")
    p.set_defaults(run=run_export)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_export(args) -> int:
    import math
    from pathlib import Path

    from ..genome import load_genome
    from ..tasks.registry import TASK_SPECS, find_spec
    from . import FORMATS, export_genome
    from .matrix import tuned_weights_offset

    fmt = args.fmt
    if fmt is None:
        fmt = Path(args.output).suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            return _error(f"say which format with --to ({', '.join(FORMATS)}); the output's suffix does not tell")
    elif fmt.lower() not in FORMATS:
        return _error(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    fmt = fmt.lower()
    if args.task is not None and find_spec(args.task) is None:
        return _error(f"unknown task {args.task!r}; known tasks: {', '.join(sorted(TASK_SPECS))}")
    weight = None
    if args.weight is not None:
        try:
            weight = float(args.weight)
        except ValueError:
            return _error(f"--weight must be a number, got {args.weight!r}")
        if not math.isfinite(weight):
            return _error("--weight must be a finite number")
        if args.tuned:
            return _error("give --weight or --tuned, not both")
    try:
        genome = load_genome(args.genome, task=args.task)
        if args.task and genome.task != args.task:
            genome = genome.with_changes(task=args.task)
        written = export_genome(genome, fmt, args.output, weight=weight, weights="tuned" if args.tuned else "shared")
    except ValueError as exc:  # GenomeError too
        return _error(str(exc))
    except OSError as exc:
        return _error(f"cannot write {args.output}: {exc.strerror or exc}")
    for path in written:
        print(path)
    if any(p.name.endswith(".wann.json") for p in written):
        print(f"(tuned weights minus the offset {tuned_weights_offset(genome):g}; attach them with "
              f"attach_tuned_weights(genome, path, {tuned_weights_offset(genome):g}))", file=sys.stderr)
    return 0
