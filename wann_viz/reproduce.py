"""``python -m wann_viz reproduce``: the paper's table, generated, into ``docs/reproduction.md``.

Every cell is measured here by :func:`wann_viz.evaluate.evaluate_conditions`
(100 episodes per condition by default; episode i uses seed i) and set beside
the paper's figure and the figure measured with the authors' own code (from
the project's reference notes; quoted, not re-run). Each row says the genome,
the task and the exact command that reproduces it. Results are kept in the
disk tier of :mod:`wann_viz.cache`, so a second run (or a run cut short and
started again) only computes what is missing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .cache import disk
from .evaluate import CONDITIONS, evaluate_conditions
from .genome import genome_digest, is_authors_champion, load_genome
from .tasks.registry import find_spec, genome_note, results_key, unavailable_reason

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "saved_genomes"


@dataclass(frozen=True)
class Row:
    """One section of the report: a saved genome on one task.

    Attributes:
        genome: file name in ``saved_genomes/``.
        label: the genome's name.
        task: the task it runs on (its own, or a variant of it: ``TaskSpec.variant_of``).
        authors: whether it is an authors' champion (then the paper's and their code's figures apply).
    """

    genome: str
    label: str
    task: str
    authors: bool


def rows(folder: Path = SAVED) -> list[Row]:
    """Every saved genome on its task and the task's variants, in the explorer's panel order."""
    from .tasks.registry import task_names

    order = task_names()
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            genome = load_genome(path)
        except ValueError:
            continue
        if not genome.task:
            continue
        authors = is_authors_champion(genome)
        tasks = [genome.task] + [n for n in order if (find_spec(n) and find_spec(n).variant_of == genome.task)]
        out += [Row(path.name, genome.name or path.stem, t, authors) for t in tasks]
    return sorted(out, key=lambda r: (order.index(r.task) if r.task in order else len(order), not r.authors,
                                      r.genome))


def _key(genome, task: str, episodes: int, seed: int) -> tuple:
    return ("reproduce", genome_digest(genome), task, genome.best_shared_weight, episodes, seed, *results_key(task))


def measure(row: Row, episodes: int, seed: int, processes: int | None, progress=None,
            compute: bool = True) -> dict | str:
    """The row's conditions (cached on disk), or a sentence saying why it cannot run here
    (``compute=False``: only what the disk cache holds)."""
    path = SAVED / row.genome
    if not path.is_file():
        return f"{row.genome} is not in saved_genomes/"
    reason = unavailable_reason(row.task)
    if reason:
        return reason
    genome = load_genome(path, task=row.task)
    key = _key(genome, row.task, episodes, seed)
    if not compute:
        return disk.get(key) or "not measured yet (run the command without --only)"

    def run() -> dict:
        t0 = time.monotonic()
        res = evaluate_conditions(genome, n_episodes=episodes, seed=seed, task_name=row.task,
                                  processes=processes, progress=progress)
        return {"conditions": res["conditions"], "seconds": time.monotonic() - t0, "note": genome_note(genome)}

    return disk.get_or_compute(key, run)


def _cell(c: dict | None, scale: float, digits: int) -> str:
    if not c or c.get("mean") is None:
        return "—"
    text = f"{c['mean'] * scale:.{digits}f}"
    if c.get("sd") is not None:
        text += f" ± {c['sd'] * scale:.{digits}f}"
    if c.get("weight") is not None:
        text += f" (w = {c['weight']:g})"
    return text


def _stage(info: dict) -> str:
    """One tuning stage of ``extra["tuning"]`` in words."""
    s = info.get("settings", {})
    if "steps" in s:
        how = (f"{info.get('steps_done', s['steps'])} steps of {s.get('batch')} training images, "
               f"Adam step {s.get('lr')}, seed {s.get('seed')}")
    else:
        hist = info.get("history", {})
        seeds = ("new ones every generation, seeds from 10,000,000" if s.get("fresh_episodes")
                 else "seeds from 1,000,000")
        how = (f"{len(hist.get('generation', []))} generations, {s.get('episodes')} training episodes per "
               f"candidate ({seeds}: never the seeds above), population {s.get('popsize') or 'default'}, "
               f"step size {s.get('sigma0')}, seed {s.get('seed')}")
    start = "the tuned weights of the stage before" if s.get("start_tuned") else f"the shared weight {s.get('start_weight')}"
    return f"{info.get('method', 'tuned')}, from {start}; {how}"


def tuning_stages(info) -> list[dict]:
    """The stages of a genome's ``extra["tuning"]``, oldest first (each earlier one sits under ``previous``)."""
    stages = []
    while isinstance(info, dict):
        stages.insert(0, info)
        info = info.get("previous")
    return stages


def _stage_command(info: dict, genome: str = "GENOME", out: str = "OUT") -> str | None:
    """The exact ``tune`` command of a stage, where its settings say all of it; ``None`` otherwise
    (settings no flag can give, such as a shortened episode, or a schedule from before flags for it)."""
    s = info.get("settings", {})
    if "steps" in s:
        # the cosine schedule spans all the steps asked for, so a run cut short has no command of its own
        if s.get("schedule") != "cosine" or info.get("steps_done", s["steps"]) != s["steps"]:
            return None
        return (f"python -m wann_viz tune {genome} --out {out} --steps {s['steps']} --batch {s.get('batch')} "
                f"--lr {s.get('lr')} --seed {s.get('seed')} --step-surrogate {s.get('step_surrogate') or 0:g}")
    if s.get("max_steps") is not None or "sigma0" not in s:
        return None
    generations = len(info.get("history", {}).get("generation", [])) or s.get("generations")
    flags = [f"--generations {generations}", f"--episodes {s.get('episodes')}"]
    if s.get("popsize"):
        flags.append(f"--popsize {s['popsize']}")
    flags += [f"--sigma {s.get('sigma0'):g}", f"--seed {s.get('seed')}"]
    if s.get("fresh_episodes"):
        flags.append("--fresh-episodes")
    flags.append("--from-tuned" if s.get("start_tuned") else f"--start-weight {s.get('start_weight'):g}")
    return f"python -m wann_viz tune {genome} --out {out} " + " ".join(flags)


def _tuning_line(row: Row) -> str:
    """How the genome's tuned weights were made, when this project tuned them (``extra["tuning"]``,
    with its earlier stages under ``previous``), ending with each stage's exact command."""
    try:
        info = load_genome(SAVED / row.genome).extra.get("tuning")
    except (OSError, ValueError):
        return ""
    infos = tuning_stages(info)
    if not infos:
        return ""
    stages = [_stage(i) for i in infos]
    if len(stages) == 1:
        what = stages[0]
    else:
        what = f"{len(stages)} stages: " + "; then ".join(f"({i}) {t}" for i, t in enumerate(stages, 1))
    n = len(infos)
    commands = [_stage_command(i, "GENOME" if k == 0 else f"STAGE{k}", "OUT" if k == n - 1 else f"STAGE{k + 1}")
                for k, i in enumerate(infos)]
    if all(commands):
        if n == 1:
            return f"Tuned weights made here: {what}. Command: `{commands[0]}`."
        listed = "; ".join(f"({k}) `{c}`" for k, c in enumerate(commands, 1))
        return f"Tuned weights made here: {what}. Commands: {listed}."
    return f"Tuned weights made here: {what}. Command: `python -m wann_viz tune` (see the README)."


def row_episodes(row: Row, episodes: int | None) -> int:
    """Episodes per condition for ``row``: ``episodes`` when given, else its task's ``report_episodes`` or 100."""
    if episodes is not None:
        return int(episodes)
    spec = find_spec(row.task)
    return int(spec.report_episodes) if spec and spec.report_episodes else 100


def _episodes_text(results: list[tuple[Row, dict | str]], episodes: int | None) -> str:
    counts = {}
    for row, _ in results:
        counts.setdefault(row_episodes(row, episodes), []).append(row.task)
    if len(counts) <= 1:
        return f"{next(iter(counts), episodes or 100)} episodes"
    main = max(counts, key=lambda n: len(counts[n]))
    others = "; ".join(f"{n} for {', '.join(sorted(set(t)))}" for n, t in counts.items() if n != main)
    return f"{main} episodes ({others}, where each episode costs more)"


def report(results: list[tuple[Row, dict | str]], episodes: int | None, seed: int) -> str:
    """The markdown of ``docs/reproduction.md``; ``episodes`` ``None``: each task's own count."""
    lines = ["# Reproducing the paper's table", "",
             "Generated by `python -m wann_viz reproduce` (do not edit by hand). Each condition: "
             f"{_episodes_text(results, episodes)}, episode i with seed {seed} + i, the same seeds for every "
             "condition; "
             "random weights U(−2, 2) per connection, one random shared weight U(−2, 2) per episode, the best "
             "shared weight strictly inside (−2, 2) of the task's weight series (the genome's best known weight "
             "added), and the genome's tuned weights when it has them. MNIST cells are test accuracy on all "
             "10,000 test images. \"Authors' code\" quotes figures measured with the authors' own code "
             "(reference notes); it was not re-run here.", ""]
    for row, res in results:
        spec = find_spec(row.task)
        scale, digits = (100.0, 1) if spec and spec.score == "accuracy" else (1.0, 0)
        unit = " (%)" if scale == 100 else ""
        lines += [f"## {row.label}: {spec.title if spec else row.task}", "",
                  f"Genome `saved_genomes/{row.genome}`, task `{row.task}`. "
                  f"Command: `python -m wann_viz evaluate saved_genomes/{row.genome} --task {row.task} "
                  f"--episodes {row_episodes(row, episodes)} --seed {seed}`.", ""]
        if isinstance(res, str):
            lines += [f"Not run here: {res}", ""]
        lines += [f"| condition{unit} | paper | authors' code | here |", "| --- | --- | --- | --- |"]
        code = dict(spec.code_results) if spec and row.authors else {}
        names = CONDITIONS + (("ensemble",) if isinstance(res, dict) and "ensemble" in res["conditions"] else ())
        for name in names:
            p = spec.paper_results.get(name) if spec and row.authors else None
            paper = "—" if not p else f"{p[0]:g}" + (f" ± {p[1]:g}" if p[1] is not None else "")
            here = "not run" if isinstance(res, str) else _cell(res["conditions"].get(name), scale, digits)
            lines.append(f"| {name.replace('_', ' ')} | {paper} | {code.get(name, '—')} | {here} |")
        if isinstance(res, dict):
            lines += ["", f"Measured in {res['seconds']:.0f} s on this machine."]
            if res.get("note"):
                lines += ["", f"**Note:** {res['note']}"]
        tuning = _tuning_line(row)
        if tuning:
            lines += ["", tuning]
        if not row.authors:
            lines += ["", "This project's own genome: the paper's and the authors' figures belong to their "
                          "champion, so they are not set beside it."]
        if spec and spec.paper_note and row.authors:
            lines += ["", spec.paper_note]
        lines.append("")
    return "\n".join(lines)


def add_reproduce_command(subparsers) -> None:
    from .cli import positive_int

    p = subparsers.add_parser("reproduce", help="measure every cell of the paper's table into docs/reproduction.md",
                              description=__doc__.split("\n")[0])
    p.add_argument("--episodes", type=positive_int, default=None,
                   help="episodes per condition for every task (default: 100, or a task's own count: CarRacing 20)")
    p.add_argument("--seed", type=int, default=0, help="first episode seed (0)")
    p.add_argument("--out", default=str(ROOT / "docs" / "reproduction.md"), help="the report (docs/reproduction.md)")
    p.add_argument("--processes", type=positive_int, default=None, help="worker processes for Gym tasks (all cores)")
    p.add_argument("--only", default=None,
                   help="comma-separated tasks to measure now; the other rows come from the cache (default: all)")
    p.set_defaults(run=run_reproduce)


def run_reproduce(args) -> int:
    from .cli import ProgressBar

    only = set(args.only.split(",")) if args.only else None
    results = []
    for row in rows():
        compute = only is None or row.task in only
        bar = ProgressBar(f"{row.task:<10}") if compute else None
        res = measure(row, row_episodes(row, args.episodes), args.seed, args.processes, progress=bar,
                      compute=compute)
        results.append((row, res))
        if isinstance(res, str):
            print(f"{row.label} on {row.task}: not run ({res})", file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(results, args.episodes, args.seed), encoding="utf-8")
    print(f"wrote {out}")
    return 0
