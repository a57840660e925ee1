"""Evolution: open a search run, scrub its saved generations, and start a small search.

Plain functions hold the logic (tests call them); :func:`register` wires them.
Scrubbing puts the generation's champion (``run:<name>:<generation>``) into
the ``run-choice`` store, which the one genome-choice callback
(:mod:`wann_viz.ui.callbacks_genome`) turns into the genome shown.

A search started here is a Dash background job, bounded in size
(:data:`~wann_viz.ui.layout_analysis.SEARCH_LIMITS`) and time
(:data:`SEARCH_SECONDS`), one per browser tab and :data:`MAX_SEARCHES` on the
server at once (lock files beside the app's runs, so every worker process sees them).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import Input, Output, State, html, no_update

from ..genome import GenomeError
from ..tasks.registry import find_spec, unavailable_reason
from .analysis import AnalysisError, whole_number
from .catalog import Catalog, panel_title
from .figures_analysis import fitness_figure, message_figure
from .layout_analysis import SEARCH_LIMITS
from .run_store import CHAMPION, app_runs_dir, run_key

SEARCH_SECONDS = 240  # a search from the app stops after this (the generation under way completes)
MAX_SEARCHES = 2  # at once on the server
KEEP_APP_RUNS = 24  # older searches started from the app are deleted
_SESSION_RE = re.compile(r"^[a-z0-9]{6,40}$")


def run_options(catalog: Catalog) -> list[dict]:
    """The run list: ``name: task, generations, status``."""
    out = []
    for r in catalog.runs.runs():
        best = f", best {r.best_fitness:.0f}" if isinstance(r.best_fitness, (int, float)) else ""
        out.append({"label": f"{r.name}: {panel_title(r.task)}, {r.generation}/{r.generations} generations, "
                             f"{r.status}{best}", "value": r.name})
    return out


# The run the Evolution panel opens first: small, and its generations load at once.
DEFAULT_RUN = "example-swingup"


def default_run(catalog: Catalog) -> str | None:
    """:data:`DEFAULT_RUN` when it ships, else the first shipped run by name, else the newest run."""
    runs = catalog.runs.runs()
    shipped = sorted(r.name for r in runs if r.path.parent.name == "runs" and r.path.parent.parent.name == "data")
    if DEFAULT_RUN in shipped:
        return DEFAULT_RUN
    if shipped:
        return shipped[0]
    return runs[0].name if runs else None


def run_view(name: Any, catalog: Catalog) -> tuple[dict, int, int, Any, str]:
    """(slider marks, min, max, info text) for a run: one mark per saved generation, plus the champion."""
    if not isinstance(name, str):
        return {}, 0, 1, "Pick a run to see how its networks evolved."
    try:
        info = catalog.runs.open(name)
    except GenomeError as exc:
        return {}, 0, 1, str(exc)
    gens = sorted(info.champions)
    if not gens:
        return {}, 0, 1, f"{name} saved no generation champions yet."
    marks = {g: {"label": str(g)} for g in gens}
    s = info.settings
    text = (f"{name}: {panel_title(info.task)}, population {s.get('population', '?')}, "
            f"{info.generation} of {s.get('generations', '?')} generations, {info.status}. "
            f"Saved champions: generations {', '.join(map(str, gens))}"
            + ("; and the final champion (the last mark's network after re-testing)." if info.champion else ".")
            + " Move the slider to show a generation's champion above.")
    return marks, gens[0], gens[-1], text


def fitness_view(name: Any, generation: Any, catalog: Catalog) -> dict:
    if not isinstance(name, str):
        return message_figure("Pick a search run.", 320)
    try:
        info = catalog.runs.open(name)
    except GenomeError as exc:
        return message_figure(str(exc), 320)
    if not len(info.history.get("generation", [])):
        return message_figure("No generation has finished yet.", 320)
    gen = generation if isinstance(generation, int) and not isinstance(generation, bool) else None
    return fitness_figure(info.history, gen, sorted(info.champions),
                          f"{name}: fitness by generation ({panel_title(info.task)})")


def choose_generation(name: Any, generation: Any, catalog: Catalog) -> Any:
    """The ``run-choice`` store for a scrubbed generation (``no_update`` for nothing valid)."""
    if not isinstance(name, str) or isinstance(generation, bool) or not isinstance(generation, int):
        return no_update
    key = run_key(name, generation)
    return {"key": key} if key in catalog else no_update


def clicked_generation(click: Any, marks: Any) -> Any:
    """A click on the fitness curve -> the nearest saved generation for the scrubber."""
    try:
        x = float(click["points"][0]["x"])
    except (TypeError, KeyError, IndexError, ValueError):
        return no_update
    if not isinstance(marks, dict) or not math.isfinite(x):
        return no_update
    saved = [int(g) for g in marks if str(g).isdigit()]
    return min(saved, key=lambda g: abs(g - x)) if saved else no_update


# ----- a search started from the app ----------------------------------------------------

def _locks() -> Path:
    return app_runs_dir() / ".jobs"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _running_jobs() -> dict[str, dict]:
    out = {}
    folder = _locks()
    if not folder.is_dir():
        return out
    for f in folder.glob("*.json"):
        try:
            doc = json.loads(f.read_text("utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("pid"), int) and _alive(doc["pid"]):
            out[f.stem] = doc
        else:
            f.unlink(missing_ok=True)  # a job that died
    return out


def check_search(meta: Any, population: Any, generations: Any, session: Any) -> tuple[str, int, int, str]:
    """Validate a search request: ``(task, population, generations, session)``.

    Raises:
        AnalysisError: with the sentence to show.
    """
    if not isinstance(session, str) or not _SESSION_RE.match(session):
        raise AnalysisError("This tab has no session yet; reload the page and try again.")
    task = meta.get("task") if isinstance(meta, dict) else None
    spec = find_spec(task)
    if spec is None:
        raise AnalysisError("Pick a genome first: the search evolves networks for its task.")
    reason = unavailable_reason(task)
    if reason:
        raise AnalysisError(f"{spec.title} cannot be searched here: {reason}")
    lo, hi, _ = SEARCH_LIMITS["population"]
    pop = whole_number(population, "The population", lo, hi)
    lo, hi, _ = SEARCH_LIMITS["generations"]
    gens = whole_number(generations, "The number of generations", lo, hi)
    jobs = _running_jobs()
    if session in jobs:
        raise AnalysisError("A search from this tab is still running; cancel it or wait for it to finish.")
    if len(jobs) >= MAX_SEARCHES:
        raise AnalysisError(f"{len(jobs)} searches are running on this server already; try again in a few minutes.")
    return task, pop, gens, session


def _prune_app_runs(keep: int = KEEP_APP_RUNS) -> None:
    root = app_runs_dir()
    runs = sorted((p for p in root.glob("app-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def run_app_search(set_progress: Callable | None, meta: Any, population: Any, generations: Any, session: Any,
                   seconds: float = SEARCH_SECONDS) -> tuple[Any, Any]:
    """The background job: run a small search; ``(search-done store, message)``."""
    from ..search.config import SettingsError, load_settings
    from ..search.runner import RunFolderError, run_search

    try:
        task, pop, gens, session = check_search(meta, population, generations, session)
        settings = load_settings(task, None, {"population": pop, "generations": gens, "seed": int(time.time()) % 100000})
    except (AnalysisError, SettingsError) as exc:
        return no_update, html.Div(str(exc), className="error")
    save = sorted({g for g in (1, 2, 4, 8, 16, 32) if g <= gens} | {gens})
    settings["save_generations"] = save
    settings["checkpoint_every"] = max(1, gens // 4)
    root = app_runs_dir()
    root.mkdir(parents=True, exist_ok=True)
    _prune_app_runs()
    name = f"app-{task}-{time.strftime('%Y%m%d-%H%M%S')}-{session[:6]}"
    lock = _locks() / f"{session}.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"pid": os.getpid(), "run": name}), "utf-8")

    def report(row: dict) -> None:
        if set_progress is not None:
            g = int(row.get("generation", 0))
            set_progress((str(g), str(gens), f"generation {g} of {gens}: best {row.get('best_fitness', 0):.1f}",
                          {"run": name, "generation": g}))

    try:
        if set_progress is not None:
            set_progress(("0", str(gens), "starting…", {"run": name, "generation": 0}))
        run_search(settings, root / name, workers=1, progress=report, time_limit=seconds)
    except (SettingsError, RunFolderError, ValueError) as exc:
        return no_update, html.Div(f"The search stopped: {exc}", className="error")
    finally:
        lock.unlink(missing_ok=True)
    return {"run": name}, html.Div(f"Search {name} finished; its champion is the run's last mark.", className="ok")


def register(app, catalog: Catalog, manager) -> None:
    @app.callback(Output("run-picker", "options"), Output("run-picker", "value"),
                  Input("run-refresh", "n_clicks"), Input("search-done", "data"), Input("search-live", "data"),
                  State("run-picker", "value"))
    def _runs(_n, result, live, current):
        options = run_options(catalog)
        names = [o["value"] for o in options]
        for pick in ((result or {}).get("run") if isinstance(result, dict) else None,
                     (live or {}).get("run") if isinstance(live, dict) else None):
            if pick in names and pick != current:
                return options, pick
        if current in names:
            return options, no_update
        return options, default_run(catalog)

    @app.callback(Output("run-generation", "marks"), Output("run-generation", "min"), Output("run-generation", "max"),
                  Output("run-info", "children"), Input("run-picker", "value"), Input("search-live", "data"))
    def _run_view(name, _live):
        return run_view(name, catalog)

    @app.callback(Output("run-fitness", "figure"), Input("run-picker", "value"), Input("run-generation", "value"),
                  Input("search-live", "data"))
    def _fitness(name, generation, _live):
        return fitness_view(name, generation, catalog)

    @app.callback(Output("run-generation", "value"), Input("run-fitness", "clickData"),
                  State("run-generation", "marks"), prevent_initial_call=True)
    def _click(click, marks):
        return clicked_generation(click, marks)

    @app.callback(Output("run-choice", "data"), Input("run-generation", "value"), State("run-picker", "value"),
                  prevent_initial_call=True)
    def _choose(generation, name):
        return choose_generation(name, generation, catalog)

    @app.callback(Output("search-done", "data"), Output("search-message", "children"),
                  Input("search-run", "n_clicks"), State("genome-meta", "data"), State("search-population", "value"),
                  State("search-generations", "value"), State("search-session", "data"), background=True,
                  manager=manager, interval=500, prevent_initial_call=True,
                  progress=[Output("search-progress", "value"), Output("search-progress", "max"),
                            Output("search-status", "children"), Output("search-live", "data")],
                  running=[(Output("search-run", "disabled"), True, False),
                           (Output("search-cancel", "disabled"), False, True)],
                  cancel=[Input("search-cancel", "n_clicks")])
    def _search(set_progress, _n, meta, population, generations, session):
        return run_app_search(set_progress, meta, population, generations, session)

    @app.callback(Output("search-session", "data"), Input("url", "pathname"), State("search-session", "data"))
    def _session(_path, session):
        # A per-tab id (session storage): one search per tab at a time.
        return no_update if isinstance(session, str) and _SESSION_RE.match(session) else secrets.token_hex(8)


__all__ = ["CHAMPION", "choose_generation", "fitness_view", "run_app_search", "run_options", "run_view"]
