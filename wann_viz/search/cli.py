"""``python -m wann_viz search``: run or resume a WANN search.

Registered in :data:`wann_viz.cli.COMMANDS` as
``"wann_viz.search.cli:add_search_command"``.
"""

from __future__ import annotations

import argparse
import sys

from ..cli import positive_int


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must be 0 or more")
    return value


def add_search_command(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help="evolve weight agnostic networks for a task",
        description="Run the WANN topology search (Gaier & Ha 2019) for a task. Defaults come from the task's "
                    "settings file (the paper's settings); --settings FILE and the options below override them. "
                    "Progress goes to stderr; checkpoints, the best genomes of chosen generations and the final "
                    "champion.json go to the --out folder. Ctrl-C leaves a checkpoint: continue with --resume.",
    )
    p.add_argument("--task", help="a task name, e.g. " + ", ".join(_task_names()) + " (not needed with --resume)")
    p.add_argument("--population", type=positive_int, help="genomes per generation")
    p.add_argument("--generations", type=positive_int, help="generations (with --resume: a new total)")
    p.add_argument("--seed", type=_seed, help="seed of the run's random generator")
    p.add_argument("--workers", type=positive_int,
                   help="worker processes (default: 1 for vectorized tasks such as swing-up and MNIST, "
                        "every core for the others)")
    p.add_argument("--scheduler", metavar="ADDR", help="run evaluations on a Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--settings", metavar="FILE",
                   help="JSON file overriding any of the task's settings; with --resume, changes from here on to "
                        "episode settings only (max_steps, episodes_per_weight, weights, champion_episodes, ...), "
                        "kept in the run's changes.json")
    p.add_argument("--out", required=True, help="run folder, e.g. runs/my-run-1")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="end the run early after this many seconds of searching (the champion is still picked)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(run=run_search_command)


def _task_names() -> list[str]:
    from ..tasks.registry import task_names

    return task_names()


def run_search_command(args) -> int:
    from .config import SettingsError, load_settings
    from .runner import RunFolderError, run_search

    def fail(msg: str) -> int:
        print(f"error: {msg}", file=sys.stderr)
        return 2

    try:
        if args.resume:
            clash = [f"--{k}" for k in ("task", "population", "seed") if getattr(args, k) is not None]
            if clash:
                return fail(f"{', '.join(clash)} cannot change a run being resumed (its settings are in its "
                            "checkpoint); only --generations, --settings (episode settings), --workers and "
                            "--scheduler may be given")
            settings = None
        else:
            if not args.task:
                return fail(f"give --task ({', '.join(_task_names())})")
            settings = load_settings(args.task, args.settings, {
                "population": args.population, "generations": args.generations, "seed": args.seed})
        with _sigterm_as_ctrl_c():
            champion = run_search(settings, args.out, resume=args.resume,
                                  generations=args.generations if args.resume else None,
                                  workers=args.workers, scheduler=args.scheduler, progress=not args.quiet,
                                  time_limit=args.time_limit,
                                  changes_file=args.settings if args.resume else None)
    except (SettingsError, RunFolderError, NotImplementedError) as exc:
        return fail(str(exc.args[0] if exc.args else exc))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if args.scheduler:
            return fail(f"cannot reach the Dask scheduler at {args.scheduler}: {exc}")
        raise
    if champion is not None and args.quiet:
        print(f"{args.out}/champion.json")
    return 0


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class _sigterm_as_ctrl_c:
    """While running, SIGTERM (``kill PID``; a nohup run ignores Ctrl-C) checkpoints like Ctrl-C."""

    def __enter__(self):
        import signal
        import threading

        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            import signal

            signal.signal(signal.SIGTERM, self._old)
        return False
