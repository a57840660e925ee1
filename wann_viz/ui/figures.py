"""Pure figure builders: genome (+ weights, node values) -> plotly figure dicts.

No dash import and no server: every function returns plain JSON-able dicts,
so tests can inspect them directly.

The network figure's traces carry ``meta`` tags that the clientside player
(assets/wann_player.js) uses to light the network up at each frame:

* ``"halo"``: one marker per node (index = node), size and colour show the
  node values passed in (see :func:`halo_size` / :func:`value_colour`). The
  live player paints the same halos on a canvas under the (transparent)
  figure instead, frame by frame, which is much cheaper than redrawing SVG;
* ``"nodes"``: one marker per node (index = node), fill = activation colour,
  ``hovertext`` = activation and current value, ``customdata`` = ``"node:<i>"``;
* ``"edge-handles"``: one marker per connection on its edge, ``customdata`` =
  ``"edge:<k>"`` (connection index k); clicking one selects the connection. Each
  sits at its own place along its edge (:func:`handle_positions`), so no two share a dot.

``layout.meta`` holds what the player needs to draw signals and explain a node:
``{"edges": [[source, target], ...], "weights": [w_k], "activations": [id per node],
"labels": [label per node], "shared": bool}``.

A :class:`Highlight` (e.g. the part of an MNIST network that feeds one
digit, see :mod:`wann_viz.ui.figures_mnist`) draws that part in colour and
greys the rest; the edge traces then carry ``meta`` ``"edges"`` (in colour)
or ``"edges-dim"`` (greyed).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from ..graph import ancestors, layered_layout, node_layers, used_inputs
from .constants import HALO_GAIN, HALO_MIN, NEGATIVE, POSITIVE, ZERO  # noqa: F401  (shared with the player)

SELECTED = "#f5b700"
INPUT_FILL = "#ffffff"
BIAS_FILL = "#333333"
UNUSED = "#d9d9d9"
UNUSED_TEXT = "#a6a6a6"
NODE_SIZE = 14
IO_NODE_SIZE = 16
EDGE_MIN_WIDTH, EDGE_GAIN, EDGE_MAX_WIDTH = 0.6, 1.4, 7.0
DIM_EDGE = "#cfcfcf"   # edges outside a highlight
DIM_NODE = "#ececec"   # hidden/output nodes outside a highlight
MANY_INPUTS = 64       # above this (MNIST's 256 pixels) inputs are drawn small and unlabelled


@dataclass(frozen=True)
class Highlight:
    """Part of the network to draw in colour; everything else is greyed.

    Attributes:
        nodes: node indices inside the highlight.
        connections: connection indices inside the highlight.
        edge_colours: colour per highlighted connection index; connections
            missing from it (or all, when empty) keep their weight-sign colour.
        focus: nodes that get an amber ring (e.g. the chosen digit's output).
        legend: extra legend entries ``(name, colour)`` for ``edge_colours``.
    """

    nodes: frozenset[int]
    connections: frozenset[int]
    edge_colours: Mapping[int, str] = field(default_factory=dict)
    focus: frozenset[int] = frozenset()
    legend: tuple[tuple[str, str], ...] = ()


def edge_width(w: float) -> float:
    """Line width (px) of a connection of weight ``w``: grows with ``|w|``, 0.6 to 7."""
    if not math.isfinite(w):
        return EDGE_MAX_WIDTH
    return float(min(EDGE_MAX_WIDTH, EDGE_MIN_WIDTH + EDGE_GAIN * abs(w)))


def sign_colour(x: float) -> str:
    """Blue for positive, red for negative, grey for zero or not a number."""
    if x > 0:
        return POSITIVE
    if x < 0:
        return NEGATIVE
    return ZERO


value_colour = sign_colour


def halo_size(v: float) -> float:
    """Halo diameter (px) for a node value (0 for not-a-number)."""
    if math.isnan(v):
        return 0.0
    return HALO_MIN + HALO_GAIN * math.tanh(abs(v)) if math.isfinite(v) else HALO_MIN + HALO_GAIN


def format_value(v: float) -> str:
    """Node values in hover text: 4 significant digits."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.4g}"


def _esc(text: str) -> str:
    """Labels come from (possibly uploaded) genomes; plotly reads tags in text, so escape them."""
    return html.escape(text, quote=False)


def node_hover(genome: Genome, node: int, layer: int, used: bool, value: float | None) -> str:
    """Hover text of one node: label, kind, activation (name and formula), current value."""
    kind = genome.node_kind(node)
    label = _esc(display_label(genome, node))
    lines = [f"<b>{label}</b> · {kind}" + ("" if kind in ("bias", "input") else f", layer {layer}")]
    if kind == "bias":
        lines.append("activation: none (always 1)")
    elif kind == "input":
        lines.append("activation: none (the observation)" + ("" if used else "<br><i>unused: no path to an output</i>"))
    else:
        act = ACTIVATIONS[int(genome.activations[node])]
        lines.append(f"activation: {act.name}, f(x) = {_esc(act.formula)}")
    lines.append("value: " + ("—" if value is None else format_value(value)))
    return "<br>".join(lines)


def display_label(genome: Genome, node: int) -> str:
    """A node's name for people: inputs and outputs by their labels, hidden nodes by their
    activation and number (``tanh 12``)."""
    if genome.node_kind(node) == "hidden":
        return f"{ACTIVATIONS[int(genome.activations[node])].name} {node}"
    return genome.node_label(node)


HANDLE_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85)
HANDLE_GAP = 0.022  # at least this far apart (in units of the plot's height), or as far as can be


def handle_positions(genome: Genome, pos: np.ndarray) -> np.ndarray:
    """(C, 2) where each connection's clickable dot sits: on its edge, as near the middle as
    keeps it ``HANDLE_GAP`` from every other dot and node (greedy; else the farthest spot).

    Args:
        pos: (N, 2) node positions (x in [0, 1], y in [0, 1]).
    """
    def build(g: Genome) -> np.ndarray:
        conns = g.connections
        placed = [p for p in pos]  # nodes count as taken
        out = np.empty((len(conns), 2))
        xscale = 1.0 / 1.5  # the x axis spans 1.5 units, the y axis about 1: measure in the plot's proportions
        for k, (s, d) in enumerate(conns.tolist()):
            best, best_gap = None, -1.0
            taken = np.asarray(placed)
            for t in HANDLE_SPOTS:
                p = pos[s] + t * (pos[d] - pos[s])
                gap = float(np.min(np.hypot((taken[:, 0] - p[0]) * xscale, taken[:, 1] - p[1])))
                if gap >= HANDLE_GAP:
                    best = p
                    break
                if gap > best_gap:
                    best, best_gap = p, gap
            out[k] = best
            placed.append(best)
        return out

    return genome.cached("handle_positions", build)


def _structure(genome: Genome) -> tuple[np.ndarray, np.ndarray, np.ndarray, set]:
    """Layout facts of a genome, computed once (kept on the immutable genome):
    positions (N, 2), layers (N,), used inputs (n_in,), live nodes."""
    return genome.cached("figure_structure", lambda g: (layered_layout(g), node_layers(g), used_inputs(g),
                                                         set(ancestors(g, g.output_nodes).tolist())))


def _node_fill(genome: Genome, used: np.ndarray) -> list[str]:
    fills = []
    for node in range(genome.n_nodes):
        kind = genome.node_kind(node)
        if kind == "bias":
            fills.append(BIAS_FILL)
        elif kind == "input":
            fills.append(INPUT_FILL if used[node - 1] else UNUSED)
        else:
            fills.append(ACTIVATIONS[int(genome.activations[node])].colour)
    return fills


def network_figure(
    genome: Genome,
    weights: Sequence[float] | np.ndarray,
    node_values: Sequence[float] | np.ndarray | None = None,
    selected_edge: int | None = None,
    own_weight: Sequence[bool] | np.ndarray | None = None,
    uirevision: str | None = None,
    highlight: Highlight | None = None,
    knocked_nodes: Sequence[int] = (),
    selected_node: int | None = None,
) -> dict:
    """The network view: layered layout, nodes by activation, edges by weight.

    Args:
        genome: the network.
        weights: (C,) current weight of each connection (the shared weight
            everywhere in shared-weight mode).
        node_values: (N,) node values to show (halo and hover), or ``None``.
        selected_edge: index of the selected connection, highlighted.
        own_weight: (C,) bool, connections with their own (tuned or set) weight.
        uirevision: keeps zoom across updates of the same genome.
        highlight: a part of the network to stand out (the rest greyed), or ``None``.
        knocked_nodes: nodes knocked out (every connection leaving them off): a red cross
            on each (trace ``meta`` ``"knocked"``).
        selected_node: the node chosen for a knockout: an amber ring (``meta`` ``"node-selected"``).

    Returns:
        A plotly figure dict ``{"data": [...], "layout": {...}}``.
    """
    n, c = genome.n_nodes, genome.n_connections
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != (c,):
        raise ValueError(f"weights must have shape ({c},), got {w.shape}")
    vals = None if node_values is None else np.asarray(node_values, dtype=float).reshape(-1)
    if vals is not None and vals.shape != (n,):
        raise ValueError(f"node_values must have shape ({n},), got {vals.shape}")
    own = np.zeros(c, bool) if own_weight is None else np.asarray(own_weight, dtype=bool).reshape(-1)
    if own.shape != (c,):
        raise ValueError(f"own_weight must have shape ({c},), got {own.shape}")
    pos, layers, used, live_nodes = _structure(genome)
    xs, ys = pos[:, 0], pos[:, 1]
    data: list[dict] = []

    # Selected connection: a wide amber band under its line.
    if selected_edge is not None and 0 <= selected_edge < c:
        s, d = (int(v) for v in genome.connections[selected_edge])
        data.append({
            "type": "scatter", "mode": "lines", "x": [xs[s], xs[d]], "y": [ys[s], ys[d]],
            "line": {"color": SELECTED, "width": edge_width(w[selected_edge]) + 8}, "opacity": 0.7,
            "hoverinfo": "skip", "showlegend": False, "meta": "selected-edge", "name": "selected",
        })

    # Edges: one trace per (colour, width, state) bucket keeps the figure small.
    # state: 2 = drawn in full, 1 = dead end (feeds no output), 0 = outside the highlight.
    buckets: dict[tuple, list[int]] = {}
    for k, (s, d) in enumerate(genome.connections.tolist()):
        if highlight is not None and k not in highlight.connections:
            buckets.setdefault((DIM_EDGE, EDGE_MIN_WIDTH, 0), []).append(k)
            continue
        live = s in live_nodes and d in live_nodes
        width = round(edge_width(w[k]) * 2) / 2
        colour = highlight.edge_colours.get(k) if highlight is not None else None
        buckets.setdefault((colour or sign_colour(w[k]), width, 2 if live else 1), []).append(k)
    for (colour, width, state), ks in sorted(buckets.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])):
        ex, ey = [], []
        for k in ks:
            s, d = genome.connections[k]
            ex += [xs[s], xs[d], None]
            ey += [ys[s], ys[d], None]
        data.append({
            "type": "scatter", "mode": "lines", "x": ex, "y": ey,
            "line": {"color": colour, "width": width}, "opacity": (0.35, 0.2, 0.8)[state],
            "hoverinfo": "skip", "showlegend": False, "meta": "edges" if state else "edges-dim", "name": "edges",
        })

    # Edge handles: hover shows the connection, click selects it. Thousands of them
    # (an MNIST network) would hide the edges at full size.
    handle_size = 8 if c <= 400 else 5
    hx, hy, htext, hcol, hsym, hsize = [], [], [], [], [], []
    spots = handle_positions(genome, pos) if c <= 4000 else 0.5 * (pos[genome.connections[:, 0]]
                                                                  + pos[genome.connections[:, 1]])
    for k, (s, d) in enumerate(genome.connections.tolist()):
        hx.append(float(spots[k, 0]))
        hy.append(float(spots[k, 1]))
        source = "own weight" if own[k] else "shared weight"
        htext.append(
            f"<b>{_esc(display_label(genome, s))} → {_esc(display_label(genome, d))}</b><br>connection {k}: weight "
            f"{format_value(w[k])} ({source})<br><i>click to select and tune</i>"
        )
        inside = highlight is None or k in highlight.connections
        hcol.append(sign_colour(w[k]) if inside else DIM_EDGE)
        hsym.append("diamond" if own[k] else "circle")
        hsize.append(handle_size)  # the same for all: a larger dot would win clicks on its neighbours
    data.append({
        "type": "scatter", "mode": "markers", "x": hx, "y": hy, "customdata": [f"edge:{k}" for k in range(c)],
        "marker": {"color": hcol, "size": hsize, "symbol": hsym, "opacity": 0.85,
                   "line": {"color": [SELECTED if k == selected_edge else "#ffffff" for k in range(c)],
                            "width": [3 if k == selected_edge else 1 for k in range(c)]}},
        "hovertext": htext, "hoverinfo": "text", "showlegend": False, "meta": "edge-handles",
        "name": "connections",
    })

    # Halo: the node's current value (the player restyles it every frame).
    if vals is None:
        sizes, colours = [1.0] * n, [ZERO] * n  # drawn (so the player can resize them), but invisible
    else:
        sizes = [halo_size(v) for v in vals]
        colours = [value_colour(v) for v in vals]
    data.append({
        "type": "scatter", "mode": "markers", "x": xs.tolist(), "y": ys.tolist(),
        "marker": {"size": sizes, "color": colours, "opacity": 0.35, "line": {"width": 0}},
        "hoverinfo": "skip", "showlegend": False, "meta": "halo", "name": "value",
    })

    # Nodes.
    fills = _node_fill(genome, used)
    many_inputs = genome.n_in > MANY_INPUTS
    text, text_pos, text_col, sizes_n, line_w, line_col = [], [], [], [], [], []
    hover = []
    for node in range(n):
        kind = genome.node_kind(node)
        value = None if vals is None else float(vals[node])
        is_used = kind != "input" or bool(used[node - 1])
        outside = highlight is not None and node not in highlight.nodes
        hover.append(node_hover(genome, node, int(layers[node]), is_used, value))
        if kind == "input" and many_inputs:
            text.append("")  # hundreds of labels would overlap: hover names each pixel
            text_pos.append("middle left")
        elif kind in ("bias", "input"):
            text.append(_esc(genome.node_label(node)))
            text_pos.append("middle left")
        elif kind == "output":
            text.append(_esc(genome.node_label(node)))
            text_pos.append("middle right")
        else:  # hidden: named by its activation
            text.append(ACTIVATIONS[int(genome.activations[node])].name)
            text_pos.append("top center")
        text_col.append(UNUSED_TEXT if not is_used or (outside and kind != "bias") else "#222222")
        if kind == "input" and many_inputs:
            sizes_n.append(6)
        else:
            sizes_n.append(IO_NODE_SIZE if kind != "hidden" else NODE_SIZE)
        if outside and kind in ("hidden", "output"):
            fills[node] = DIM_NODE
        elif outside and kind == "input":
            fills[node] = UNUSED
        focus = highlight is not None and node in highlight.focus
        line_w.append(4 if focus else 2.5 if kind == "output" else 0.5 if kind == "input" and many_inputs else 1)
        line_col.append(SELECTED if focus else "#bbbbbb" if outside else "#333333")
    data.append({
        "type": "scatter", "mode": "markers+text", "x": xs.tolist(), "y": ys.tolist(),
        "customdata": [f"node:{i}" for i in range(n)],
        "marker": {"color": fills, "size": sizes_n, "line": {"color": line_col, "width": line_w}},
        "text": text, "textposition": text_pos, "textfont": {"size": 11, "color": text_col},
        "hovertext": hover, "hoverinfo": "text", "showlegend": False, "meta": "nodes", "name": "nodes",
    })

    knocked = [int(k) for k in knocked_nodes if 0 <= int(k) < n]
    if knocked:
        data.append({"type": "scatter", "mode": "markers", "x": xs[knocked].tolist(), "y": ys[knocked].tolist(),
                     "marker": {"symbol": "x-thin", "size": 18, "line": {"color": NEGATIVE, "width": 3}},
                     "hoverinfo": "skip", "showlegend": False, "meta": "knocked", "name": "knocked out"})
    if selected_node is not None and 0 <= selected_node < n:
        data.append({"type": "scatter", "mode": "markers", "x": [float(xs[selected_node])],
                     "y": [float(ys[selected_node])], "hoverinfo": "skip", "showlegend": False,
                     "marker": {"symbol": "circle-open", "size": 26, "line": {"color": SELECTED, "width": 3}},
                     "meta": "node-selected", "name": "selected node"})

    # Legend: one entry per activation in use, plus the node kinds.
    legend_entries = [("input", INPUT_FILL), ("bias (always 1)", BIAS_FILL)]
    if not used.all():
        legend_entries.append(("unused input", UNUSED))
    present = sorted({int(a) for a in genome.activations[1 + genome.n_in:]})
    legend_entries += [(f"{ACTIVATIONS[a].name}: {_esc(ACTIVATIONS[a].formula)}", ACTIVATIONS[a].colour) for a in present]
    for name, colour in legend_entries:
        data.append({
            "type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": name,
            "marker": {"color": colour, "size": 12, "line": {"color": "#333333", "width": 1}},
            "hoverinfo": "skip", "showlegend": True, "meta": "legend",
        })
    # Edge colours of a highlight: line swatches, unlike the node colours above.
    for name, colour in highlight.legend if highlight is not None else ():
        legend_entries.append((name, colour))
        data.append({
            "type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": _esc(name),
            "line": {"color": colour, "width": 4}, "hoverinfo": "skip", "showlegend": True, "meta": "legend",
        })

    column_max = max(int(np.sum(layers == k)) for k in range(int(layers.max()) + 1))
    height = int(min(900, max(420, 22 * column_max + 90)))
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"visible": False, "range": [-0.3, 1.2], "fixedrange": False},
        "yaxis": {"visible": False, "range": [-0.04, 1.04]},
        # Transparent: the browser paints the live node values on a canvas under the figure.
        "plot_bgcolor": "rgba(0,0,0,0)", "paper_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest", "clickmode": "event", "dragmode": "pan",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -0.01, "yanchor": "top", "itemclick": False,
                   "itemdoubleclick": False, "font": {"size": 11}},
        "uirevision": uirevision or genome.name or "network",
        "hoverlabel": {"align": "left"},
        "meta": {"edges": genome.connections.tolist(),
                 "weights": [float(v) if math.isfinite(v) else None for v in w],
                 "activations": [int(a) for a in genome.activations],
                 "labels": [_esc(display_label(genome, i)) for i in range(n)], "shared": not bool(own.any())},
    }
    layout["margin"]["b"] = 20 + 22 * math.ceil(len(legend_entries) / 3)
    layout["height"] += layout["margin"]["b"]
    return {"data": data, "layout": layout}


def empty_figure(message: str) -> dict:
    """A blank figure that shows ``message`` in its middle."""
    return {
        "data": [],
        "layout": {
            "height": 300, "xaxis": {"visible": False}, "yaxis": {"visible": False},
            "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "annotations": [{"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
                             "yref": "paper", "font": {"size": 14, "color": "#666666"}}],
        },
    }
