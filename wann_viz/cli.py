"""Command line: ``python -m wann_viz COMMAND ...``.

Adding a subcommand: write a function ``add_NAME_command(subparsers)`` (in
any module) that creates its parser with ``subparsers.add_parser(...)`` and
sets ``run=<function(args) -> int>`` with ``set_defaults``; then list it as
``"module:function"`` in :data:`COMMANDS`. Import heavy modules inside
``run`` so that ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import os
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

COMMANDS: list[str] = [
    "wann_viz.cli:add_evaluate_command",
    "wann_viz.search.cli:add_search_command",
    "wann_viz.cli:add_tune_command",
    "wann_viz.reproduce:add_reproduce_command",
    "wann_viz.export.cli:add_export_command",
]

CONDITION_LABELS = {
    "random_weights": "random weights U(-2,2)",
    "random_shared_weight": "random shared weight",
    "tuned_shared_weight": "tuned shared weight",
    "tuned_weights": "tuned weights",
    "ensemble": "ensemble of six weights",
}


class ProgressBar:
    """A one-line progress bar on stderr; callable as ``bar(done, total)``.

    On a terminal it redraws in place; otherwise it prints every 10%.
    """

    def __init__(self, label: str, stream=None, width: int = 30):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.monotonic()
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_tenth = -1
        self.unit = "episodes"

    def __call__(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        if not self._tty:
            tenth = int(frac * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
        filled = int(round(frac * self.width))
        elapsed = time.monotonic() - self.start
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {self.unit} {elapsed:.0f}s"
        self.stream.write(("\r" + line) if self._tty else (line + "\n"))
        if self._tty and done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _parse_weights(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"weights must be numbers separated by commas, e.g. -2,-1,1,2 (got {text!r})")
    if not values or not all(abs(v) < float("inf") for v in values):
        raise argparse.ArgumentTypeError("give at least one finite weight, e.g. -2,-1,1,2")
    return values


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (shared by the subcommands)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of at least 1")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number of at least 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("must be a finite number >= 0 (0: exact gradients)")
    return value


def add_evaluate_command(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="the paper's four conditions and a weight profile for a genome",
        description="Run a genome under the paper's four weight conditions (random weights, random shared "
                    "weight, tuned shared weight, tuned weights) and sweep the shared weight. Prints a table "
                    "beside the paper's numbers and the profile; progress goes to stderr.",
    )
    p.add_argument("genome", help="genome file: native .json or the authors' .out")
    p.add_argument("--episodes", type=positive_int, default=100, help="episodes per condition and weight (100)")
    p.add_argument("--weights", type=_parse_weights, default=None,
                   help="comma-separated shared weights to sweep (default: the task's series, -2..2 by 0.1 "
                        "for swing-up and MNIST, -2,-1.5,-1,-0.5,0.5,1,1.5,2 otherwise)")
    p.add_argument("--seed", type=int, default=0, help="first episode seed; episode i uses seed+i (0)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--task", default=None, help="task name when the genome file does not say")
    p.add_argument("--processes", type=positive_int, default=None, help="worker processes for Gym tasks (all cores)")
    p.add_argument("--max-steps", type=positive_int, default=None,
                   help="cut episodes short (quick checks only; the paper's numbers need full episodes)")
    p.add_argument("--record", default=None, metavar="OUT.json",
                   help="write the genome with its measured best shared weight, and how it was measured")
    p.set_defaults(run=run_evaluate)


def load_runnable(args):
    """The genome of ``args.genome`` and the task it runs on (``--task`` or the file's), or ``None``
    after printing why not (unreadable file, no task, unknown or unavailable task)."""
    from .genome import GenomeError, load_genome
    from .tasks.registry import task_names, unavailable_reason

    try:
        genome = load_genome(args.genome, task=args.task)
    except GenomeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    task = args.task or genome.task
    if not task:
        print(f"error: the genome does not say which task it solves; add --task ({', '.join(task_names())})",
              file=sys.stderr)
        return None
    try:
        reason = unavailable_reason(task)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return None
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return None
    return genome, task


def run_evaluate(args) -> int:
    found = load_runnable(args)
    if found is None:
        return 2
    genome, task = found

    from .evaluate import evaluate_conditions

    bar = ProgressBar(f"evaluate {task}")
    try:
        result = evaluate_conditions(genome, args.weights, args.episodes, args.seed, task_name=task,
                                     max_steps=args.max_steps, processes=args.processes, progress=bar)
    except (NotImplementedError, KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        print(format_report(genome, task, result, args.episodes, args.seed, args.max_steps))
    if args.record:
        if args.max_steps is not None:
            print("error: --record needs full episodes (no --max-steps)", file=sys.stderr)
            return 2
        from .genome import save_genome

        save_genome(record_best_weight(genome, result, args.episodes, args.seed), args.record)
        print(f"wrote {args.record}", file=sys.stderr)
    return 0


def record_best_weight(genome, result: dict, episodes: int, seed: int):
    """The genome with ``best_shared_weight`` set to the sweep's best, and
    ``extra["best_shared_weight_measured"]`` saying how it was measured."""
    best = result["conditions"]["tuned_shared_weight"]
    extra = dict(genome.extra)
    extra["best_shared_weight_measured"] = {
        "weight": best["weight"], "mean": round(best["mean"], 2), "sd": round(best["sd"], 2),
        "episodes": episodes, "seeds": f"{seed}..{seed + episodes - 1}",
        "weights": [p["weight"] for p in result["profile"]],
        "command": "python -m wann_viz evaluate GENOME"
        + (f" --episodes {episodes}" if episodes != 100 else "") + (f" --seed {seed}" if seed else ""),
    }
    return genome.with_changes(best_shared_weight=float(best["weight"]), extra=extra)


def add_tune_command(subparsers) -> None:
    p = subparsers.add_parser(
        "tune",
        help="tune one weight per connection (the paper's fourth condition) with CMA-ES",
        description="Start every connection at the genome's best shared weight and tune the weights with "
                    "CMA-ES (pycma; separable for genomes of more than 100 connections). Seeded; a checkpoint "
                    "after every generation in the --out file's folder; --resume continues it. Writes the "
                    "genome with the tuned weights attached and the settings recorded.",
    )
    p.add_argument("genome", help="genome file: native .json or the authors' .out")
    p.add_argument("--out", required=True, help="the tuned genome (.json); its checkpoint goes beside it")
    p.add_argument("--task", default=None, help="task name when the genome file does not say")
    p.add_argument("--generations", type=positive_int, default=100, help="CMA-ES generations (100)")
    p.add_argument("--episodes", type=positive_int, default=8, help="episodes per candidate (8)")
    p.add_argument("--seed", type=int, default=0, help="seed of CMA-ES and of the training episodes (0)")
    p.add_argument("--popsize", type=positive_int, default=None,
                   help="candidates per generation (CMA-ES's default); with --fresh-episodes a large population of "
                        "few episodes each did best on the swing-up (128 x 4 beat 32 x 16: see the README)")
    p.add_argument("--sigma", type=float, default=0.5, help="initial step size (0.5)")
    p.add_argument("--start-weight", type=float, default=None, help="start (default: the best shared weight)")
    p.add_argument("--from-tuned", action="store_true",
                   help="cma: start from the genome's tuned weights (go on from an earlier tuning, e.g. with more "
                        "episodes)")
    p.add_argument("--fresh-episodes", action="store_true",
                   help="cma: new episodes every generation, and hand back CMA-ES's mean rather than the luckiest "
                        "candidate (better on noisy tasks such as the biped)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint beside --out")
    p.add_argument("--method", choices=("auto", "cma", "gradient"), default="auto",
                   help="cma (episodes), gradient (backpropagation; tasks with labelled data, MNIST); "
                        "auto picks gradient where the task offers labelled data (auto)")
    p.add_argument("--processes", type=positive_int, default=None,
                   help="cma: worker processes for a Gym task's episodes (default: one lock-step batch here)")
    p.add_argument("--steps", type=positive_int, default=3000, help="gradient steps (3000)")
    p.add_argument("--lr", type=float, default=0.02,
                   help="gradient: Adam's first step size, decayed on a cosine to 0 at the last step (0.02)")
    p.add_argument("--batch", type=positive_int, default=500, help="gradient: images per step (500)")
    p.add_argument("--step-surrogate", type=non_negative_float, default=8.0, metavar="TAU",
                   help="gradient: step nodes pass the gradient of sigmoid(x / TAU) backwards, so what feeds them "
                        "is tuned too; 0 keeps the exact gradient, which is 0 through a step (8)")
    p.set_defaults(run=run_tune)


def run_tune(args) -> int:
    from pathlib import Path

    from .genome import save_genome
    from .tune import default_settings, tune

    found = load_runnable(args)
    if found is None:
        return 2
    genome, task = found
    from .tasks.registry import make_task

    data = make_task(task).supervised_data("train") if args.method != "cma" else None
    if args.method == "gradient" and data is None:
        print(f"error: {task} has no labelled data to tune by gradient; use --method cma", file=sys.stderr)
        return 2
    if data is not None:
        if args.from_tuned or args.fresh_episodes:
            flag = "--from-tuned" if args.from_tuned else "--fresh-episodes"
            print(f"error: {flag} goes with --method cma; tuning by gradient starts from the shared weight and "
                  "draws new training images every step", file=sys.stderr)
            return 2
        return _run_gradient_tune(args, genome, task, data)
    settings = default_settings(genome, task) | {"generations": args.generations, "episodes": args.episodes,
                                                 "seed": args.seed, "popsize": args.popsize, "sigma0": args.sigma,
                                                 "processes": args.processes,
                                                 "fresh_episodes": bool(args.fresh_episodes)}
    if args.start_weight is not None:
        settings["start_weight"] = float(args.start_weight)
    if args.from_tuned:
        settings["start_tuned"] = True
    out = Path(args.out)
    bar = ProgressBar(f"tune {task}")
    start = time.monotonic()

    def report(row: dict) -> None:
        bar(row["generation"], row["generations"])

    bar.unit = "generations"
    try:
        tuned = tune(genome, settings, out.parent / (out.stem + ".tune"), resume=args.resume, progress=report)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_genome(tuned, out)
    info = tuned.extra["tuning"]
    print(f"best mean return on the training episodes {info['best_training_return']:.1f} after "
          f"{len(info['history']['generation'])} generations ({time.monotonic() - start:.0f} s) -> {out}")
    print(f"check it on fresh episodes: python -m wann_viz evaluate {out}")
    return 0


def _run_gradient_tune(args, genome, task: str, data) -> int:
    from pathlib import Path

    from .genome import save_genome
    from .tasks.registry import make_task
    from .tune_gradient import accuracy, default_settings, tune_supervised

    settings = default_settings(genome, task) | {"steps": args.steps, "lr": args.lr, "batch": args.batch,
                                                 "seed": args.seed, "step_surrogate": args.step_surrogate or None}
    if args.start_weight is not None:
        settings["start_weight"] = float(args.start_weight)
    out = Path(args.out)
    bar = ProgressBar(f"tune {task} (gradient)")
    bar.unit = "steps"
    test = make_task(task).supervised_data("test")
    start = time.monotonic()

    try:
        tuned = tune_supervised(genome, data[0], data[1], settings, out.parent / (out.stem + ".tune"),
                                resume=args.resume, progress=lambda r: bar(r["step"], r["steps"]),
                                score=lambda w: accuracy(genome, test[0], test[1], w))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_genome(tuned, out)
    print(f"test accuracy with the tuned weights {100 * tuned.extra['tuned_weights_score']['mean']:.1f}% after "
          f"{settings['steps']} steps ({time.monotonic() - start:.0f} s) -> {out}")
    print(f"check it: python -m wann_viz evaluate {out}")
    return 0


def _fmt(mean, sd, digits: int = 1) -> str:
    if mean is None:
        return "n/a"
    return f"{mean:.{digits}f}" + ("" if sd is None else f" ± {sd:.{digits}f}")


def format_report(genome, task: str, result: dict, episodes: int, seed: int, max_steps: int | None = None) -> str:
    """The four-condition table beside the paper's numbers, then the profile."""
    from .tasks.registry import get_spec

    spec = get_spec(task)
    paper = spec.paper_results
    scale = 100.0 if spec.score == "accuracy" else 1.0  # accuracies print in percent, as the paper's

    def scaled(v):
        return None if v is None else v * scale

    what = "all 10,000 test images per condition" if spec.score == "accuracy" else \
        f"{episodes} episodes per condition, seeds {seed}..{seed + episodes - 1}"
    lines = [
        f"{genome.name or 'genome'}  (task {task}; {what}"
        + (f"; episodes cut at {max_steps} steps" if max_steps else "") + ")",
        "",
        f"{'condition':<26}{'this run':>22}   {'paper (WANN)':>14}",
    ]
    names = ("random_weights", "random_shared_weight", "tuned_shared_weight", "tuned_weights")
    for name in names + (("ensemble",) if "ensemble" in result["conditions"] else ()):
        c = result["conditions"].get(name, {"mean": None, "sd": None})
        ours = _fmt(scaled(c.get("mean")), scaled(c.get("sd")))
        if name == "tuned_shared_weight" and c.get("weight") is not None:
            ours += f" (w={c['weight']:+.2f})"
        p = paper.get(name)
        lines.append(f"{CONDITION_LABELS[name]:<26}{ours:>22}   {(_fmt(*p, digits=0 if scale == 1 else 1) if p else '-'):>14}")
    if spec.paper_note:
        lines.append(spec.paper_note)
    profile = result.get("profile") or []
    if profile:
        means = [p["mean"] for p in profile]
        lo, hi = min(means), max(means)
        measure = "test accuracy (%)" if spec.score == "accuracy" else f"return ({episodes} episodes each)"
        lines += ["", f"Profile: mean ± sd {measure} against the shared weight",
                  f"{'weight':>8}{'mean':>10}{'sd':>9}"]
        for p in profile:
            bar = int(round(20 * (p["mean"] - lo) / (hi - lo))) if hi > lo else 20
            lines.append(f"{p['weight']:>+8.2f}{p['mean'] * scale:>10.1f}{p['sd'] * scale:>9.1f}  {'#' * bar}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wann_viz", description="WANN Explorer command line tools")
    parser.add_argument("--vae", metavar="PATH", help="CarRacing: the VAE file to encode frames with (this "
                        "project's .npz or the authors' vae_16.json); the same as setting WANN_VAE")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for ref in COMMANDS:
        module, func = ref.split(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def _join_negative_values(argv: list[str]) -> list[str]:
    """``--weights -2,-1`` -> ``--weights=-2,-1`` (argparse would take -2,-1 for an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--weights" and i + 1 < len(argv) and argv[i + 1][:1] == "-" and argv[i + 1][1:2] in "0123456789.":
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_join_negative_values(argv))
    if args.vae:
        from .tasks.carracing import VAE_ENV
        from .vae import VaeFileError, load_vae

        try:
            load_vae(args.vae)  # refuse a bad file here, in plain words, before any work starts
        except VaeFileError as exc:
            print(f"--vae {args.vae}: {exc}", file=sys.stderr)
            return 2
        os.environ[VAE_ENV] = str(Path(args.vae).resolve())  # worker processes inherit it
    return int(args.run(args) or 0)
