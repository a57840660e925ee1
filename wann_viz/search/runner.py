"""Drive a search in a run folder: progress, checkpoints, resume, champion.

See :mod:`wann_viz.search.runs` for the folder layout.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..genome import Genome, load_genome, save_genome
from . import engine
from .algorithm import Search
from .config import FITNESS_KEYS, resume_changes
from .runs import RUN_FORMAT, generation_file, population_file, save_population, write_json

CHECKPOINT = "checkpoint.json"
CHANGES = "changes.json"  # settings changed on resume, with the generation they took effect after


class RunFolderError(ValueError):
    """The run folder cannot be used as asked (exists, missing, mismatched settings)."""


def check_task_available(task: str) -> None:
    """Raise NotImplementedError with the registry's reason if the task cannot run here."""
    from ..tasks.registry import unavailable_reason

    reason = unavailable_reason(task)
    if reason:
        raise NotImplementedError(f"the task {task!r} cannot be searched here: {reason}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class GenerationProgress:
    """One progress line per generation on stderr (redrawn in place on a terminal).

    ``gen  12/100 [###.......] best 412.3 mean 130.1 conns 23  1.42 s/gen``
    """

    def __init__(self, total: int, stream=None, width: int = 20):
        self.total, self.width = total, width
        self.stream = stream or sys.stderr
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, row: dict) -> None:
        g = row["generation"]
        filled = int(round(self.width * g / max(self.total, 1)))
        line = (f"gen {g:>{len(str(self.total))}}/{self.total} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"best {row['best_fitness']:9.2f}  mean {row['mean_fitness']:9.2f}  "
                f"conns {row['best_connections']:4d}  {row['seconds']:6.2f} s/gen")
        self.stream.write(("\r" + line) if self._tty else (line + "\n"))
        if self._tty and g >= self.total:
            self.stream.write("\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        self.stream.write(("\n" if self._tty else "") + text + "\n")
        self.stream.flush()


def save_checkpoint(search: Search, run: Path) -> None:
    """Write ``checkpoint-GGGGGG.npz`` then ``checkpoint.json`` (atomic; older npz removed)."""
    doc, arrays = search.state()
    npz_name = f"checkpoint-{search.generation:06d}.npz"
    doc["arrays"] = npz_name
    tmp = run / (npz_name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(run / npz_name)
    write_json(run / CHECKPOINT, doc)
    for old in run.glob("checkpoint-*.npz"):
        if old.name != npz_name:
            old.unlink(missing_ok=True)


def load_checkpoint(run: Path, evaluator=None) -> Search:
    """Rebuild the search saved in ``run``."""
    try:
        doc = json.loads((run / CHECKPOINT).read_text("utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{run} has no checkpoint to resume from") from None
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{run / CHECKPOINT} is damaged ({exc.msg})") from None
    with np.load(run / doc["arrays"], allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return Search.from_state(doc, arrays, evaluator)


def _manifest(run: Path, search: Search, status: str, started: str, champion_fitness: float | None = None) -> dict:
    best = search.history["best_fitness"]
    return {
        "format": RUN_FORMAT, "version": 1, "task": search.task, "status": status,
        "generation": search.generation, "generations": search.settings["generations"],
        "seed": search.settings["seed"], "population": search.settings["population"],
        "best_fitness": float(max(best)) if best else None, "champion_fitness": champion_fitness,
        "started": started, "updated": _now(),
        **({"changes": changes} if (changes := _read_changes(run)) else {}),
    }


def _read_changes(run: Path) -> list:
    """The settings changes made when resuming (``changes.json``), oldest first."""
    path = run / CHANGES
    return json.loads(path.read_text("utf-8"))["changes"] if path.is_file() else []


def _write_history(search: Search, run: Path) -> None:
    write_json(run / "history.json", {"columns": search.history})


def run_search(
    settings: dict | None,
    out: str | Path,
    *,
    resume: bool = False,
    generations: int | None = None,
    evaluator=None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool | Callable[[dict], None] = True,
    stop_at: int | None = None,
    time_limit: float | None = None,
    changes_file: str | Path | None = None,
) -> Genome | None:
    """Run (or resume) a search in the folder ``out``.

    Args:
        settings: validated settings (ignored when resuming: the checkpoint's are used).
        out: run folder; must not hold a run unless ``resume``.
        resume: continue from the folder's checkpoint.
        generations: when resuming, a new total number of generations (to extend a run).
        evaluator: an evaluator object; default from ``workers``/``scheduler``
            (see :func:`wann_viz.search.engine.make_evaluator`).
        progress: True for the stderr progress line, a callable(row) or False.
        stop_at: pause after this generation (checkpoint written, no champion):
            used by tests and for running a search in slices.
        time_limit: seconds of searching (this call) after which the run ends
            early: the generation under way completes, then the champion is
            picked as at a normal end. The manifest records ``stopped_early``.
        changes_file: when resuming, a JSON file of settings to change from
            here on (:data:`wann_viz.search.config.RESUME_KEYS`, e.g. longer
            episodes for later generations). Each change is kept in the run's
            ``changes.json`` and listed in ``run.json``.

    Returns:
        The champion (also saved as ``champion.json``), or None if paused.
        Ctrl-C writes a checkpoint of the last completed generation, marks the
        run ``interrupted`` and re-raises ``KeyboardInterrupt``.
    """
    run = Path(out)
    own_evaluator = evaluator is None
    if resume:
        if not (run / CHECKPOINT).is_file():
            raise RunFolderError(f"cannot resume: {run} holds no checkpoint")
        task = json.loads((run / CHECKPOINT).read_text("utf-8"))["settings"]["task"]
        evaluator = evaluator or engine.make_evaluator(task, workers, scheduler)
        search = load_checkpoint(run, evaluator)
        if generations is not None:
            if generations < search.generation:
                raise RunFolderError(f"the run has already done {search.generation} generations; "
                                     f"--generations {generations} is fewer")
            search.settings["generations"] = int(generations)
        started = (json.loads((run / "run.json").read_text("utf-8")).get("started") if (run / "run.json").is_file()
                   else _now())
        if search.done and (run / "champion.json").is_file():
            if own_evaluator:
                evaluator.close()
            if progress is True:
                sys.stderr.write(f"{run} is finished ({search.generation} generations); "
                                 "give a larger --generations to extend it\n")
            return load_genome(run / "champion.json")
        if changes_file is not None:
            changes, new = resume_changes(search.settings, changes_file)
            if changes:
                search.settings.clear()
                search.settings.update(new)
                restart_hall = bool(set(changes) & set(FITNESS_KEYS))
                if restart_hall:  # records under the old settings are not comparable with new ones
                    search.hall = {}
                log = _read_changes(run)
                log.append({"generation": search.generation, "settings": changes, "at": _now(),
                            **({"hall_restarted": True} if restart_hall else {})})
                save_checkpoint(search, run)  # the checkpoint and the log agree from here on
                write_json(run / CHANGES, {"changes": log})
                if progress is True:
                    sys.stderr.write(f"from generation {search.generation + 1}: "
                                     + ", ".join(f"{k} = {json.dumps(v)}" for k, v in changes.items())
                                     + ("; the champion's candidates are collected afresh" if restart_hall else "")
                                     + "\n")
    else:
        if settings is None:
            raise ValueError("give settings for a new run")
        if (run / CHECKPOINT).exists() or (run / "run.json").exists():
            raise RunFolderError(f"{run} already holds a run; use --resume to continue it or choose another --out")
        check_task_available(settings["task"])
        evaluator = evaluator or engine.make_evaluator(settings["task"], workers, scheduler)
        run.mkdir(parents=True, exist_ok=True)
        search = Search(settings, evaluator)
        started = _now()
        write_json(run / "settings.json", search.settings)
        save_checkpoint(search, run)
    write_json(run / "settings.json", search.settings)
    (run / "generations").mkdir(exist_ok=True)

    show = GenerationProgress(search.settings["generations"]) if progress is True else None
    report = show if show else (progress if callable(progress) else None)
    s = search.settings
    t_start = time.monotonic()
    out_of_time = False
    try:
        write_json(run / "run.json", _manifest(run, search, "running", started))
        while not search.done and (stop_at is None or search.generation < stop_at):
            if time_limit is not None and time.monotonic() - t_start > time_limit:
                out_of_time = True
                break
            evaluated = None
            if search.generation + 1 in s["save_populations"]:  # the genomes this step evaluates
                evaluated = [ind.to_genome(search.task) for ind in search.population]
            row = search.step()
            g = search.generation
            if report:
                report(row)
            if g in search.saved:
                item = search.saved[g]
                genome = search.annotate(item["individual"].to_genome(search.task),
                                         {"fitness": item["fitness"], "max_return": item["max_return"],
                                          "per_weight": item["per_weight"], "kind": "best of generation"},
                                         generation=g, name=f"{search.task} generation {g} best", history=False)
                save_genome(genome, generation_file(run, g))
            if evaluated is not None:
                save_population(evaluated, population_file(run, g))
            _write_history(search, run)
            if g % s["checkpoint_every"] == 0 or search.done:
                save_checkpoint(search, run)
                write_json(run / "run.json", _manifest(run, search, "running", started))
        if out_of_time and search.generation not in search.saved and search.last:
            last = search.last
            genome = search.annotate(last["genome"], {"fitness": last["fitness"], "max_return": last["max_return"],
                                                      "per_weight": last["per_weight"], "kind": "best of generation"},
                                     generation=search.generation, name=f"{search.task} generation {search.generation} best",
                                     history=False)
            save_genome(genome, generation_file(run, search.generation))
        if not search.done and not out_of_time:  # paused by stop_at
            save_checkpoint(search, run)
            write_json(run / "run.json", _manifest(run, search, "paused", started))
            return None
        champion, result = search.pick_champion()
        champion = search.annotate(champion, result)
        save_genome(champion, run / "champion.json")
        save_checkpoint(search, run)
        manifest = _manifest(run, search, "finished", started, result["fitness"])
        if out_of_time:
            manifest["stopped_early"] = f"time limit of {time_limit:g} s reached after generation {search.generation}"
        write_json(run / "run.json", manifest)
        if show:
            show.message(f"champion: mean return {result['fitness']:.2f} over {len(s['weights'])} weights x "
                         f"{s['champion_episodes']} episodes -> {run / 'champion.json'}")
        return champion
    except KeyboardInterrupt:
        save_checkpoint(search, run)  # the state of the last completed generation
        _write_history(search, run)
        write_json(run / "run.json", _manifest(run, search, "interrupted", started))
        if show:
            show.message(f"interrupted after generation {search.generation}; checkpoint saved. "
                         f"Continue with: --out {run} --resume")
        raise
    finally:
        if own_evaluator:
            evaluator.close()
