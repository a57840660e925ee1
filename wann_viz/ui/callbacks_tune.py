"""Fine-tuning from the app: one weight per connection for the genome shown, as a bounded background job.

Tasks with labelled data (MNIST, ``Task.supervised_data``) tune by gradient
(:mod:`wann_viz.tune_gradient`), the others by CMA-ES over episodes
(:mod:`wann_viz.tune`), the same code as ``python -m wann_viz tune``. The
tuned genome is kept as an upload of this browser (so it is private to it
and survives a reload), opened, and its tuned weights loaded. One tuning job
per tab at a time (the Run button is disabled while it runs), bounded in
size (:data:`LIMITS`) and time (:data:`TUNE_SECONDS`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from dash import Input, Output, State, html, no_update

from ..genome import GenomeError, genome_to_json
from ..tasks.registry import find_spec, make_task
from .analysis import AnalysisError, whole_number
from .catalog import Catalog, resolve_genome
from .figures_analysis import message_figure

TUNE_SECONDS = 180
LIMITS = {"generations": (1, 40, 15), "episodes": (1, 16, 4)}  # (min, max, default)
GRADIENT_STEPS_PER_GENERATION = 100  # a "generation" of gradient tuning: 100 minibatch steps


def check_tune(meta: Any, generations: Any, episodes: Any) -> tuple[str, int, int]:
    task = meta.get("task") if isinstance(meta, dict) else None
    if find_spec(task) is None:
        raise AnalysisError("Pick a genome first.")
    lo, hi, default = LIMITS["generations"]
    gens = whole_number(generations if generations not in (None, "") else default, "Generations", lo, hi)
    lo, hi, default = LIMITS["episodes"]
    eps = whole_number(episodes if episodes not in (None, "") else default, "Episodes per candidate", lo, hi)
    return task, gens, eps


def tuning_figure(history: dict, score: str) -> dict:
    """Best (and mean) score per generation of a tuning run, or the loss per step for gradient tuning."""
    if "loss" in history:
        x, y, name, title = history.get("step", []), history.get("loss", []), "training loss", "cross-entropy"
        data = [{"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "meta": "tune-loss",
                 "line": {"color": "#2166ac", "width": 2.5}}]
        xaxis = "gradient step"
    else:
        x = history.get("generation", [])
        data = [{"type": "scatter", "mode": "lines+markers", "x": x, "y": history.get("best", []),
                 "name": "best candidate", "meta": "tune-best", "line": {"color": "#2166ac", "width": 2.5}},
                {"type": "scatter", "mode": "lines", "x": x, "y": history.get("mean", []), "name": "mean",
                 "meta": "tune-mean", "line": {"color": "#6a51a3", "dash": "dot"}}]
        title, xaxis = "mean return on the training episodes", "CMA-ES generation"
    return {"data": data, "layout": {"height": 300, "margin": {"l": 56, "r": 16, "t": 30, "b": 44},
                                     "paper_bgcolor": "white", "plot_bgcolor": "white",
                                     "xaxis": {"title": {"text": xaxis}, "gridcolor": "#eee"},
                                     "yaxis": {"title": {"text": title}, "gridcolor": "#eee"},
                                     "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}}}


def run_app_tune(set_progress: Callable | None, meta: Any, generations: Any, episodes: Any, uploads: Any,
                 catalog: Catalog, seconds: float = TUNE_SECONDS) -> tuple[Any, Any, Any]:
    """The background job: ``(tune-done store, message, figure)``."""
    from .. import tune as cma_tune
    from .. import tune_gradient

    try:
        task, gens, eps = check_tune(meta, generations, episodes)
        genome = resolve_genome(catalog, meta.get("key"), uploads)
    except (AnalysisError, GenomeError) as exc:
        return no_update, html.Div(str(exc), className="error"), no_update
    history: dict = {}

    def tell(done: int, total: int, text: str) -> None:
        if set_progress is not None:
            set_progress((str(done), str(total), text, {k: list(v) for k, v in history.items()}))

    data = make_task(task).supervised_data("train")
    if data is not None:
        steps = gens * GRADIENT_STEPS_PER_GENERATION
        settings = tune_gradient.default_settings(genome, task) | {"steps": steps}
        history.update(step=[], loss=[])

        def progress(row):
            history["step"].append(row["step"])
            history["loss"].append(row["loss"])
            tell(row["step"], row["steps"], f"step {row['step']} of {row['steps']}: loss {row['loss']:.3f}")

        test = make_task(task).supervised_data("test")
        tuned = tune_gradient.tune_supervised(
            genome, data[0], data[1], settings, progress=progress, time_limit=seconds,
            score=lambda w: tune_gradient.accuracy(genome, test[0], test[1], w))
        what = f"test accuracy {100 * tuned.extra['tuned_weights_score']['mean']:.1f}% (all 10,000 test images)"
    else:
        settings = cma_tune.default_settings(genome, task) | {"generations": gens, "episodes": eps}
        history.update(generation=[], best=[], mean=[])

        def progress(row):
            for k in ("generation", "best", "mean"):
                history[k].append(row[k])
            tell(row["generation"], row["generations"],
                 f"generation {row['generation']} of {row['generations']}: best {row['best']:.1f}")

        tuned = cma_tune.tune(genome, settings, progress=progress, time_limit=seconds)
        what = f"best mean return {tuned.extra['tuning']['best_training_return']:.1f} on its {eps} training episodes"
    stem = re.sub(r"[^A-Za-z0-9_.\-]+", "-", genome.name or "genome").strip("-")[:50] or "genome"
    tuned = tuned.with_changes(name=f"{genome.name or stem} (tuned here)")
    try:
        key, secret, _ = catalog.uploads.add(genome_to_json(tuned).encode(), f"{stem}-tuned.json", task)
    except GenomeError as exc:
        return no_update, html.Div(f"The tuned genome could not be kept: {exc}", className="error"), no_update
    fig = tuning_figure(history, "return")
    return ({"key": key, "secret": secret},
            html.Div(f"Tuned: {what}. It is open now, with its tuned weights loaded; it stays in your genome "
                     "list (this browser only). Run the four conditions to check it on fresh episodes.",
                     className="ok"), fig)


def register(app, catalog: Catalog, manager) -> None:
    @app.callback(Output("tune-done", "data"), Output("tune-message", "children"), Output("tune-graph", "figure"),
                  Input("tune-run", "n_clicks"), State("genome-meta", "data"), State("tune-generations", "value"),
                  State("tune-episodes", "value"), State("uploads-store", "data"), background=True, manager=manager,
                  interval=500, prevent_initial_call=True,
                  progress=[Output("tune-progress", "value"), Output("tune-progress", "max"),
                            Output("tune-status", "children"), Output("tune-live", "data")],
                  running=[(Output("tune-run", "disabled"), True, False),
                           (Output("tune-cancel", "disabled"), False, True)],
                  cancel=[Input("tune-cancel", "n_clicks")])
    def _tune(set_progress, _n, meta, generations, episodes, uploads):
        return run_app_tune(set_progress, meta, generations, episodes, uploads, catalog)

    @app.callback(Output("tune-graph", "figure", allow_duplicate=True), Input("tune-live", "data"),
                  prevent_initial_call=True)
    def _live(history):
        if not isinstance(history, dict) or not any(history.values()):
            return message_figure("Tuning…", 300)
        return tuning_figure(history, "return")


__all__ = ["LIMITS", "TUNE_SECONDS", "check_tune", "run_app_tune", "tuning_figure"]
