"""Pictures of a network: SVG text and PNG bytes (Pillow), from one geometry.

Nodes sit at :func:`wann_viz.graph.layered_layout` positions (inputs on the left,
outputs on the right), filled with their activation's colour; edges are lines,
blue for a positive weight and red for a negative one, wider for a larger |weight|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from ..graph import layered_layout

POSITIVE, NEGATIVE, ZERO = "#1f5fbf", "#d62728", "#9e9e9e"
STROKE = {"bias": "#000000", "input": "#333333", "hidden": "#555555", "output": "#000000"}
MARGIN_X, LABEL_W, TOP, BOTTOM = 24.0, 110.0, 44.0, 40.0


@dataclass(frozen=True)
class _Scene:
    width: float
    height: float
    xy: np.ndarray  # (N, 2) node centres in pixels, y down
    radius: float
    font: float
    weights: np.ndarray  # (C,) weight drawn on each connection
    title: str


def _edge_colour(w: float) -> str:
    return POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO


def _edge_width(w: float) -> float:
    """Line width in pixels: 0.6 at |w| = 0 up to 4.2 at |w| >= 3."""
    return 0.6 + 1.2 * min(abs(w), 3.0) if math.isfinite(w) else 0.6


def _scene(genome: Genome, weight, connection_weights, title) -> _Scene:
    if connection_weights is not None:
        if weight is not None:
            raise ValueError("give a shared weight or connection weights, not both")
        weights = np.asarray(connection_weights, dtype=float).reshape(-1)
        if weights.shape[0] != genome.n_connections:
            raise ValueError(f"there are {weights.shape[0]} connection weights for {genome.n_connections} connections")
    else:
        w = weight if weight is not None else genome.best_shared_weight
        weights = np.full(genome.n_connections, 1.0 if w is None else float(w))
    pos = layered_layout(genome)
    n_layers = len(np.unique(pos[:, 0]))
    column = max(int(np.max(np.unique(pos[:, 0], return_counts=True)[1])), 1)
    spacing = 22.0 if column <= 40 else max(4.0, 880.0 / column)
    inner_h = max(320.0, spacing * column)
    inner_w = max(480.0, 150.0 * (n_layers - 1))
    radius = max(1.5, min(8.0, 0.38 * spacing))
    font = max(4.0, min(12.0, 0.8 * spacing))
    width = inner_w + 2 * (MARGIN_X + LABEL_W)
    height = inner_h + TOP + BOTTOM
    xy = np.empty_like(pos)
    xy[:, 0] = MARGIN_X + LABEL_W + pos[:, 0] * inner_w
    xy[:, 1] = TOP + (1.0 - pos[:, 1]) * inner_h  # layout y points up
    return _Scene(width, height, xy, radius, font, weights,
                  title if title is not None else (genome.name or "WANN genome"))


def _legend(genome: Genome) -> list[tuple[str, str]]:
    """(colour, name) of the activations used by hidden and output nodes, by id."""
    ids = sorted({int(a) for a in genome.activations[1 + genome.n_in:]})
    return [(ACTIVATIONS[i].colour, ACTIVATIONS[i].name) for i in ids]


def network_svg(genome: Genome, weight: float | None = None, connection_weights=None, title: str | None = None) -> str:
    """An SVG drawing of ``genome``.

    Args:
        genome: the network.
        weight: shared weight on every connection (default: best shared weight, else 1).
        connection_weights: (C,) per-connection weights instead (e.g. the tuned ones).
        title: heading (default: the genome's name).

    Returns:
        SVG text: one ``<circle class="node KIND">`` per node (KIND is bias, input, hidden or
        output, with ``data-node`` its index), one ``<line class="edge positive|negative|zero">``
        per connection (``data-index`` its weight index), input and output labels, a legend.
    """
    s = _scene(genome, weight, connection_weights, title)
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{s.width:.0f}" height="{s.height:.0f}" '
            f'viewBox="0 0 {s.width:.0f} {s.height:.0f}" font-family="sans-serif">'),
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="{MARGIN_X}" y="24" font-size="15" font-weight="bold">{escape(s.title)}</text>',
           '<g class="edges" stroke-linecap="round">']
    for k, (a, b) in enumerate(genome.connections.tolist()):
        w = float(s.weights[k])
        kind = "positive" if w > 0 else "negative" if w < 0 else "zero"
        (x1, y1), (x2, y2) = s.xy[a], s.xy[b]
        out.append(f'<line class="edge {kind}" data-index="{k}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                   f'y2="{y2:.1f}" stroke="{_edge_colour(w)}" stroke-width="{_edge_width(w):.2f}" '
                   f'stroke-opacity="0.6"><title>{escape(genome.node_label(a))} → '
                   f'{escape(genome.node_label(b))}: {w:.4g}</title></line>')
    out.append('</g>\n<g class="nodes">')
    for node in range(genome.n_nodes):
        kind = genome.node_kind(node)
        act = ACTIVATIONS[int(genome.activations[node])]
        x, y = s.xy[node]
        tip = genome.node_label(node) + ("" if kind in ("bias", "input") else f": {act.name} {act.formula}")
        out.append(f'<circle class="node {kind}" data-node="{node}" cx="{x:.1f}" cy="{y:.1f}" r="{s.radius:.1f}" '
                   f'fill="{act.colour}" stroke="{STROKE[kind]}" stroke-width="{1.5 if kind == "output" else 1}">'
                   f'<title>{escape(tip)}</title></circle>')
    out.append('</g>\n<g class="labels">')
    for node in range(genome.n_nodes):
        kind = genome.node_kind(node)
        if kind == "hidden":
            continue
        x, y = s.xy[node]
        left = kind != "output"
        tx = x - s.radius - 4 if left else x + s.radius + 4
        out.append(f'<text x="{tx:.1f}" y="{y:.1f}" font-size="{s.font:.1f}" dominant-baseline="middle" '
                   f'text-anchor={quoteattr("end" if left else "start")}>{escape(genome.node_label(node))}</text>')
    out.append("</g>\n<g class=\"legend\">")
    x = MARGIN_X
    y = s.height - 18
    for colour, name in _legend(genome):
        out.append(f'<rect x="{x:.0f}" y="{y - 5:.0f}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14:.0f}" y="{y:.0f}" font-size="11" dominant-baseline="middle">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    out.append("</g>\n</svg>\n")
    return "\n".join(out)


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _font(size: float):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(1, round(size)))
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def _text(draw, xy, text: str, font, anchor: str) -> None:
    try:
        draw.text(xy, text, fill="black", font=font, anchor=anchor)
    except ValueError:  # a bitmap font (Pillow without FreeType) takes no anchor
        draw.text(xy, text, fill="black", font=font)


def network_png(genome: Genome, weight: float | None = None, connection_weights=None, title: str | None = None,
                scale: float = 2) -> bytes:
    """A PNG of the drawing of :func:`network_svg`.

    Args:
        genome, weight, connection_weights, title: as in :func:`network_svg`.
        scale: pixels per SVG unit; the image is ``(round(width * scale), round(height * scale))``
            for the SVG's width and height.

    Returns:
        PNG bytes of an RGB image on white.
    """
    from io import BytesIO

    from PIL import Image, ImageDraw

    if not (isinstance(scale, (int, float)) and 0 < scale <= 8):
        raise ValueError("scale must be a number above 0 and at most 8")
    s = _scene(genome, weight, connection_weights, title)
    size = (max(1, round(s.width * scale)), max(1, round(s.height * scale)))
    ss = 2  # supersampling, for smooth lines
    f = scale * ss
    img = Image.new("RGB", (size[0] * ss, size[1] * ss), "white")
    draw = ImageDraw.Draw(img)
    for k, (a, b) in enumerate(genome.connections.tolist()):
        w = float(s.weights[k])
        rgb = _hex(_edge_colour(w))
        faded = tuple(round(255 - 0.6 * (255 - c)) for c in rgb)  # opacity 0.6 on white
        (x1, y1), (x2, y2) = s.xy[a] * f, s.xy[b] * f
        draw.line([(x1, y1), (x2, y2)], fill=faded, width=max(1, round(_edge_width(w) * f)))
    r = s.radius * f
    for node in range(genome.n_nodes):
        kind = genome.node_kind(node)
        x, y = s.xy[node] * f
        draw.ellipse([x - r, y - r, x + r, y + r], fill=_hex(ACTIVATIONS[int(genome.activations[node])].colour),
                     outline=_hex(STROKE[kind]), width=max(1, round((1.5 if kind == "output" else 1) * f)))
    font = _font(s.font * f)
    for node in range(genome.n_nodes):
        kind = genome.node_kind(node)
        if kind == "hidden":
            continue
        x, y = s.xy[node] * f
        left = kind != "output"
        _text(draw, (x - r - 4 * f if left else x + r + 4 * f, y), genome.node_label(node), font,
              "rm" if left else "lm")
    _text(draw, (MARGIN_X * f, 24 * f), s.title, _font(15 * f), "ls")
    x, y, small = MARGIN_X, s.height - 18, _font(11 * f)
    for colour, name in _legend(genome):
        draw.rectangle([x * f, (y - 5) * f, (x + 10) * f, (y + 5) * f], fill=_hex(colour))
        _text(draw, ((x + 14) * f, y * f), name, small, "lm")
        x += 24 + 7 * len(name)
    img = img.resize(size, Image.LANCZOS)
    buf = BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
