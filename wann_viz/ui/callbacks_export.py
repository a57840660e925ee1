"""Exports of what the page shows: network pictures, the rollout GIF, genome files and tables.

:func:`export_file` is a plain function (tests call it); it returns what
``dcc.Download`` takes. The genome writers are the core library's
(:mod:`wann_viz.export`), the same ones ``python -m wann_viz export`` runs.
Knocked-out connections are left out of the exported genome, so the file
behaves as the view does.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from typing import Any

from dash import ALL, Input, Output, State, ctx, html, no_update

from ..genome import GenomeError, genome_to_json
from .analysis import (
    AnalysisError,
    conditions_csv,
    conditions_rows,
    current_store,
    finite_profile,
    knocked,
    profile_csv,
)
from .catalog import Catalog
from .episodes import RequestError, connection_weights, normalize_request, whole_episode
from .layout_analysis import EXPORTS
from .rollout_gif import rollout_gif

FORMATS = tuple(fmt for fmt, _ in EXPORTS)


def _stem(genome, key: str) -> str:
    text = genome.name or key
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-")[:60] or "genome"


def _bytes(data: bytes, filename: str, mime: str) -> dict:
    return {"content": base64.b64encode(data).decode("ascii"), "filename": filename, "base64": True, "type": mime}


def _text(text: str, filename: str, mime: str) -> dict:
    return {"content": text, "filename": filename, "base64": False, "type": mime}


def export_file(fmt: str, request: Any, uploads: Any, catalog: Catalog, profile: tuple = (None, None),
                conditions: tuple = (None, None)) -> tuple[dict | None, str]:
    """The download for ``fmt`` (one of :data:`FORMATS`) of the view in ``request``.

    Args:
        request: the episode request of the view shown (genome, weight, tuned/edited/knocked weights).
        profile, conditions: the panels' (cached, computed) stores, for the CSV exports.

    Returns:
        ``(dcc.Download data or None, message)``.
    """
    from ..export.matrix import genome_to_matrix_text, tuned_weights_document
    from ..export.onnx_model import genome_to_onnx
    from ..export.picture import network_png, network_svg

    if fmt not in FORMATS:
        return None, "Unknown export."
    if not isinstance(request, dict):
        return None, "Pick a genome first."
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError) as exc:
        return None, str(exc)
    stem = _stem(genome, req["genome"])
    cw = connection_weights(genome, req)
    if fmt in ("svg", "png"):
        kw = dict(connection_weights=cw) if cw is not None else dict(weight=req["weight"])
        title = f"{genome.name or req['genome']}" + ("" if cw is not None else f", shared weight {req['weight']:g}")
        if fmt == "svg":
            return _text(network_svg(genome, title=title, **kw), f"{stem}.svg", "image/svg+xml"), "Network as SVG."
        return _bytes(network_png(genome, title=title, **kw), f"{stem}.png", "image/png"), "Network as PNG."
    if fmt == "gif":
        try:
            arrays, _, _ = whole_episode(req | {"start_frame": 0}, catalog, uploads)
        except RequestError as exc:
            return None, f"No rollout to animate: {exc}"
        from ..tasks.registry import make_task

        data = rollout_gif(arrays.frames, arrays.scene, arrays.nodes, arrays.cum, make_task(genome.task).draw_frame,
                           genome.n_in, title=f"seed {req['seed']}")
        return _bytes(data, f"{stem}-seed{req['seed']}.gif", "image/gif"), \
            f"Rollout of seed {req['seed']} as a GIF ({arrays.steps} steps, return {arrays.total:.1f})."
    shown = knocked(genome, req["off"])
    note = f" ({len(req['off'])} knocked-out connections left out)" if req["off"] else ""
    if fmt == "json":
        return _text(genome_to_json(shown), f"{stem}.json", "application/json"), "Genome as native JSON" + note + "."
    if fmt == "out":
        matrix = genome_to_matrix_text(shown)
        if shown.tuned_weights is None:
            return _text(matrix, f"{stem}.out", "text/csv"), "Genome as the authors' .out matrix" + note + "."
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{stem}.out", matrix)
            z.writestr(f"{stem}.wann.json", json.dumps(tuned_weights_document(shown)))
        return _bytes(buf.getvalue(), f"{stem}-wann.zip", "application/zip"), \
            "The .out matrix and its tuned weights (.wann.json), zipped" + note + "."
    if fmt == "onnx":
        own = req["base"] != "shared" or bool(req["edits"])  # else the shared weight stays an input
        model = genome_to_onnx(shown, connection_weights=knocked_weights(genome, req, cw) if own else None,
                               shared_weight=req["weight"])
        return _bytes(model.SerializeToString(), f"{stem}.onnx", "application/octet-stream"), \
            "Genome as ONNX (opens in Netron)" + note + "."
    if fmt == "profile-csv":
        store = current_store(*profile, "profile")
        rows = finite_profile(store.get("profile")) if isinstance(store, dict) else []
        if not rows:
            return None, "Run the weight profile first."
        return _text(profile_csv(rows, _score(genome)), f"{stem}-profile.csv", "text/csv"), "Profile as CSV."
    store = current_store(*conditions, "result")
    if not isinstance(store, dict) or not isinstance(store.get("result"), dict):
        return None, "Run the four conditions first."
    rows = conditions_rows(store["result"], {})
    return _text(conditions_csv(rows, _score(genome)), f"{stem}-conditions.csv", "text/csv"), "Conditions as CSV."


def knocked_weights(genome, req: dict, cw):
    """The per-connection weights of the kept connections (those not knocked out)."""
    import numpy as np

    keep = np.ones(genome.n_connections, bool)
    keep[list(req["off"])] = False
    return np.asarray(cw)[keep]


def _score(genome) -> str:
    from ..tasks.registry import find_spec

    spec = find_spec(genome.task)
    return spec.score if spec else "return"


def register(app, catalog: Catalog) -> None:
    @app.callback(Output("export-download", "data"), Output("export-message", "children"),
                  Input({"type": "export", "format": ALL}, "n_clicks"), State("figure-request", "data"),
                  State("uploads-store", "data"), State("profile-cached", "data"), State("profile-computed", "data"),
                  State("conditions-cached", "data"), State("conditions-computed", "data"), prevent_initial_call=True)
    def _export(_clicks, request, uploads, p_cached, p_computed, c_cached, c_computed):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update
        try:
            data, message = export_file(trigger.get("format"), request, uploads, catalog, (p_cached, p_computed),
                                        (c_cached, c_computed))
        except (AnalysisError, ValueError) as exc:
            return no_update, html.Div(f"The export failed: {exc}", className="error")
        if data is None:
            return no_update, html.Div(message, className="error")
        return data, html.Div(message, className="ok")


__all__ = ["FORMATS", "export_file", "register"]
