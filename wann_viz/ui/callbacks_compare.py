"""Compare: two views side by side on the same seed (two weights, two genomes or two generations).

:func:`compare` is a plain function (tests call it). Each side is a genome key
(empty: the genome shown) and a shared weight (empty: the weight shown). A
task with episodes answers with the whole episode of each side, which the
page plays side by side (``assets/wann_compare.js``); a task scored by
accuracy (MNIST) answers with each side's test accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dash import Input, Output, State, html, no_update

from ..evaluate import weight_profile
from ..genome import GenomeError
from ..tasks.registry import find_spec
from .catalog import Catalog, is_live, not_live_note, resolve_genome
from .clientside import clientside
from .episodes import RequestError, run_request, whole_episode
from .figures_analysis import compare_figure, format_score, message_figure
from .url_state import WEIGHT_MAX, WEIGHT_MIN, format_weight, parse_weight


def _side(key: Any, weight: Any, seed: int, uploads: Any, catalog: Catalog, name: str) -> dict:
    """``{"label", "key", "weight", "task", "score", "total" | "value", "cum", "payload"}`` or ``{"error"}``."""
    try:
        genome = resolve_genome(catalog, key, uploads)
    except GenomeError as exc:
        return {"error": f"{name}: {exc}"}
    w = parse_weight(weight)
    if w is None:
        return {"error": f"{name}: the weight {str(weight)[:20]!r} is not a number from {format_weight(WEIGHT_MIN)} "
                         f"to {format_weight(WEIGHT_MAX)}."}
    spec = find_spec(genome.task)
    label = f"{name}: {catalog.runs.label(key) if key.startswith('run:') else (genome.name or key)}, w = {w:g}"
    out = {"label": label, "key": key, "weight": w, "task": genome.task, "score": spec.score if spec else "return"}
    if spec is not None and is_live(spec.name):
        request = {"genome": key, "seed": seed, "weight": w}
        try:
            arrays, _, _ = whole_episode(request, catalog, uploads)
        except RequestError as exc:
            return {"error": f"{name}: {exc}"}
        payload = run_request(request, catalog, uploads, whole=True)
        if spec.renderer is not None:  # the drawings need the frames only
            payload = {**payload, "nodes": "", "actions": ""}
        return out | {"total": arrays.total, "cum": np.round(arrays.cum, 3).tolist(), "payload": payload}
    if spec is not None and spec.score == "accuracy":
        value = weight_profile(genome, [w], task_name=genome.task)[0]["mean"]
        return out | {"value": value}
    return {"error": f"{name}: {not_live_note(genome.task) or 'this genome has no task that runs here.'}"}


def compare(key_a: Any, weight_a: Any, key_b: Any, weight_b: Any, request: Any, uploads: Any,
            catalog: Catalog) -> tuple[Any, dict, Any, Any, Any]:
    """(compare store, figure, result A, result B, message)."""
    shown = request if isinstance(request, dict) else {}
    if not isinstance(shown.get("genome"), str):
        return no_update, message_figure("Pick a genome first."), "", "", html.Div("Pick a genome first.",
                                                                                   className="error")
    seed = shown.get("seed") if isinstance(shown.get("seed"), int) else 0
    sides = []
    for key, weight, name in ((key_a, weight_a, "A"), (key_b, weight_b, "B")):
        key = key if isinstance(key, str) and key and not key.startswith("__group") else shown["genome"]
        weight = weight if isinstance(weight, str) and weight.strip() else shown.get("weight")
        sides.append(_side(key, weight, seed, uploads, catalog, name))
    errors = [s["error"] for s in sides if "error" in s]
    if errors:
        return no_update, message_figure("Nothing to compare yet."), "", "", html.Div(" ".join(errors),
                                                                                       className="error")
    scores = {s["score"] for s in sides}
    score = scores.pop() if len(scores) == 1 else "return"
    texts = []
    for s in sides:
        if "total" in s:
            texts.append(html.Span([html.Strong(f"{s['total']:.1f}"), f" return over {len(s['cum'])} steps"]))
        else:
            texts.append(html.Span([html.Strong(format_score(s["value"], s["score"])), " of the test images"]))
    if all("cum" in s for s in sides) and len({s["task"] for s in sides}) == 1:
        fig = compare_figure([{"label": s["label"], "cum": s["cum"]} for s in sides], score)
    elif all("value" in s for s in sides):
        fig = compare_figure([{"label": s["label"], "value": s["value"]} for s in sides], score)
    else:
        fig = compare_figure([{"label": s["label"], "value": s.get("total")} for s in sides], "return")
    store = {k: {"payload": s.get("payload"), "label": s["label"]} for k, s in zip("ab", sides)}
    return store, fig, texts[0], texts[1], f"Seed {seed} on both sides."


def register(app, catalog: Catalog) -> None:
    @app.callback(Output("compare-genome-a", "options"), Output("compare-genome-b", "options"),
                  Input("genome-picker", "options"))
    def _options(options):
        return options or [], options or []

    @app.callback(Output("compare-genome-a", "value"), Output("compare-weight-a", "value"),
                  Input("compare-fill", "n_clicks"), State("request-store", "data"), prevent_initial_call=True)
    def _fill(_n, request):
        if not isinstance(request, dict):
            return no_update, no_update
        return request.get("genome"), format_weight(request.get("weight", 0.0))

    @app.callback(Output("compare-weight-a", "placeholder"), Output("compare-weight-b", "placeholder"),
                  Output("compare-genome-a", "placeholder"), Output("compare-genome-b", "placeholder"),
                  Input("request-store", "data"))
    def _placeholders(request):
        w = request.get("weight") if isinstance(request, dict) else None
        text = f"shown: {format_weight(w)}" if isinstance(w, (int, float)) else "the weight shown"
        return text, text, "the genome shown", "the genome shown"

    @app.callback(Output("compare-store", "data"), Output("compare-graph", "figure"),
                  Output("compare-result-a", "children"), Output("compare-result-b", "children"),
                  Output("compare-message", "children"),
                  Input("compare-run", "n_clicks"), State("compare-genome-a", "value"),
                  State("compare-weight-a", "value"), State("compare-genome-b", "value"),
                  State("compare-weight-b", "value"), State("request-store", "data"), State("uploads-store", "data"),
                  prevent_initial_call=True)
    def _compare(_n, key_a, weight_a, key_b, weight_b, request, uploads):
        return compare(key_a, weight_a, key_b, weight_b, request, uploads, catalog)

    clientside(app, "compare_load", Output("compare-sink", "data"), Input("compare-store", "data"))
