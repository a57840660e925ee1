"""The weight profile and the four conditions: background jobs with progress, cancel and a disk cache.

Plain functions (``lookup_profile``, ``run_profile``, ``profile_view``, and the
same for the conditions) hold the logic; tests call them directly, and
:func:`register` wires them to the app. A job's result goes to a ``*-computed``
store; a quick lookup of the disk cache fills ``*-cached`` whenever the genome
or the settings change, so a second visit shows the result at once. The view
shows whichever store matches the current genome and settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, ctx, html, no_update

from ..genome import GenomeError, is_authors_champion
from ..tasks.registry import find_spec
from .analysis import (
    AnalysisError,
    cached_conditions,
    cached_profile,
    check_conditions,
    check_profile,
    compute_conditions,
    compute_profile,
    conditions_key,
    conditions_rows,
    current_store,
    default_episodes,
    finite_profile,
    knocked,
    profile_key,
)
from .catalog import Catalog, resolve_genome
from .clientside import clientside
from .figures_analysis import (
    CONDITION_TITLES,
    conditions_figure,
    format_score,
    message_figure,
    profile_figure,
)

SetProgress = Callable[[tuple], None]
JOB_PROCESSES = min(2, os.cpu_count() or 1)  # a job's own pool (Gym tasks); a class shares the cores


def _genome(meta: Any, weights: Any, uploads: Any, catalog: Catalog):
    """(key, genome with its knocked-out connections removed, n knocked out) of the page's genome."""
    if not isinstance(meta, dict):
        raise AnalysisError("Pick a genome first.")
    key = meta.get("key")
    try:
        genome = resolve_genome(catalog, key, uploads)
    except GenomeError as exc:
        raise AnalysisError(str(exc)) from None
    spec = find_spec(genome.task)
    if spec is None:
        raise AnalysisError("This genome names no task that runs here.")
    off = weights.get("off") if isinstance(weights, dict) and weights.get("genome") == key else []
    shown = knocked(genome, off)
    return key, shown, genome.n_connections - shown.n_connections


def _tag(key: str, digest_key: tuple) -> dict:
    return {"genome": key, "key": list(digest_key)}


# ----- weight profile ------------------------------------------------------------------

def lookup_profile(meta: Any, weights: Any, choice: Any, episodes: Any, uploads: Any, catalog: Catalog) -> dict | None:
    """The stored profile for the current genome and settings: ``{"genome", "key", "profile", ...}``,
    ``{"genome", "key", "profile": None}`` when not computed yet, or ``None`` (bad settings)."""
    try:
        key, genome, n_off = _genome(meta, weights, uploads, catalog)
        settings = check_profile(genome.task, choice, episodes or default_episodes(genome.task))
    except AnalysisError:
        return None
    pk = profile_key(genome, settings)
    return {**_tag(key, pk), "profile": cached_profile(genome, settings), "n_episodes": settings.n_episodes,
            "task": genome.task, "knocked": n_off}


def run_profile(set_progress: SetProgress | None, meta: Any, weights: Any, choice: Any, episodes: Any,
                uploads: Any, catalog: Catalog) -> tuple[Any, Any]:
    """The background job: ``(profile-computed store, message)``."""
    try:
        key, genome, n_off = _genome(meta, weights, uploads, catalog)
        settings = check_profile(genome.task, choice, episodes or default_episodes(genome.task))
    except AnalysisError as exc:
        return no_update, html.Div(str(exc), className="error")
    total = len(settings.weights) * settings.n_episodes

    def progress(done: int, all_: int) -> None:
        if set_progress is not None:
            set_progress((str(done), str(all_), f"{done:,} of {all_:,} done"))

    if set_progress is not None:
        set_progress(("0", str(total), f"running {total:,} episodes…"))
    try:
        profile = compute_profile(genome, settings, progress, processes=JOB_PROCESSES)
    except (ValueError, RuntimeError) as exc:
        return no_update, html.Div(f"The profile could not be computed: {exc}", className="error")
    pk = profile_key(genome, settings)
    return ({**_tag(key, pk), "profile": profile, "n_episodes": settings.n_episodes, "task": genome.task,
             "knocked": n_off}, "")


def profile_view(cached: Any, computed: Any, request: Any, meta: Any) -> tuple[dict, str]:
    """(figure, status text) of the profile panel."""
    store = current_store(cached, computed, "profile")
    if store is None:
        return message_figure("Pick a genome, the weights and a number of episodes (1 or more)."), ""
    rows = finite_profile(store.get("profile"))
    n = store.get("n_episodes")
    spec = find_spec(store.get("task"))
    if not rows:
        what = "test images" if spec and spec.score == "accuracy" else f"{n} episodes per weight"
        return message_figure(f"Not computed yet: press “Run profile” ({what})."), "not computed yet"
    weight = request.get("weight") if isinstance(request, dict) and request.get("genome") == store["genome"] else None
    score = spec.score if spec else "return"
    title = "Test accuracy by shared weight" if score == "accuracy" else "Return by shared weight"
    if store.get("knocked"):
        title += f" ({store['knocked']} connections knocked out)"
    fig = profile_figure(rows, score, weight if isinstance(weight, (int, float)) else None, title)
    return fig, "from the cache" if store is cached else "done"


# ----- the four conditions ---------------------------------------------------------------

def lookup_conditions(meta: Any, weights: Any, episodes: Any, uploads: Any, catalog: Catalog) -> dict | None:
    try:
        key, genome, n_off = _genome(meta, weights, uploads, catalog)
        n, seed = check_conditions(genome.task, episodes or default_episodes(genome.task, "conditions"))
    except AnalysisError:
        return None
    ck = conditions_key(genome, n, seed)
    return {**_tag(key, ck), "result": cached_conditions(genome, n, seed), "n_episodes": n, "task": genome.task,
            "knocked": n_off}


def run_conditions(set_progress: SetProgress | None, meta: Any, weights: Any, episodes: Any, uploads: Any,
                   catalog: Catalog) -> tuple[Any, Any]:
    try:
        key, genome, n_off = _genome(meta, weights, uploads, catalog)
        n, seed = check_conditions(genome.task, episodes or default_episodes(genome.task, "conditions"))
    except AnalysisError as exc:
        return no_update, html.Div(str(exc), className="error")

    def progress(done: int, total: int) -> None:
        if set_progress is not None:
            set_progress((str(done), str(total), f"{done:,} of {total:,} done"))

    if set_progress is not None:
        set_progress(("0", "1", "starting…"))
    try:
        result = compute_conditions(genome, n, seed, progress, processes=JOB_PROCESSES)
    except (ValueError, RuntimeError) as exc:
        return no_update, html.Div(f"The conditions could not be computed: {exc}", className="error")
    return ({**_tag(key, conditions_key(genome, n, seed)), "result": result, "n_episodes": n, "task": genome.task,
             "knocked": n_off}, "")


def conditions_view(cached: Any, computed: Any, meta: Any, uploads: Any, catalog: Catalog) -> tuple[Any, dict, str]:
    """(table, figure, status) of the conditions panel."""
    store = current_store(cached, computed, "result")
    if store is None:
        return "", message_figure("Pick a genome and a number of episodes (1 or more)."), ""
    result = store.get("result")
    spec = find_spec(store.get("task"))
    if not isinstance(result, dict):
        return (html.P("Not computed yet: press “Run the four conditions”.", className="hint"),
                message_figure("Not computed yet."), "not computed yet")
    score = spec.score if spec else "return"
    try:
        genome = resolve_genome(catalog, store.get("genome"), uploads)
        authors = is_authors_champion(genome)
    except GenomeError:
        authors = False
    paper = dict(spec.paper_results) if spec and authors else {}
    rows = conditions_rows(result, paper)
    head = [html.Th("Condition"), html.Th("Here (mean ± sd)")] + ([html.Th("Paper")] if paper else [])
    body = []
    for r in rows:
        here = format_score(r["mean"], score)
        if r["sd"] is not None and r["mean"] is not None:
            here += " ± " + format_score(r["sd"], score)
        if r["condition"] == "tuned_shared_weight" and r["weight"] is not None:
            here += f" (w = {r['weight']:g})"
        if r["condition"] == "tuned_weights" and r["mean"] is None:
            here = "no tuned weights attached"
        cells = [html.Td(CONDITION_TITLES.get(r["condition"], r["condition"])), html.Td(here)]
        if paper:
            pm, ps = r["paper_mean"], r["paper_sd"]
            cells.append(html.Td("—" if pm is None else f"{pm:g}" + (f" ± {ps:g}" if ps is not None else "")
                                 + ("%" if score == "accuracy" else "")))
        body.append(html.Tr(cells, **{"data-condition": r["condition"]}))
    n = store.get("n_episodes")
    caption = ("All 10,000 test images per condition" if score == "accuracy"
               else f"{n} episodes per condition, seeds 0 to {n - 1}")
    if store.get("knocked"):
        caption += f"; {store['knocked']} connections knocked out"
    if paper:
        caption += f". Paper: {spec.title}, the authors' champion" + (f" {spec.paper_note}" if spec.paper_note else "")
    table = html.Table(className="conditions", id="conditions-values", children=[
        html.Caption(caption), html.Thead(html.Tr(head)), html.Tbody(body)])
    fig = conditions_figure(rows, score)
    return table, fig, "from the cache" if store is cached else "done"


# ----- wiring ---------------------------------------------------------------------------

def _job_outputs(prefix: str):
    return ([Output(f"{prefix}-progress", "value"), Output(f"{prefix}-progress", "max"),
             Output(f"{prefix}-status", "children")],
            [(Output(f"{prefix}-run", "disabled"), True, False), (Output(f"{prefix}-cancel", "disabled"), False, True)])


def register(app, catalog: Catalog, manager) -> None:
    """Wire the profile and conditions callbacks (``manager``: the background-callback manager)."""

    @app.callback(Output("profile-cached", "data"), Output("profile-episodes", "placeholder"),
                  Input("genome-meta", "data"), Input("weights-store", "data"), Input("profile-weights", "value"),
                  Input("profile-episodes", "value"), State("uploads-store", "data"))
    def _lookup_profile(meta, weights, choice, episodes, uploads):
        task = meta.get("task") if isinstance(meta, dict) else None
        return lookup_profile(meta, weights, choice, episodes, uploads, catalog), str(default_episodes(task))

    progress, running = _job_outputs("profile")

    @app.callback(Output("profile-computed", "data"), Output("profile-message", "children"),
                  Input("profile-run", "n_clicks"), State("genome-meta", "data"), State("weights-store", "data"),
                  State("profile-weights", "value"), State("profile-episodes", "value"),
                  State("uploads-store", "data"), background=True, manager=manager, progress=progress,
                  running=running, cancel=[Input("profile-cancel", "n_clicks")], interval=250,
                  prevent_initial_call=True)
    def _run_profile(set_progress, _clicks, meta, weights, choice, episodes, uploads):
        return run_profile(set_progress, meta, weights, choice, episodes, uploads, catalog)

    @app.callback(Output("profile-graph", "figure"), Output("profile-result", "children"),
                  Output("profile-status", "children", allow_duplicate=True),
                  Input("profile-cached", "data"), Input("profile-computed", "data"), Input("request-store", "data"),
                  State("genome-meta", "data"), prevent_initial_call=True)
    def _profile_view(cached, computed, request, meta):
        fig, result = profile_view(cached, computed, request, meta)
        # A finished job's last progress line would linger: the result line says what is shown.
        return fig, result, "" if ctx.triggered_id == "profile-computed" else no_update

    @app.callback(Output("conditions-cached", "data"), Output("conditions-episodes", "placeholder"),
                  Input("genome-meta", "data"), Input("weights-store", "data"), Input("conditions-episodes", "value"),
                  State("uploads-store", "data"))
    def _lookup_conditions(meta, weights, episodes, uploads):
        task = meta.get("task") if isinstance(meta, dict) else None
        return lookup_conditions(meta, weights, episodes, uploads, catalog), str(default_episodes(task, "conditions"))

    progress, running = _job_outputs("conditions")

    @app.callback(Output("conditions-computed", "data"), Output("conditions-message", "children"),
                  Input("conditions-run", "n_clicks"), State("genome-meta", "data"), State("weights-store", "data"),
                  State("conditions-episodes", "value"), State("uploads-store", "data"), background=True,
                  manager=manager, progress=progress, running=running,
                  cancel=[Input("conditions-cancel", "n_clicks")], interval=250, prevent_initial_call=True)
    def _run_conditions(set_progress, _clicks, meta, weights, episodes, uploads):
        return run_conditions(set_progress, meta, weights, episodes, uploads, catalog)

    @app.callback(Output("conditions-table", "children"), Output("conditions-graph", "figure"),
                  Output("conditions-result", "children"),
                  Output("conditions-status", "children", allow_duplicate=True),
                  Input("conditions-cached", "data"), Input("conditions-computed", "data"),
                  State("genome-meta", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _conditions_view(cached, computed, meta, uploads):
        table, fig, result = conditions_view(cached, computed, meta, uploads, catalog)
        return table, fig, result, "" if ctx.triggered_id == "conditions-computed" else no_update

    # Clicking a curve (the profile, or MNIST's accuracy curve and heatmap) sets the weight.
    clientside(app, "pick_weight", Output("weight-input", "value", allow_duplicate=True),
               Input("profile-graph", "clickData"), Input("mnist-profile", "clickData"))
