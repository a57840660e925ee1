"""Weights: the network view, selecting a connection and giving it its own weight.

The weights store is ``{"genome": key, "base": "shared" | "tuned", "edits": {"<k>": w},
"off": [k, ...]}``: every connection takes the shared weight (``shared``) or its tuned weight
(``tuned``), except the edited ones; knocked-out connections (``off``) carry nothing. The clientside request builder folds it
into the episode request, and the network view is drawn from the request of
the episode the player has loaded (``figure-request``), so figure and episode
always show the same weights.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from dash import ALL, Input, Output, State, ctx, html, no_update

from ..cache import results
from ..genome import Genome, GenomeError
from ..graph import outgoing
from .callbacks_mnist import network_highlight
from .catalog import Catalog, resolve_genome
from .episodes import RequestError, connection_weights, normalize_request
from .figures import display_label, empty_figure, format_value, network_figure
from .limits import draw_refusal
from .url_state import WEIGHT_MAX, WEIGHT_MIN, format_weight, parse_weight

_EDGE_RE = re.compile(r"^edge:(\d{1,9})$")
_NODE_RE = re.compile(r"^node:(\d{1,9})$")
ACTIONS = ("set", "reset", "reset-all", "tuned", "knock", "knock-node")


def knocked_nodes(genome: Genome, off) -> list[int]:
    """Nodes knocked out: at least one connection leaves them, and every one is off."""
    off = set(off)
    out = []
    for node in range(genome.n_nodes):
        ks = outgoing(genome, [node]).tolist()
        if ks and all(k in off for k in ks):
            out.append(node)
    return out


def _selected_node(selected: Any, key: str, genome: Genome) -> int | None:
    if not isinstance(selected, dict) or selected.get("genome") != key:
        return None
    k = selected.get("node")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < genome.n_nodes:
        return None
    return k


def _weights_for(genome: Genome, req: dict) -> tuple[np.ndarray, np.ndarray]:
    """(C,) current weights and (C,) bool own-weight flags of a checked request."""
    cw = connection_weights(genome, req)
    if cw is None:
        return np.full(genome.n_connections, float(req["weight"])), np.zeros(genome.n_connections, bool)
    own = np.zeros(genome.n_connections, bool)
    if req["base"] == "tuned":
        own[:] = True
    for k in list(req["edits"]) + list(req["off"]):
        own[k] = True
    return cw, own


def network_view(request: Any, selected: Any, uploads: Any, catalog: Catalog, digit: Any = None,
                 node: Any = None) -> dict:
    """The network figure for the weights of ``request`` (see :func:`wann_viz.ui.figures.network_figure`).

    For an MNIST genome, ``digit`` (the MNIST panel's digit selector: 0 .. 9 or
    ``"all"``) highlights the part of the network that feeds that digit.
    """
    if not isinstance(request, dict):
        return empty_figure("Pick a genome to see its network.")
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError) as exc:
        return empty_figure(str(exc))
    refusal = draw_refusal(genome)
    if refusal is not None:
        return empty_figure(refusal)
    index = _selected_index(selected, req["genome"], genome)
    node_index = _selected_node(node, req["genome"], genome)
    digit_key = digit if isinstance(digit, (str, int)) and not isinstance(digit, bool) else None
    # A class looks at the same few genomes and weights: each figure is built once.
    key = ("figure", req["genome"], req["base"], None if req["base"] == "tuned" else req["weight"],
           tuple(sorted(req["edits"].items())), tuple(req["off"]), index, str(digit_key), node_index)

    def build() -> dict:
        weights, own = _weights_for(genome, req)
        return network_figure(genome, weights, selected_edge=index, own_weight=own, uirevision=req["genome"],
                              highlight=network_highlight(genome, digit),
                              knocked_nodes=knocked_nodes(genome, req["off"]), selected_node=node_index)

    return results.get_or_compute(key, build)


def _selected_index(selected: Any, key: str, genome: Genome) -> int | None:
    if not isinstance(selected, dict) or selected.get("genome") != key:
        return None
    k = selected.get("index")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < genome.n_connections:
        return None
    return k


def _clicked(click_data: Any, pattern: re.Pattern, request: Any, uploads: Any, catalog: Catalog):
    """``(checked request, genome, index)`` of a click on a point whose customdata matches ``pattern``
    (``edge:<k>`` or ``node:<i>``), or ``None`` for any other click or a bad request."""
    try:
        match = pattern.match(click_data["points"][0]["customdata"])
    except (TypeError, KeyError, IndexError):
        return None
    if match is None or not isinstance(request, dict):
        return None
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return None
    return req, genome, int(match.group(1))


def select_edge(click_data: Any, request: Any, uploads: Any, catalog: Catalog) -> Any:
    """A click on the network -> the connection index for the connection list (or ``no_update``).

    Clicks on anything but a connection's dot leave the selection alone.
    """
    hit = _clicked(click_data, _EDGE_RE, request, uploads, catalog)
    return hit[2] if hit is not None and hit[2] < hit[1].n_connections else no_update


def select_node(click_data: Any, request: Any, uploads: Any, catalog: Catalog) -> Any:
    """A click on a node -> the selected-node store ``{"genome", "node"}`` (else ``no_update``)."""
    hit = _clicked(click_data, _NODE_RE, request, uploads, catalog)
    if hit is None or hit[2] >= hit[1].n_nodes:
        return no_update
    return {"genome": hit[0]["genome"], "node": hit[2]}


def node_panel(selected: Any, request: Any, uploads: Any, catalog: Catalog) -> tuple[Any, bool]:
    """Text about the node chosen for a knockout, and whether its button is disabled."""
    none = (html.Span("No node selected. Click a node in the network."), True)
    if not isinstance(request, dict):
        return none
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return none
    node = _selected_node(selected, req["genome"], genome)
    if node is None:
        return none
    label = display_label(genome, node)
    ks = outgoing(genome, [node]).tolist()
    if not ks:
        why = "an output: it feeds nothing" if node in genome.output_nodes else "it feeds nothing"
        return html.Span([html.Strong(label), f" ({why}; knock out the connections into it instead)."]), True
    state = "knocked out" if all(k in req["off"] for k in ks) else f"feeds {len(ks)} connection" + \
        ("s" if len(ks) != 1 else "")
    return html.Span([html.Strong(label), f": {state}."], id="node-info-text"), False


def pick_edge(index: Any, request: Any, uploads: Any, catalog: Catalog) -> tuple[Any, Any]:
    """The connection list's value -> ``(selected-edge store, value for the weight box)``."""
    if index is None:
        return None, None
    if isinstance(index, bool) or not isinstance(index, int) or not isinstance(request, dict):
        return no_update, no_update
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return no_update, no_update
    if not 0 <= index < genome.n_connections:
        return no_update, no_update
    weights, _ = _weights_for(genome, req)
    return {"genome": req["genome"], "index": index}, float(format_weight(weights[index]))


def edge_options(meta: Any, uploads: Any, catalog: Catalog) -> list[dict]:
    """Options of the connection list: ``"k: source → target"`` for every connection."""
    if not isinstance(meta, dict):
        return []
    try:
        genome = resolve_genome(catalog, meta.get("key"), uploads)
    except GenomeError:
        return []
    return [{"label": f"{k}: {display_label(genome, int(s))} → {display_label(genome, int(d))}", "value": k}
            for k, (s, d) in enumerate(genome.connections)]


def edge_panel(selected: Any, request: Any, uploads: Any, catalog: Catalog) -> tuple[Any, bool, bool, bool]:
    """Text about the selected connection and the disabled flags of (weight box, Set, Reset this)."""
    none = (html.Span("No connection selected. Click a connection's dot in the network."), True, True, True)
    if not isinstance(request, dict):
        return none
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return none
    k = _selected_index(selected, req["genome"], genome)
    if k is None:
        return none
    weights, own = _weights_for(genome, req)
    s, d = (int(v) for v in genome.connections[k])
    if k in req["off"]:
        source = "knocked out"
    elif k in req["edits"]:
        source = "set here"
    elif req["base"] == "tuned":
        source = "tuned"
    else:
        source = "shared"
    text = [html.Strong(f"{display_label(genome, s)} → {display_label(genome, d)}"),
            html.Span(f" (connection {k}): weight {format_value(weights[k])}, {source}")]
    return html.Span(text, id="edge-info-text"), False, False, k not in req["edits"] and k not in req["off"]


def edit_weights(action: str, value: Any, selected: Any, store: Any, meta: Any, catalog: Catalog,
                 uploads: Any, node: Any = None) -> tuple[Any, Any]:
    """Apply an edge action to the weights store.

    Args:
        action: one of :data:`ACTIONS` (``"set"`` also comes from Enter in the weight box).
        value: the weight box's value.
        selected: the selected-edge store.
        store: the weights store.
        node: the selected-node store (for ``"knock-node"``: every connection leaving the node).
        meta: the genome meta store.

    Returns:
        ``(new weights store or no_update, message)``.
    """
    if action not in ACTIONS or not isinstance(meta, dict):
        return no_update, no_update
    key = meta.get("key")
    try:
        genome = resolve_genome(catalog, key, uploads)
    except GenomeError as exc:
        return no_update, html.Div(str(exc), className="error")
    if not isinstance(store, dict) or store.get("genome") != key:
        store = {"genome": key, "base": "shared", "edits": {}, "off": []}
    base = store.get("base") if store.get("base") in ("shared", "tuned") else "shared"
    raw = store.get("edits")
    edits = {k: v for k, v in (raw if isinstance(raw, dict) else {}).items() if isinstance(k, str) and k.isdigit()}
    raw_off = store.get("off")
    off = sorted({k for k in (raw_off if isinstance(raw_off, list) else [])
                  if isinstance(k, int) and not isinstance(k, bool) and 0 <= k < genome.n_connections})

    def new(base=base, edits=edits, off=off) -> dict:
        return {"genome": key, "base": base, "edits": edits, "off": off}

    if action == "reset-all":
        return new("shared", {}, []), "All connections use the shared weight again."
    if action == "tuned":
        if genome.tuned_weights is None:
            return no_update, html.Div("This genome has no tuned weights.", className="error")
        return new("tuned", {}), "Tuned weights loaded."
    if action == "knock-node":
        n = _selected_node(node, key, genome)
        if n is None:
            return no_update, html.Div("Select a node first: click it in the network.", className="error")
        ks = outgoing(genome, [n]).tolist()
        label = display_label(genome, n)
        if not ks:
            return no_update, html.Div(f"{label} feeds nothing, so there is nothing to knock out; knock out the "
                                       "connections into it instead.", className="error")
        if all(j in off for j in ks):
            return new(off=[j for j in off if j not in ks]), f"{label} is back: its {len(ks)} connections carry again."
        return new(off=sorted(set(off) | set(ks))), f"{label} knocked out: its {len(ks)} outgoing connections " \
            "carry nothing."
    k = _selected_index(selected, key, genome)
    if k is None:
        return no_update, html.Div("Select a connection first: click its dot in the network.", className="error")
    if action == "knock":
        if k in off:
            return new(off=[j for j in off if j != k]), f"Connection {k} carries its weight again."
        return new(off=sorted(off + [k])), f"Connection {k} knocked out: it carries nothing."
    if action == "reset":
        edits.pop(str(k), None)
        return new(edits=edits, off=[j for j in off if j != k]), f"Connection {k} reset."
    w = parse_weight(value)
    if w is None:
        return no_update, html.Div(
            f"A connection weight must be a number from {format_weight(WEIGHT_MIN)} to {format_weight(WEIGHT_MAX)}.",
            className="error")
    edits[str(k)] = w
    return new(edits=edits), f"Connection {k} now has weight {format_weight(w)}."


def weights_summary(store: Any, meta: Any) -> tuple[str, bool]:
    """A sentence on which weights are in use, and whether "Load tuned weights" is disabled."""
    if not isinstance(meta, dict):
        return "", True
    no_tuned = not meta.get("has_tuned")
    if not isinstance(store, dict) or store.get("genome") != meta.get("key"):
        return "Every connection uses the shared weight.", no_tuned
    n_edits = len(store.get("edits") or {})
    n_off = len(store.get("off") or [])
    knocked = (f" {n_off} connection{'s' if n_off != 1 else ''} knocked out." if n_off else "")
    if store.get("base") == "tuned":
        text = ("Tuned weights: every connection has its own weight, so the shared-weight slider has no effect "
                "until you reset all connections.")
        if n_edits:
            text += f" {n_edits} of them changed here."
        return text + knocked, no_tuned
    if n_edits:
        return (f"{n_edits} connection{'s' if n_edits != 1 else ''} with its own weight; the others follow the "
                "shared weight. (Own weights restart the episode: they cannot change mid-episode.)"
                + knocked), no_tuned
    if n_off:
        return knocked.strip() + " The others use the shared weight.", no_tuned
    return "Every connection uses the shared weight.", no_tuned


def register(app, catalog: Catalog) -> None:
    """Wire the weight callbacks to ``app``."""

    @app.callback(Output("network-graph", "figure"),
                  Input("figure-request", "data"), Input("selected-edge", "data"), Input("mnist-digit", "value"),
                  Input("selected-node", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _network(request, selected, digit, node, uploads):
        return network_view(request, selected, uploads, catalog, digit, node)

    @app.callback(Output("selected-node", "data"), Input("network-graph", "clickData"),
                  State("figure-request", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _click_node(click, request, uploads):
        return select_node(click, request, uploads, catalog)

    @app.callback(Output("node-info", "children"), Output({"type": "edge-action", "action": "knock-node"}, "disabled"),
                  Input("selected-node", "data"), Input("figure-request", "data"), State("uploads-store", "data"))
    def _node_panel(node, request, uploads):
        return node_panel(node, request, uploads, catalog)

    @app.callback(Output("edge-picker", "value", allow_duplicate=True), Input("network-graph", "clickData"),
                  State("figure-request", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _click(click, request, uploads):
        return select_edge(click, request, uploads, catalog)

    @app.callback(Output("selected-edge", "data", allow_duplicate=True), Output("edge-weight", "value"),
                  Input("edge-picker", "value"), State("figure-request", "data"), State("uploads-store", "data"),
                  prevent_initial_call=True)
    def _pick(index, request, uploads):
        return pick_edge(index, request, uploads, catalog)

    @app.callback(Output("edge-picker", "options"), Output("edge-picker", "value"),
                  Input("genome-meta", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _options(meta, uploads):
        return edge_options(meta, uploads, catalog), None

    @app.callback(Output("edge-info", "children"), Output("edge-weight", "disabled"),
                  Output({"type": "edge-action", "action": "set"}, "disabled"),
                  Output({"type": "edge-action", "action": "reset"}, "disabled"),
                  Input("selected-edge", "data"), Input("figure-request", "data"), State("uploads-store", "data"))
    def _edge_panel(selected, request, uploads):
        return edge_panel(selected, request, uploads, catalog)

    @app.callback(Output("weights-store", "data", allow_duplicate=True), Output("weights-message", "children"),
                  Input({"type": "edge-action", "action": ALL}, "n_clicks"), Input("edge-weight", "n_submit"),
                  State("edge-weight", "value"), State("selected-edge", "data"), State("weights-store", "data"),
                  State("genome-meta", "data"), State("uploads-store", "data"), State("selected-node", "data"),
                  prevent_initial_call=True)
    def _edit(_clicks, _submit, value, selected, store, meta, uploads, node):
        trigger = ctx.triggered_id
        if trigger == "edge-weight":
            action = "set"
        elif isinstance(trigger, dict):
            action = trigger.get("action")
        else:
            return no_update, no_update
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update  # buttons re-rendered with n_clicks None
        return edit_weights(action, value, selected, store, meta, catalog, uploads, node)

    @app.callback(Output("weights-summary", "children"),
                  Output({"type": "edge-action", "action": "tuned"}, "disabled"),
                  Input("weights-store", "data"), Input("genome-meta", "data"))
    def _summary(store, meta):
        return weights_summary(store, meta)
