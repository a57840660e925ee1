"""Shareable links: one writer, :func:`wann_viz.ui.url_state.format_query`.

Reading a link happens once, on page load, in
:func:`wann_viz.ui.callbacks_genome.select_genome` (through
:mod:`wann_viz.ui.url_state`). Writing: the server turns the view into a
query string with :func:`view_link` (the same function the tests read back
with ``parse_view``); a clientside callback only applies it with
``history.replaceState``, so moving the slider does not flood the back button
and does not reload anything, and fills the share boxes.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, no_update

from ..genome import GenomeError

from ..tasks.registry import find_spec
from ..tasks.specs import DIGITS_PANEL
from .catalog import UPLOAD_PREFIX
from .clientside import clientside
from .constants import EMBED_PATH, HIDE_FLAGS, LINK_MAX_CHARS, MODES
from .episodes import RequestError, normalize_request
from .url_state import DEFAULT_SEED, DEFAULT_WEIGHT, DIGITS, IMAGE_MAX, ViewState, format_query, parse_seed, \
    parse_weight

UPLOAD_NOTE = ("This uploaded genome opens only in this browser: the link shows the default genome. "
               "Make a share link to let others open it.")
SHARED_NOTE = "Anyone with this link can run the uploaded genome (it stays read-only)."
TOO_LONG_NOTE = ("This view is too long for a link ({n:,} characters: its connection weights); make a short "
                 "link to share it.")


def _episode_state(request: Any, catalog, uploads: Any) -> dict:
    """The link fields of an episode request (schedule, base, edits, off), checked as the server
    checks the requests it runs; none for a request it would refuse."""
    try:
        req, _ = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return {}
    return {"schedule": tuple(tuple(p) for p in req["schedule"]) if req["schedule"] else None,
            "base": req["base"], "edits": tuple(req["edits"].items()), "off": tuple(req["off"])}


def _page_state(page: Any) -> dict:
    page = page if isinstance(page, dict) else {}
    hide = page.get("hide") if isinstance(page.get("hide"), list) else []
    mode = page.get("mode")
    return {"hide": tuple(sorted({f for f in hide if f in HIDE_FLAGS})), "mode": mode if mode in MODES else None}


def view_link(request: Any, panel: Any, meta: Any, digit: Any, image: Any, pathname: Any,
              uploads: Any = None, page: Any = None, catalog=None) -> dict:
    """The link of the view on screen.

    Returns:
        ``{"path": "/" or "/embed", "query": "?genome=...", "active": bool, "note": str,
        "can_share": bool, "too_long": bool}``: ``active`` says whether the panel shows the selected
        genome (the player animates only then); ``note`` explains a link that cannot carry the genome
        or is too long; ``can_share`` whether this browser may make a share link for it;
        ``too_long`` whether the query exceeds ``LINK_MAX_CHARS`` (offer a short link). The
        episode's schedule and connection weights join the link when ``catalog`` is given (to check
        the request against its genome).
    """
    meta = meta if isinstance(meta, dict) else {}
    request = request if isinstance(request, dict) else {}
    key = meta.get("key") if isinstance(meta.get("key"), str) else None
    upload = bool(key) and key.startswith(UPLOAD_PREFIX)
    held = uploads.get(key) if upload and isinstance(uploads, dict) and isinstance(uploads.get(key), dict) else {}
    share = held.get("share") if isinstance(held.get("share"), str) else None
    linkable = bool(key) and (not upload or share is not None)
    on_panel = bool(key) and meta.get("task") == panel
    spec = find_spec(panel)
    weight = parse_weight(request.get("weight"))
    if weight is None:
        weight = parse_weight(meta.get("best_shared_weight"))
    seed = parse_seed(request.get("seed"))
    digits = on_panel and spec is not None and spec.panel == DIGITS_PANEL
    image_ok = isinstance(image, int) and not isinstance(image, bool) and 0 <= image <= IMAGE_MAX
    state = ViewState(
        genome=key if linkable and on_panel else None,
        weight=DEFAULT_WEIGHT if weight is None else weight,
        seed=DEFAULT_SEED if seed is None else seed,
        panel=panel if spec is not None else (meta.get("task") or ""),
        digit=digit if digits and digit in DIGITS else None,
        image=image if digits and image_ok else None,
        share=share if upload and linkable and on_panel else None,
        **(_episode_state(request, catalog, uploads)
           if catalog is not None and linkable and on_panel and request.get("genome") == key else {}),
        **_page_state(page),
    )
    query = format_query(state)
    too_long = len(query) > LINK_MAX_CHARS
    note = (SHARED_NOTE if share else "") if linkable or not key else UPLOAD_NOTE
    return {
        "path": EMBED_PATH if pathname == EMBED_PATH else "/",
        "query": query,
        "active": on_panel,
        "note": TOO_LONG_NOTE.format(n=len(query)) if too_long else note,
        "can_share": upload and share is None and isinstance(held.get("secret"), str),
        "too_long": too_long,
    }


def make_short_link(clicks: Any, link: Any, catalog) -> Any:
    """Store the current view (``url-sink``'s query) and answer ``{"path", "query": "?view=TOKEN"}``."""
    if not clicks or not isinstance(link, dict) or not isinstance(link.get("query"), str):
        return no_update
    try:
        token = catalog.views.add(link["query"])
    except ValueError as exc:
        return {"error": str(exc)}
    return {"path": link.get("path") if link.get("path") in ("/", EMBED_PATH) else "/", "query": f"?view={token}"}


def make_share_link(clicks: Any, meta: Any, uploads: Any, catalog) -> tuple[Any, Any]:
    """The uploads store with a share token for the selected upload, or a message."""
    if not clicks or not isinstance(meta, dict) or not isinstance(uploads, dict):
        return no_update, no_update
    key = meta.get("key")
    if not isinstance(key, str):
        return no_update, no_update
    try:
        token = catalog.uploads.share(key, uploads.get(key))
    except GenomeError as exc:
        return no_update, str(exc)
    return {**uploads, key: {**uploads[key], "share": token}}, no_update


def register(app, catalog) -> None:
    """Wire the link writer (server), its clientside applier and the share button to ``app``."""

    @app.callback(Output("url-sink", "data"), Output("share-upload", "hidden"), Output("short-link", "hidden"),
                  Input("request-store", "data"), Input("panel-tabs", "value"), Input("genome-meta", "data"),
                  Input("mnist-digit", "value"), Input("mnist-index", "data"), Input("uploads-store", "data"),
                  Input("page-store", "data"), State("url", "pathname"), prevent_initial_call=True)
    def _link(request, panel, meta, digit, image, uploads, page, pathname):
        link = view_link(request, panel, meta, digit, image, pathname, uploads, page, catalog)
        return link, not link["can_share"], not link["too_long"]

    @app.callback(Output("short-sink", "data"), Input("short-link", "n_clicks"), State("url-sink", "data"),
                  prevent_initial_call=True)
    def _short(clicks, link):
        return make_short_link(clicks, link, catalog)

    clientside(
        app, "apply_short_link",
        Output("share-link", "value", allow_duplicate=True),
        Output("share-note", "children", allow_duplicate=True),
        Input("short-sink", "data"),
    )

    @app.callback(Output("uploads-store", "data", allow_duplicate=True),
                  Output("share-note", "children", allow_duplicate=True),
                  Input("share-upload", "n_clicks"), State("genome-meta", "data"), State("uploads-store", "data"),
                  prevent_initial_call=True)
    def _share(clicks, meta, uploads):
        return make_share_link(clicks, meta, uploads, catalog)

    clientside(
        app, "apply_url",
        Output("share-link", "value"),
        Output("embed-code", "value"),
        Output("share-note", "children"),
        Input("url-sink", "data"),
    )
