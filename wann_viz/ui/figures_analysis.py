"""Pure figure builders of the analysis panels: profiles, conditions, evolution, comparison.

No dash import: every function returns a plain plotly figure dict. Traces
carry ``meta`` tags that tests and the page's scripts look for (``"profile"``,
``"band"``, ``"current"``, ``"best"``; ``"ours"``, ``"paper"``; ``"best-fitness"``,
``"mean-fitness"``, ``"generation"``; ``"compare-a"``, ``"compare-b"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..evaluate import CONDITIONS
from .figures import NEGATIVE, POSITIVE, SELECTED

SCORE_AXES = {"return": ("Return", 1.0, ".0f", ""), "accuracy": ("Test accuracy", 100.0, ".1f", "%")}
CONDITION_TITLES = {
    "random_weights": "Random weights",
    "random_shared_weight": "Random shared weight",
    "tuned_shared_weight": "Tuned shared weight",
    "tuned_weights": "Tuned weights",
    "ensemble": "Ensemble of weights",
}
PAPER = "#7f7f7f"
MEAN_LINE = "#6a51a3"


def score_axis(score: str) -> tuple[str, float, str, str]:
    """(axis title, scale, number format, suffix) of a task's score (``TaskSpec.score``)."""
    return SCORE_AXES.get(score, SCORE_AXES["return"])


def format_score(value: float | None, score: str) -> str:
    """``712`` for returns, ``82.6%`` for accuracies; a dash for a missing value."""
    if value is None or not math.isfinite(value):
        return "—"
    _, scale, fmt, suffix = score_axis(score)
    return f"{value * scale:{fmt}}{suffix}"


def _base_layout(height: int, **more) -> dict:
    layout = {"height": height, "margin": {"l": 56, "r": 16, "t": 64, "b": 44}, "paper_bgcolor": "white",
              "plot_bgcolor": "white", "font": {"size": 13}, "hovermode": "closest", "showlegend": True,
              "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"}}
    layout.update(more)
    if isinstance(layout.get("title"), dict):  # the title on top, the legend between it and the plot
        layout["title"] = {"y": 0.985, "yanchor": "top", "yref": "container", **layout["title"]}
    return layout


def profile_figure(profile: Sequence[dict], score: str = "return", current_weight: float | None = None,
                   title: str = "", n_episodes: int | None = None) -> dict:
    """Mean +- sd of the score against the shared weight, the current weight marked.

    Args:
        profile: ``[{"weight", "mean", "sd"}]`` (K rows, any order).
        score: ``"return"`` or ``"accuracy"`` (fractions, shown in percent).
        current_weight: the slider's weight (an amber line and point), or ``None``.

    Returns:
        A figure dict; clicking any point of the ``"profile"`` trace gives its weight as ``x``.
    """
    rows = sorted(profile, key=lambda p: p["weight"])
    w = np.array([p["weight"] for p in rows], dtype=float)
    name, scale, fmt, suffix = score_axis(score)
    m = np.array([p["mean"] for p in rows], dtype=float) * scale
    sd = np.array([p["sd"] for p in rows], dtype=float) * scale
    data = [
        {"type": "scatter", "mode": "lines", "x": w.tolist() + w[::-1].tolist(),
         "y": np.round(m + sd, 4).tolist() + np.round(m - sd, 4)[::-1].tolist(), "fill": "toself",
         "fillcolor": "rgba(33,102,172,0.15)", "line": {"width": 0}, "hoverinfo": "skip", "name": "± 1 sd",
         "meta": "band"},
        {"type": "scatter", "mode": "lines+markers", "x": w.tolist(), "y": np.round(m, 4).tolist(),
         "customdata": np.round(sd, 4).tolist(), "line": {"color": POSITIVE, "width": 2.5},
         "marker": {"size": 7, "color": POSITIVE}, "name": f"mean {name.lower()}", "meta": "profile",
         "hovertemplate": f"weight %{{x:g}}: %{{y:{fmt}}}{suffix} ± %{{customdata:{fmt}}}{suffix}"
                          "<br>click to use this weight<extra></extra>"},
    ]
    shapes, annotations = [], []
    inside = [i for i in range(len(w)) if -2 < w[i] < 2 and math.isfinite(m[i])]
    if inside:
        b = max(inside, key=lambda i: m[i])
        data.append({"type": "scatter", "mode": "markers", "x": [float(w[b])], "y": [round(float(m[b]), 4)],
                     "marker": {"size": 14, "symbol": "star", "color": "#1a9850", "line": {"width": 1, "color": "white"}},
                     "name": f"best in (-2, 2): w = {w[b]:g}", "meta": "best",
                     "hovertemplate": f"best: weight %{{x:g}}, %{{y:{fmt}}}{suffix}<extra></extra>"})
    if current_weight is not None and math.isfinite(current_weight) and len(w):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": current_weight, "x1": current_weight,
                       "y0": 0, "y1": 1, "line": {"color": SELECTED, "width": 2.5}})
        if w.min() <= current_weight <= w.max() and np.all(np.isfinite(m)):
            y_now = float(np.interp(current_weight, w, m))
            data.append({"type": "scatter", "mode": "markers", "x": [current_weight], "y": [round(y_now, 4)],
                         "marker": {"size": 11, "color": SELECTED, "line": {"width": 2, "color": "#1f2328"}},
                         "name": f"slider: w = {current_weight:g}", "meta": "current",
                         "hovertemplate": f"slider weight %{{x:g}} (read off the curve: %{{y:{fmt}}}{suffix})"
                                          "<extra></extra>"})
    sub = f" ({n_episodes} episodes per weight)" if n_episodes else ""
    return {"data": data, "layout": _base_layout(
        380, title={"text": (title or f"{name} against the shared weight") + sub, "x": 0, "font": {"size": 15}},
        xaxis={"title": {"text": "shared weight"}, "zeroline": True, "zerolinecolor": "#bbb", "gridcolor": "#eee"},
        yaxis={"title": {"text": name + (f" ({suffix})" if suffix else "")}, "gridcolor": "#eee"},
        shapes=shapes, annotations=annotations, clickmode="event")}


def conditions_figure(rows: Sequence[dict], score: str = "return", title: str = "") -> dict:
    """Bars of our four conditions (mean +- sd), with the paper's figures beside them when given.

    Args:
        rows: :func:`wann_viz.ui.analysis.conditions_rows`.
    """
    name, scale, fmt, suffix = score_axis(score)
    labels = [CONDITION_TITLES.get(r["condition"], r["condition"]) for r in rows]

    def col(key):
        return [None if r[key] is None else round(float(r[key]) * scale, 4) for r in rows]

    data = [{"type": "bar", "x": labels, "y": col("mean"), "name": "this genome, here", "meta": "ours",
             "marker": {"color": POSITIVE},
             "error_y": {"type": "data", "array": [v or 0 for v in col("sd")], "visible": True, "color": "#333"},
             "hovertemplate": f"%{{x}}: %{{y:{fmt}}}{suffix}<extra>here</extra>"}]
    if any(r["paper_mean"] is not None for r in rows):
        # The paper's table is in the units shown (returns, or accuracy in percent).
        paper_scale = 1.0
        data.append({"type": "bar", "x": labels, "name": "the paper", "meta": "paper",
                     "y": [None if r["paper_mean"] is None else r["paper_mean"] * paper_scale for r in rows],
                     "marker": {"color": PAPER},
                     "error_y": {"type": "data", "array": [r["paper_sd"] or 0 for r in rows], "visible": True,
                                 "color": "#333"},
                     "hovertemplate": f"%{{x}}: %{{y:{fmt}}}{suffix}<extra>paper</extra>"})
    return {"data": data, "layout": _base_layout(
        340, barmode="group", title={"text": title or "The paper's four conditions", "x": 0, "font": {"size": 15}},
        yaxis={"title": {"text": name + (f" ({suffix})" if suffix else "")}, "gridcolor": "#eee",
               "zeroline": True, "zerolinecolor": "#999"})}


def fitness_figure(history: dict, generation: int | None = None, saved: Sequence[int] = (),
                   title: str = "") -> dict:
    """Best and mean fitness per generation of a search run, the scrubbed generation marked.

    Args:
        history: column -> (G,) array (``generation``, ``best_fitness``, ``mean_fitness``, ...).
        generation: the scrubber's generation (an amber line), or ``None``.
        saved: generations whose champion was saved (small ticks on the best curve).
    """
    g = np.asarray(history.get("generation", []), dtype=float)

    def series(key):
        v = np.asarray(history.get(key, np.full(len(g), np.nan)), dtype=float)
        return [None if not math.isfinite(x) else round(float(x), 4) for x in v]

    best, mean = series("best_fitness"), series("mean_fitness")
    data = [
        {"type": "scatter", "mode": "lines", "x": g.tolist(), "y": best, "name": "best of the generation",
         "line": {"color": POSITIVE, "width": 2.5}, "meta": "best-fitness",
         "hovertemplate": "generation %{x}: best %{y:.1f} (click: the nearest saved champion)<extra></extra>"},
        {"type": "scatter", "mode": "lines", "x": g.tolist(), "y": mean, "name": "population mean",
         "line": {"color": MEAN_LINE, "width": 1.5, "dash": "dot"}, "meta": "mean-fitness",
         "hovertemplate": "generation %{x}: mean %{y:.1f}<extra></extra>"},
    ]
    index = {int(v): i for i, v in enumerate(g)}
    marks = [s for s in saved if s in index]
    if marks:
        data.append({"type": "scatter", "mode": "markers", "x": marks, "y": [best[index[s]] for s in marks],
                     "marker": {"size": 8, "color": "white", "line": {"width": 2, "color": POSITIVE}},
                     "name": "saved champion", "meta": "saved",
                     "hovertemplate": "generation %{x}: champion saved (click to show it)<extra></extra>"})
    shapes = []
    if generation is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": generation, "x1": generation,
                       "y0": 0, "y1": 1, "line": {"color": SELECTED, "width": 2.5}})
    return {"data": data, "layout": _base_layout(
        320, title={"text": title or "Fitness by generation", "x": 0, "font": {"size": 15}},
        xaxis={"title": {"text": "generation"}, "gridcolor": "#eee"},
        yaxis={"title": {"text": "fitness (mean over the weight series)"}, "gridcolor": "#eee"}, shapes=shapes)}


def compare_figure(sides: Sequence[dict], score: str = "return") -> dict:
    """Return so far against the step for two episodes (or two accuracies as bars).

    Args:
        sides: two dicts ``{"label", "cum": (T,) returns so far}`` for episode tasks, or
            ``{"label", "value"}`` (a score) when there is no episode to trace.
    """
    name, scale, fmt, suffix = score_axis(score)
    colours = (POSITIVE, NEGATIVE)
    metas = ("compare-a", "compare-b")
    if all("cum" in s for s in sides):
        data = [{"type": "scatter", "mode": "lines", "x": list(range(1, len(s["cum"]) + 1)),
                 "y": np.round(np.asarray(s["cum"], float), 3).tolist(), "name": s["label"], "meta": m,
                 "line": {"color": c, "width": 2.5}, "hovertemplate": "step %{x}: %{y:.1f}<extra>%{fullData.name}</extra>"}
                for s, c, m in zip(sides, colours, metas)]
        return {"data": data, "layout": _base_layout(
            320, title={"text": "Return so far, step by step (same seed)", "x": 0, "font": {"size": 15}},
            xaxis={"title": {"text": "step"}, "gridcolor": "#eee"},
            yaxis={"title": {"text": "return so far"}, "gridcolor": "#eee"})}
    data = [{"type": "bar", "x": [s["label"] for s in sides],
             "y": [None if s.get("value") is None else round(s["value"] * scale, 4) for s in sides],
             "marker": {"color": list(colours[:len(sides)])}, "meta": "compare",
             "hovertemplate": f"%{{x}}: %{{y:{fmt}}}{suffix}<extra></extra>"}]
    return {"data": data, "layout": _base_layout(
        300, showlegend=False, title={"text": f"{name}, side by side", "x": 0, "font": {"size": 15}},
        yaxis={"title": {"text": name + (f" ({suffix})" if suffix else "")}, "gridcolor": "#eee"})}


def message_figure(text: str, height: int = 300) -> dict:
    """An empty chart that says something instead."""
    return {"data": [], "layout": {"height": height, "xaxis": {"visible": False}, "yaxis": {"visible": False},
                                   "paper_bgcolor": "white", "plot_bgcolor": "white", "margin": {"l": 10, "r": 10,
                                                                                                  "t": 10, "b": 10},
                                   "annotations": [{"text": text, "showarrow": False, "xref": "paper",
                                                    "yref": "paper", "x": 0.5, "y": 0.5,
                                                    "font": {"size": 15, "color": "#57606a"}}]}}


__all__ = ["CONDITIONS", "compare_figure", "conditions_figure", "fitness_figure", "format_score",
           "message_figure", "profile_figure", "score_axis"]
