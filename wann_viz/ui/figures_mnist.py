"""Pure figure builders of the MNIST panel: arrays in, plotly figure dicts out.

No dash import and no server, like :mod:`wann_viz.ui.figures`. Traces carry
``meta`` tags the tests (and browser checks) look for:

* mask figures: ``"mask"`` (the pixels that reach a digit; ``None`` elsewhere)
  over ``"backdrop"`` (the digit's mean image, faint grey);
* the profile: ``"overall"`` (accuracy line), ``"digit-accuracy"`` (heatmap),
  ``"current"`` (the current weight's point);
* test images: ``"image"``; probabilities: ``"probabilities"``.

Images are shown as they appear on paper: dark ink on white, row 0 on top.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..genome import Genome
from ..graph import trace_output
from .figures import SELECTED, Highlight

# One colour per digit (mask pixels, "All" edges); the D3 palette with its grey swapped out,
# since grey means "not part of it" everywhere in the explorer.
DIGIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#393b79", "#bcbd22", "#17becf")
SEVERAL_DIGITS = "#444444"  # an edge that feeds more than one digit
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]  # pixel value 0 -> paper, 1 -> ink
BACKDROP = [[0.0, "#ffffff"], [1.0, "#8c8c8c"]]
FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 14, "color": "#1f2328"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "—"


def _pixel_axes(x_name: str, y_name: str, side: int, domain_x=None, domain_y=None) -> dict:
    """Axis pair for a ``side`` x ``side`` image: square pixels, row 0 on top, no ticks."""
    x = {"visible": False, "range": [-0.5, side - 0.5], "constrain": "domain", "fixedrange": True}
    y = {"visible": False, "range": [side - 0.5, -0.5], "scaleanchor": x_name.replace("axis", ""),
         "constrain": "domain", "fixedrange": True}
    if domain_x is not None:
        x["domain"] = list(domain_x)
    if domain_y is not None:
        y["domain"] = list(domain_y)
    return {x_name: x, y_name: y}


def _mask_traces(mask: np.ndarray, digit: int, backdrop: np.ndarray | None, axes: tuple[str, str] = ("x", "y"),
                 hover: bool = True) -> list[dict]:
    """Backdrop heatmap (the digit's mean image) under the mask pixels in the digit's colour."""
    m = np.asarray(mask, dtype=bool)
    side = m.shape[0]
    bg = np.zeros(m.shape) if backdrop is None else np.clip(np.asarray(backdrop, dtype=float), 0.0, 1.0)
    colour = DIGIT_COLOURS[digit]
    text = [[f"pixel {r * side + c} (row {r}, column {c})<br>"
             + (f"<b>reaches digit {digit}</b>" if m[r, c] else f"does not reach digit {digit}")
             for c in range(side)] for r in range(side)]
    back = {
        "type": "heatmap", "z": np.round(bg, 3).tolist(), "colorscale": BACKDROP, "zmin": 0, "zmax": 1,
        "showscale": False, "xgap": 1, "ygap": 1, "meta": "backdrop", "name": "mean image",
        "xaxis": axes[0], "yaxis": axes[1],
    }
    if hover:
        back.update({"text": text, "hovertemplate": "%{text}<extra></extra>"})
    else:
        back["hoverinfo"] = "skip"
    front = {
        "type": "heatmap", "z": [[1 if v else None for v in row] for row in m.tolist()],
        "colorscale": [[0.0, colour], [1.0, colour]], "zmin": 0, "zmax": 1, "showscale": False,
        "xgap": 1, "ygap": 1, "opacity": 0.85, "hoverinfo": "skip", "meta": "mask", "name": f"digit {digit}",
        "xaxis": axes[0], "yaxis": axes[1],
    }
    return [back, front]


def mask_figure(mask: np.ndarray, digit: int, backdrop: np.ndarray | None = None) -> dict:
    """The pixels that reach one digit's output, over a faint picture of that digit.

    Args:
        mask: (16, 16) bool, True where the pixel has a path to the output.
        digit: 0 .. 9 (chooses the colour and the words).
        backdrop: (16, 16) float in [0, 1], e.g. the mean input of the digit's test images; ``None``: blank.

    Returns:
        A plotly figure dict; the ``"mask"`` trace's ``z`` is 1 exactly at the mask's pixels.
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"mask must be a square image, got shape {m.shape}")
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0 to 9, got {digit}")
    n = int(m.sum())
    layout = {
        "height": 380, "margin": {"l": 8, "r": 8, "t": 44, "b": 8},
        "title": {"text": f"Digit {digit} sees {n} of {m.size} pixels", "x": 0.5, "font": {"size": 17}},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "font": FONT,
        **_pixel_axes("xaxis", "yaxis", m.shape[0]),
    }
    return {"data": _mask_traces(m, int(digit), backdrop), "layout": layout}


def mask_grid_figure(masks: np.ndarray, backdrops: np.ndarray | None = None, columns: int = 5) -> dict:
    """Small multiples: the 16x16 mask of every digit, two rows of five.

    Args:
        masks: (10, 256) or (10, 16, 16) bool.
        backdrops: (10, 16, 16) float in [0, 1] or ``None``.
        columns: images per row.

    Returns:
        A plotly figure dict with one ``"mask"`` and one ``"backdrop"`` trace per digit (axes x, x2, ...).
    """
    m = np.asarray(masks, dtype=bool)
    k = m.shape[0]
    side = int(round(math.sqrt(m[0].size)))
    m = m.reshape(k, side, side)
    rows = math.ceil(k / columns)
    gap_x, gap_y, title_h = 0.04, 0.13, 0.0
    cell_w = (1 - gap_x * (columns - 1)) / columns
    cell_h = (1 - gap_y * (rows - 1) - title_h) / rows
    data, layout, notes = [], {}, []
    for d in range(k):
        r, c = divmod(d, columns)
        suffix = "" if d == 0 else str(d + 1)
        x0 = c * (cell_w + gap_x)
        y1 = 1 - title_h - r * (cell_h + gap_y)
        layout.update(_pixel_axes(f"xaxis{suffix}", f"yaxis{suffix}", side, (x0, x0 + cell_w), (y1 - cell_h, y1)))
        back = None if backdrops is None else backdrops[d]
        data += _mask_traces(m[d], d, back, axes=(f"x{suffix}", f"y{suffix}"), hover=False)
        notes.append({"text": f"<b>{d}</b>: {int(m[d].sum())} px", "x": x0 + cell_w / 2, "y": y1,
                      "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                      "showarrow": False, "font": {"size": 15, "color": DIGIT_COLOURS[d]}})
    layout.update({
        "height": 340, "margin": {"l": 8, "r": 8, "t": 30, "b": 8}, "annotations": notes,
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "font": FONT,
    })
    return {"data": data, "layout": layout}


def digit_highlight(genome: Genome, digit: int | str) -> Highlight:
    """The network view's highlight for the digit selector.

    Args:
        genome: an MNIST genome (10 outputs).
        digit: 0 .. 9: the subgraph that feeds that digit's output, edges in their
            weight colours; ``"all"``: every digit's subgraph, each edge in the colour
            of the one digit it feeds (dark grey when it feeds several).
    """
    if digit != "all":
        t = trace_output(genome, int(digit))
        return Highlight(frozenset(t.nodes.tolist()), frozenset(t.connections.tolist()),
                         focus=frozenset([int(genome.output_nodes[int(digit)])]))
    feeds: dict[int, set[int]] = {}
    nodes: set[int] = set()
    for d in range(genome.n_out):
        t = trace_output(genome, d)
        nodes.update(t.nodes.tolist())
        for k in t.connections.tolist():
            feeds.setdefault(k, set()).add(d)
    colours = {k: DIGIT_COLOURS[next(iter(ds)) % len(DIGIT_COLOURS)] if len(ds) == 1 else SEVERAL_DIGITS
               for k, ds in feeds.items()}
    used = sorted({next(iter(ds)) for ds in feeds.values() if len(ds) == 1})
    legend = tuple((f"feeds only digit {d}", DIGIT_COLOURS[d % len(DIGIT_COLOURS)]) for d in used)
    if any(len(ds) > 1 for ds in feeds.values()):
        legend += (("feeds several digits", SEVERAL_DIGITS),)
    return Highlight(frozenset(nodes), frozenset(feeds), edge_colours=colours, legend=legend)


def profile_figure(weights: Sequence[float], per_digit: np.ndarray, overall: Sequence[float],
                   current_weight: float | None = None, current_accuracy: float | None = None,
                   ensemble: float | None = None) -> dict:
    """The article's "digit accuracy by weight", with the overall accuracy above it.

    Args:
        weights: (K,) shared weights, increasing.
        per_digit: (K, 10) accuracy in [0, 1] on the test images of each digit.
        overall: (K,) accuracy on all test images.
        current_weight: the slider's weight (a marker line; off the chart: said in the title).
        current_accuracy: accuracy at the current weight (a point on the line).
        ensemble: the ensemble's accuracy (a dashed reference line), or ``None``.

    Returns:
        A plotly figure dict: ``"overall"`` line and ``"current"`` point on top
        (axes x/y), ``"digit-accuracy"`` heatmap below (axes x/y2, z in percent).
    """
    w = np.asarray(weights, dtype=float).reshape(-1)
    acc = np.asarray(per_digit, dtype=float)
    tot = np.asarray(overall, dtype=float).reshape(-1)
    if acc.shape != (w.size, 10) or tot.shape != w.shape:
        raise ValueError(f"per_digit must be ({w.size}, 10) and overall ({w.size},); got {acc.shape} and {tot.shape}")
    z = np.round(100 * acc.T, 1)  # (10, K): one row per digit
    text = [[f"digit {d} at weight {wk:g}: {z[d, i]:.1f}% right" for i, wk in enumerate(w)] for d in range(10)]
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": w.tolist(), "y": np.round(100 * tot, 2).tolist(),
         "line": {"color": "#1f2328", "width": 2.5}, "marker": {"size": 4}, "meta": "overall",
         "name": "all digits", "hovertemplate": "weight %{x:g}: %{y:.1f}% right<extra>all digits</extra>",
         "xaxis": "x", "yaxis": "y", "showlegend": False},
        {"type": "heatmap", "x": w.tolist(), "y": list(range(10)), "z": z.tolist(), "zmin": 0, "zmax": 100,
         "colorscale": "Viridis", "text": text, "hovertemplate": "%{text}<extra></extra>", "meta": "digit-accuracy",
         "xaxis": "x", "yaxis": "y2", "name": "digit accuracy",
         "colorbar": {"title": {"text": "% right", "side": "right"}, "len": 0.7, "y": 0.35, "yanchor": "middle",
                      "thickness": 14, "ticksuffix": "%"}},
    ]
    shapes = []
    lo, hi = (float(w.min()), float(w.max())) if w.size else (-2.0, 2.0)
    step = float(np.min(np.diff(w))) if w.size > 1 else 0.1
    notes = []
    if ensemble is not None and math.isfinite(ensemble):
        shapes.append({"type": "line", "xref": "x", "yref": "y", "x0": lo, "x1": hi, "y0": 100 * ensemble,
                       "y1": 100 * ensemble, "line": {"color": "#1a7f37", "width": 2, "dash": "dash"}})
        data.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": "ensemble",
                     "line": {"color": "#1a7f37", "width": 2, "dash": "dash"}, "showlegend": True,
                     "hoverinfo": "skip", "meta": "legend"})
    if current_weight is not None and math.isfinite(current_weight):
        if lo - step / 2 <= current_weight <= hi + step / 2:
            for yref in ("y", "y2"):
                shapes.append({"type": "line", "xref": "x", "yref": f"{yref} domain", "x0": current_weight,
                               "x1": current_weight, "y0": 0, "y1": 1, "line": {"color": SELECTED, "width": 3}})
            if current_accuracy is not None and math.isfinite(current_accuracy):
                data.append({"type": "scatter", "mode": "markers", "x": [current_weight],
                             "y": [round(100 * current_accuracy, 2)], "meta": "current", "name": "now",
                             "marker": {"size": 13, "color": SELECTED, "line": {"color": "#1f2328", "width": 1.5}},
                             "hovertemplate": "now: weight %{x:g}, %{y:.1f}% right<extra></extra>",
                             "xaxis": "x", "yaxis": "y", "showlegend": False})
        else:
            notes.append({"text": f"The current weight, {current_weight:g}, is off this chart.", "showarrow": False,
                          "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "xref": "paper", "yref": "paper",
                          "font": {"size": 13, "color": "#b38600"}})
    layout = {
        "height": 480, "margin": {"l": 64, "r": 20, "t": 28, "b": 50}, "font": FONT, "annotations": notes,
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        "xaxis": {"title": {"text": "shared weight"}, "range": [lo - step / 2, hi + step / 2], "anchor": "y2",
                  "zeroline": False, "dtick": 0.5, "fixedrange": True},
        "yaxis": {"domain": [0.74, 1.0], "title": {"text": "all digits"}, "ticksuffix": "%", "range": [0, 100],
                  "dtick": 25, "fixedrange": True, "gridcolor": "#e6e6e6"},
        "yaxis2": {"domain": [0.0, 0.68], "title": {"text": "true digit"}, "tickmode": "array",
                   "tickvals": list(range(10)), "autorange": "reversed", "fixedrange": True},
        "shapes": shapes,
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom",
                   "font": {"size": 13}},
        "hovermode": "closest",
    }
    return {"data": data, "layout": layout}


def image_figure(image: np.ndarray, title: str, vmax: float = 1.0, mask: np.ndarray | None = None,
                 mask_colour: str = SELECTED) -> dict:
    """A greyscale image as dark ink on white, square pixels.

    Args:
        image: (H, W) values in [0, vmax] (e.g. a 28x28 uint8 image with vmax 255).
        title: shown above.
        vmax: the value drawn black.
        mask: (H, W) bool pixels to outline (e.g. those that reach the chosen digit), or ``None``.
        mask_colour: the outline colour.

    Returns:
        A plotly figure dict with an ``"image"`` heatmap (and a ``"mask-dots"`` scatter with a mask).
    """
    a = np.asarray(image, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {a.shape}")
    h, w = a.shape
    z = np.clip(a / vmax, 0.0, 1.0) if vmax > 0 else np.zeros_like(a)
    data = [{"type": "heatmap", "z": np.round(z, 3).tolist(), "colorscale": INK, "zmin": 0, "zmax": 1,
             "showscale": False, "meta": "image", "name": title,
             "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra></extra>"}]
    if mask is not None:
        rr, cc = np.nonzero(np.asarray(mask, dtype=bool))
        data.append({"type": "scatter", "mode": "markers", "x": cc.tolist(), "y": rr.tolist(), "meta": "mask-dots",
                     "marker": {"symbol": "square-open", "size": 9, "color": mask_colour, "line": {"width": 1.5}},
                     "hoverinfo": "skip", "showlegend": False, "name": "pixels that reach the digit"})
    layout = {
        "height": 250, "margin": {"l": 6, "r": 6, "t": 34, "b": 6}, "font": FONT,
        "title": {"text": title, "x": 0.5, "font": {"size": 14}},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        **_pixel_axes("xaxis", "yaxis", max(h, w)),
    }
    return {"data": data, "layout": layout}


def probability_figure(probabilities: np.ndarray | None, predicted: int, label: int) -> dict:
    """The network's 10 outputs as softmax probabilities, one bar per digit.

    Args:
        probabilities: (10,) in [0, 1] summing to 1, or ``None`` (the outputs were not numbers).
        predicted: the network's digit (its bar is coloured).
        label: the true digit (marked under its bar).

    Returns:
        A plotly figure dict with a ``"probabilities"`` bar trace (y in percent).
    """
    if probabilities is None:
        return empty_figure("The network's outputs are not numbers at this weight.")
    p = np.asarray(probabilities, dtype=float).reshape(-1)
    if p.shape != (10,):
        raise ValueError(f"probabilities must have shape (10,), got {p.shape}")
    right = predicted == label
    colours = [("#1a7f37" if right else "#b2182b") if d == predicted else "#b9c2cc" for d in range(10)]
    ticks = [f"<b>{d}</b><br>true" if d == label else str(d) for d in range(10)]
    data = [{"type": "bar", "x": list(range(10)), "y": np.round(100 * p, 2).tolist(), "meta": "probabilities",
             "marker": {"color": colours, "line": {"color": ["#1f2328" if d == label else "rgba(0,0,0,0)"
                                                             for d in range(10)], "width": 2}},
             "text": [f"{100 * v:.0f}%" if v >= 0.005 else "" for v in p], "textposition": "outside",
             "cliponaxis": False, "hovertemplate": "digit %{x}: %{y:.1f}%<extra></extra>", "name": "probability"}]
    layout = {
        "height": 250, "margin": {"l": 46, "r": 8, "t": 34, "b": 46}, "font": FONT,
        "title": {"text": "The network's answer (softmax of its 10 outputs)", "x": 0.5, "font": {"size": 14}},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "bargap": 0.25,
        "xaxis": {"tickmode": "array", "tickvals": list(range(10)), "ticktext": ticks, "fixedrange": True},
        "yaxis": {"range": [0, 112], "ticksuffix": "%", "dtick": 25, "fixedrange": True, "gridcolor": "#e6e6e6"},
    }
    return {"data": data, "layout": layout}


def empty_figure(message: str, height: int = 250) -> dict:
    """A blank figure with ``message`` in its middle."""
    return {"data": [], "layout": {
        "height": height, "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "annotations": [{"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                         "font": {"size": 14, "color": "#666666"}}]}}
