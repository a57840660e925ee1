"""Choosing the genome: URL on page load, picker, panel tabs and uploads.

The logic lives in plain functions (``select_genome``, ``genome_info``,
``panel_view``) that tests call directly; :func:`register` wires them to the
app. One callback owns the genome choice so that a link, a pick, a tab and an
upload cannot race each other.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, html, no_update

from ..genome import Genome, GenomeError, is_authors_champion
from ..tasks.registry import find_spec, genome_note
from ..tasks.specs import DIGITS_PANEL
from .catalog import (
    MAX_UPLOADS,
    UPLOAD_PREFIX,
    Catalog,
    UploadError,
    genome_meta,
    is_live,
    not_live_note,
    panel_title,
    panels,
    parse_upload,
    resolve_genome,
)
from .run_store import is_run_key
from .url_state import SLIDER_MAX, SLIDER_MIN, page_kind, parse_view, parse_weight

# Output order of select_genome (the registered callback returns them as a tuple).
OUTPUT_KEYS = ("picker", "options", "uploads", "panel", "slider", "weight", "seed", "notices",
               "upload_message", "meta", "root_class", "weights", "selected", "upload_contents", "digit", "image",
               "view", "page")


def picker_options(catalog: Catalog, uploads: Any, current: Any = None) -> list[dict]:
    """Dropdown options grouped by task: a disabled heading per task, then its genomes.

    ``current``, when it is a search run's generation (``run:...``), is listed under "Search runs".
    """
    uploads = uploads if isinstance(uploads, dict) else {}
    all_panels = panels()
    groups: dict[str, list[dict]] = {p: [] for p in all_panels}
    other: list[dict] = []
    for entry in catalog.entries():
        (groups.get(entry.task, other)).append({"label": entry.label, "value": entry.key})
    for key in uploads:
        try:
            genome = resolve_genome(catalog, key, uploads)
        except GenomeError:
            continue
        option = {"label": f"{genome.name or key} (uploaded)", "value": key}
        groups.get(genome.task, other).append(option)
    options: list[dict] = []
    for panel in all_panels:
        if groups[panel]:
            options.append({"label": panel_title(panel), "value": f"__group-{panel}", "disabled": True})
            options += groups[panel]
    if other:
        options.append({"label": "Other", "value": "__group-other", "disabled": True})
        options += other
    if is_run_key(current) and current in catalog:
        options.append({"label": "Search runs", "value": "__group-runs", "disabled": True})
        options.append({"label": catalog.runs.label(current), "value": current})
    return options


def _slider_value(w: float) -> float:
    return min(SLIDER_MAX, max(SLIDER_MIN, w))


def _choose(catalog: Catalog, key: str, uploads: Any, out: dict, set_weight: bool = True) -> Genome:
    """Fill ``out`` for a newly selected genome ``key`` (known to resolve); returns the genome."""
    genome = resolve_genome(catalog, key, uploads)
    out["picker"] = key
    if is_run_key(key):
        out["options"] = picker_options(catalog, uploads, key)
    out["meta"] = genome_meta(key, genome)
    if genome.task in panels():
        out["panel"] = genome.task
    if set_weight and genome.best_shared_weight is not None:
        w = parse_weight(genome.best_shared_weight)
        if w is not None:
            out["slider"] = _slider_value(w)
            out["weight"] = w
    out["weights"] = {"genome": key, "base": "shared", "edits": {}, "off": []}
    out["selected"] = None
    return genome


def _link_weights(genome: Genome, state, out: dict, notices: list[str]) -> None:
    """The link's tuned weights, edits, knockouts and schedule, checked against its genome."""
    c = genome.n_connections
    base = state.base
    if base == "tuned" and genome.tuned_weights is None:
        notices.append("The link asks for tuned weights, but this genome has none; using the shared weight.")
        base = "shared"
    edits = {str(k): w for k, w in state.edits if k < c}
    off = [k for k in state.off if k < c]
    if len(edits) < len(state.edits) or len(off) < len(state.off):
        notices.append(f"Ignored the link's connections beyond this genome's {c}.")
    out["weights"] = {"genome": out["picker"], "base": base, "edits": edits, "off": off}
    if state.schedule:
        out["view"] = {"genome": out["picker"], "seed": state.seed, "schedule": [list(p) for p in state.schedule]}


def root_class(kind: str, hide=(), mode=None) -> str:
    """Class of the page root: ``app``, ``embed``, ``hide-<flag>`` per hide flag, ``mode-<mode>``."""
    classes = ["app"] + (["embed"] if kind == "embed" else []) + [f"hide-{f}" for f in hide]
    return " ".join(classes + ([f"mode-{mode}"] if mode else []))


def select_genome(trigger: str | None, *, catalog: Catalog, pathname: Any = None, search: Any = None,
                  picker: Any = None, panel: Any = None, upload_contents: Any = None,
                  upload_filename: Any = None, upload_task: Any = None, uploads: Any = None,
                  meta: Any = None, tuned: Any = None) -> dict:
    """Decide the genome view after ``trigger``.

    Args:
        trigger: ``"url"`` (page load), ``"genome-picker"``, ``"panel-tabs"``, ``"upload"``,
            ``"run-choice"`` (the evolution scrubber's generation, ``picker`` holds its key) or
            ``"tune-done"`` (``tuned``: ``{"key", "secret"}`` of a genome tuned in the app, kept as an upload).
        catalog: saved genomes.
        The rest: current values of the components (any of them may be malformed).

    Returns:
        A dict with some of :data:`OUTPUT_KEYS`; a missing key means "leave unchanged".
    """
    uploads = uploads if isinstance(uploads, dict) else {}
    current = meta.get("key") if isinstance(meta, dict) else None
    out: dict[str, Any] = {}

    if trigger == "upload":
        out["upload_contents"] = None  # so the same file can be uploaded again
        if upload_contents is None:
            return out
        task = upload_task if upload_task in panels() else None
        try:
            key, secret, genome = parse_upload(upload_contents, upload_filename, task, store=catalog.uploads)
        except UploadError as exc:
            out["upload_message"] = {"error": str(exc)}
            return out
        uploads = dict(uploads)
        uploads.pop(key, None)
        uploads[key] = {"secret": secret}  # the genome stays on the server
        while len(uploads) > MAX_UPLOADS:
            uploads.pop(next(iter(uploads)))
        out["uploads"] = uploads
        out["options"] = picker_options(catalog, uploads)
        _choose(catalog, key, uploads, out)
        out["upload_message"] = {"ok": f"Loaded {upload_filename}: {genome.name or key} "
                                       f"({genome.n_nodes} nodes, {genome.n_connections} connections)."}
        return out

    if trigger == "tune-done":
        if not isinstance(tuned, dict) or not isinstance(tuned.get("key"), str) \
                or not isinstance(tuned.get("secret"), str):
            return out
        uploads = dict(uploads)
        uploads.pop(tuned["key"], None)
        uploads[tuned["key"]] = {"secret": tuned["secret"]}
        while len(uploads) > MAX_UPLOADS:
            uploads.pop(next(iter(uploads)))
        try:
            _choose(catalog, tuned["key"], uploads, out)
        except GenomeError as exc:
            out["upload_message"] = {"error": str(exc)}
            return out
        out["uploads"] = uploads
        out["options"] = picker_options(catalog, uploads)
        out["weights"]["base"] = "tuned"  # the point of tuning: use the tuned weights at once
        return out

    if trigger in ("genome-picker", "run-choice"):
        if picker == current:
            return out
        try:
            _choose(catalog, picker, uploads, out)
        except GenomeError as exc:
            out["picker"] = current if current is not None else no_update
            out["upload_message"] = {"error": str(exc)}
        return out

    if trigger == "panel-tabs":
        if panel not in panels() or (isinstance(meta, dict) and meta.get("task") == panel):
            return out
        key = catalog.first_of_task(panel)
        if key is None:
            for k in uploads:
                try:
                    if resolve_genome(catalog, k, uploads).task == panel:
                        key = k
                        break
                except GenomeError:
                    continue
        if key is not None:
            _choose(catalog, key, uploads, out)
        return out

    # Page load (or anything unexpected): read the link.
    kind, notices = page_kind(pathname)
    state, view_notices = parse_view(search, catalog)
    notices += view_notices
    out["root_class"] = root_class(kind, state.hide, state.mode)
    out["page"] = {"hide": list(state.hide), "mode": state.mode}
    out["view"] = None
    out["options"] = picker_options(catalog, uploads)
    out["panel"] = state.panel
    out["seed"] = state.seed
    out["digit"] = state.digit or "all"
    if state.image is not None:
        out["image"] = str(state.image)
    out["slider"] = _slider_value(state.weight)
    out["weight"] = state.weight
    out["notices"] = notices
    if state.share is not None:  # a shared upload: run it with the link's token
        held = uploads.get(state.genome) if isinstance(uploads.get(state.genome), dict) else {}
        shared = {**uploads, state.genome: {**held, "share": state.share}}
        try:
            genome = _choose(catalog, state.genome, shared, out, set_weight=False)
        except GenomeError:
            notices.append("The shared genome of this link is not available (its link may be wrong, or the "
                           "server forgot it); showing the default genome.")
            state = parse_view("", catalog)[0]
        else:
            out["uploads"] = shared
            out["options"] = picker_options(catalog, shared)
            _link_weights(genome, state, out, notices)
            return out
    if state.genome is not None:
        genome = _choose(catalog, state.genome, uploads, out, set_weight=False)
        out["panel"] = state.panel
        _link_weights(genome, state, out, notices)
    else:
        out["picker"] = None
        out["meta"] = None
        notices.append("No saved genomes were found; upload one to start.")
    for name, message in catalog.errors.items():
        notices.append(f"Skipped saved genome {name}: {message}")
    return out


def genome_info(meta: Any, uploads: Any, catalog: Catalog) -> list:
    """The genome card's text (components)."""
    if not isinstance(meta, dict):
        return [html.P("No genome selected.", className="hint")]
    try:
        genome = resolve_genome(catalog, meta.get("key"), uploads)
    except GenomeError as exc:
        return [html.P(str(exc), className="error")]
    facts = [
        f"{panel_title(genome.task)}",
        f"{genome.n_nodes} nodes ({genome.n_in} in, {genome.n_hidden} hidden, {genome.n_out} out)",
        f"{genome.n_connections} connections",
    ]
    items = [html.Div(genome.name or meta.get("key"), className="genome-name"),
             html.Div(" · ".join(facts), className="genome-facts")]
    note = genome_note(genome)
    if note:
        items.append(html.Div(note, className="genome-warning", role="note"))
    items += weight_facts(genome)
    for label, value in (("Source", genome.source), ("Licence", genome.licence), ("Notes", genome.notes)):
        if value:
            items.append(html.Div([html.Span(f"{label}: ", className="muted"), value], className="genome-meta-line"))
    if str(meta.get("key", "")).startswith(UPLOAD_PREFIX):
        items.append(html.Div("Uploaded genomes are kept on the server and open only in the browser that "
                              "uploaded them, until you make a share link.", className="hint"))
    return items


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def weight_facts(genome) -> list:
    """What the card says about the genome's weights, each figure with where it comes from."""
    items = []
    measured = genome.extra.get("best_shared_weight_measured")
    if genome.best_shared_weight is None:
        items.append(html.Div("Best shared weight: not measured here", className="muted"))
    elif isinstance(measured, dict) and _num(measured.get("mean")) and measured.get("weight") == genome.best_shared_weight:
        weights = measured.get("weights") or []
        span = f", {len(weights)} weights from {min(weights):g} to {max(weights):g}" if weights else ""
        sd = f" ± {measured['sd']:.1f}" if _num(measured.get("sd")) else ""
        items.append(html.Div([
            html.Span(f"Best shared weight: {genome.best_shared_weight:g}", className="fact"),
            html.Span(f" (measured: return {measured['mean']:.1f}{sd} over {measured.get('episodes')} episodes, "
                      f"seeds {measured.get('seeds')}{span}; ", className="muted"),
            html.Code(str(measured.get("command", "python -m wann_viz evaluate"))), html.Span(")", className="muted"),
        ]))
    else:
        items.append(html.Div(f"Best shared weight: {genome.best_shared_weight:g} (as the file says; not measured "
                              "here)"))
    if genome.tuned_weights is not None:
        score = genome.extra.get("tuned_weights_score")
        offset = genome.extra.get("tuned_weights_offset")
        text = "Tuned weights attached"
        parts = []
        if isinstance(score, dict) and _num(score.get("mean")):
            from .figures_analysis import format_score

            spec = find_spec(genome.task)
            kind = spec.score if spec else "return"
            sd = score.get("sd")
            value = format_score(score["mean"], kind) + (f" ± {format_score(sd, kind)}" if _num(sd) else "")
            if "tuning" not in genome.extra and is_authors_champion(genome):
                paper = spec.paper_results.get("tuned_weights") if spec else None
                text_score = f"{value} as recorded in the authors' tuned-weights file"
                if paper:
                    text_score += (f"; the paper reports {paper[0]:g}" + (f" ± {paper[1]:g}" if paper[1] else "")
                                   + " over 100 episodes")
            elif kind == "accuracy":
                text_score = f"test accuracy {value}, measured when tuned"
            else:
                n = score.get("episodes")
                text_score = f"return {value} on {n} training episodes when tuned" if n else f"return {value}"
            parts.append(text_score)
        if _num(offset):
            parts.append(f"stored as offsets from the shared weight {offset:g}")
        items.append(html.Div(text + (f" ({'; '.join(parts)})" if parts else "")))
    return items


def panel_view(panel: Any, meta: Any) -> tuple[str, list]:
    """Class of the panel and its placeholder text.

    Classes: ``live`` (animated task), ``static`` (network only, e.g. CarRacing;
    a digits panel (``TaskSpec.panel``: MNIST) adds ``mnist``, which shows the
    MNIST cards) or ``empty`` (no genome of this panel's task is selected).
    """
    all_panels = panels()
    panel = panel if panel in all_panels else all_panels[0]
    spec = find_spec(panel)
    title = panel_title(panel)
    task = meta.get("task") if isinstance(meta, dict) else None
    if task == panel and is_live(task):
        return f"panel panel-{panel} live", []
    if task == panel and spec.panel == DIGITS_PANEL:
        return f"panel panel-{panel} static mnist", []
    if task == panel:
        return f"panel panel-{panel} static", [
            html.H3(f"{title}: no live rollout yet"),
            html.P(not_live_note(task) or "This task cannot run in the browser yet."),
        ]
    text = not_live_note(panel)
    children = [
        html.H3(f"{title}: no genome selected"),
        html.P(text or f"Pick a {title} genome in the Genome list, or upload one."),
        html.P(f"Upload a {title} genome (.json, or .out with its task chosen) to inspect its network.",
               className="hint"),
    ]
    if task in all_panels:
        children.append(html.P(f"The genome selected in the list is a {panel_title(task)} network: see the "
                               f"{panel_title(task)} tab.", className="hint"))
    return f"panel panel-{panel} empty", children


def _message(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict) and "error" in value:
        return html.Div(value["error"], className="error")
    if isinstance(value, dict) and "ok" in value:
        return html.Div(value["ok"], className="ok")
    return str(value)


def _notices(notices: list[str]) -> Any:
    if not notices:
        return []
    return [html.Ul([html.Li(n) for n in notices], className="notice-list")]


def register(app, catalog: Catalog) -> None:
    """Wire the genome callbacks to ``app``."""

    @app.callback(
        Output("genome-picker", "value"),
        Output("genome-picker", "options"),
        Output("uploads-store", "data"),
        Output("panel-tabs", "value"),
        Output("weight-slider", "value", allow_duplicate=True),
        Output("weight-input", "value", allow_duplicate=True),
        Output("seed-input", "value", allow_duplicate=True),
        Output("notices", "children"),
        Output("upload-message", "children"),
        Output("genome-meta", "data"),
        Output("app-root", "className"),
        Output("weights-store", "data", allow_duplicate=True),
        Output("selected-edge", "data", allow_duplicate=True),
        Output("upload", "contents"),
        Output("mnist-digit", "value"),
        Output("mnist-image-input", "value", allow_duplicate=True),
        Output("view-store", "data"),
        Output("page-store", "data"),
        Input("url", "pathname"),
        Input("genome-picker", "value"),
        Input("panel-tabs", "value"),
        Input("upload", "contents"),
        Input("run-choice", "data"),
        Input("tune-done", "data"),
        State("url", "search"),
        State("upload", "filename"),
        State("upload-task", "value"),
        State("uploads-store", "data"),
        State("genome-meta", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _select_genome(pathname, picker, panel, contents, run_choice, tuned, search, filename, upload_task, uploads,
                       meta):
        trigger = ctx.triggered_id if ctx.triggered_id in ("genome-picker", "panel-tabs", "upload", "run-choice",
                                                           "tune-done") else "url"
        if not ctx.triggered or ctx.triggered[0]["prop_id"] == ".":
            trigger = "url"
        if trigger == "run-choice":
            if not isinstance(run_choice, dict) or not isinstance(run_choice.get("key"), str):
                return tuple(no_update for _ in OUTPUT_KEYS)
            picker = run_choice["key"]
        out = select_genome(trigger, catalog=catalog, pathname=pathname, search=search, picker=picker, panel=panel,
                            upload_contents=contents, upload_filename=filename, upload_task=upload_task,
                            uploads=uploads, meta=meta, tuned=tuned)
        values = []
        for key in OUTPUT_KEYS:
            if key not in out:
                values.append(no_update)
            elif key == "notices":
                values.append(_notices(out[key]))
            elif key == "upload_message":
                values.append(_message(out[key]))
            else:
                values.append(out[key])
        return tuple(values)

    @app.callback(Output("genome-info", "children"), Input("genome-meta", "data"), State("uploads-store", "data"))
    def _genome_info(meta, uploads):
        return genome_info(meta, uploads, catalog)

    @app.callback(Output("panel", "className"), Output("stage-placeholder", "children"),
                  Input("panel-tabs", "value"), Input("genome-meta", "data"))
    def _panel_view(panel, meta):
        return panel_view(panel, meta)
