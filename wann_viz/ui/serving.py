"""What the Flask server under the Dash app does for a class: compression, cache and security
headers, 404 for unknown paths, 400 for malformed callback bodies, no version disclosure.

:func:`harden` is called by :func:`wann_viz.ui.create_app`.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, request

from .constants import EMBED_PATH
from .limits import ADDRESS_BURST, ADDRESS_PER_SECOND, HEAVY_OUTPUTS, RateLimiter

PAGES = ("/", EMBED_PATH)  # the explorer's pages; any other page path is a 404
# Dash's own routes and the assets, all served as they are.
DASH_PREFIXES = ("/_dash-", "/assets/", "/_reload-hash", "/_favicon.ico", "/_alive_")
UPDATE_PATH = "/_dash-update-component"
# Fingerprinted files (Dash's ".v4_4_1m123" names, or "?m=" on assets) never change under their URL.
_FINGERPRINT = re.compile(r"\.v[0-9_]+m[0-9]+\.")
IMMUTABLE = "public, max-age=31536000, immutable"
SERVER_NAME = "WANN Explorer"
CLIENT_COOKIE = "wann_client"


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _check_update_body(callbacks) -> dict:
    """A callback body must be a JSON object naming its output, with lists of inputs and state."""
    # Parsed once: Flask keeps the result, and Dash's own get_json() reads it back.
    doc = request.get_json(silent=True)
    if doc is None:
        raise _Refused(400, "the callback request is not valid JSON")
    if not isinstance(doc, dict) or not isinstance(doc.get("output"), str):
        raise _Refused(400, "the callback request must be an object naming its output")
    if callbacks is not None:
        cb = callbacks().get(doc["output"])
        if cb is None:
            raise _Refused(400, "the callback request names no callback of this app")
        for key in ("inputs", "state"):
            if not _matches(doc.get(key, []), cb.get(key, [])):
                raise _Refused(400, f"the callback request's {key!r} do not match its callback")
        changed = doc.get("changedPropIds", [])
        if not isinstance(changed, list) or not all(isinstance(c, str) and "." in c for c in changed):
            raise _Refused(400, "the callback request's 'changedPropIds' must be a list of component.property")
        outputs = doc.get("outputs")
        multi = doc["output"].startswith("..")
        n = doc["output"].count("...") + 1 if multi else 1
        group = outputs if multi and isinstance(outputs, list) else [outputs]
        if (multi and not isinstance(outputs, list)) or len(group) != n or \
                not all(isinstance(o, dict) and "id" in o and isinstance(o.get("property"), str) for o in group):
            raise _Refused(400, "the callback request's 'outputs' do not match its callback")
    for key in ("inputs", "state", "outputs", "changedPropIds"):
        if key in doc and not isinstance(doc[key], (list, dict)):
            raise _Refused(400, f"the callback request's {key!r} must be a list")
    return doc


def _allowed(browsers: RateLimiter, addresses: RateLimiter) -> bool:
    """One computing request of this browser (its cookie) and of its network address."""
    cookie = request.cookies.get(CLIENT_COOKIE, "")
    browser_ok = browsers.allow(cookie) if 8 <= len(cookie) <= 64 else True
    return addresses.allow(str(request.remote_addr)) and browser_ok


def _matches(items, specs) -> bool:
    """The ``inputs`` (or ``state``) of a callback body fit the callback's declared ones: one item per
    declared component, with its id and property (a list of matches for a pattern-matching id)."""
    if not isinstance(items, list) or len(items) != len(specs):
        return False
    for item, spec in zip(items, specs):
        pattern = spec["id"].startswith("{")
        if isinstance(item, list) != pattern:
            return False
        for one in (item if pattern else [item]):
            if not isinstance(one, dict) or one.get("property") != spec["property"]:
                return False
            if not pattern and one.get("id") != spec["id"]:
                return False
            if pattern and not isinstance(one.get("id"), dict):
                return False
    return True


def harden(server: Flask, compress: bool = True, limiter: RateLimiter | None = None, callbacks=None) -> Flask:
    """Add the class-ready behaviour to ``server`` (the Dash app's Flask server).

    ``limiter`` bounds each browser's computing callbacks (default: a :class:`RateLimiter`);
    over the limit they get 429. ``callbacks()`` gives the app's callback map, so that a request
    for a callback the app does not have is a 400.
    """
    limiter = limiter if limiter is not None else RateLimiter()
    per_address = RateLimiter(ADDRESS_BURST, ADDRESS_PER_SECOND)
    if compress:
        from flask_compress import Compress

        server.config.setdefault("COMPRESS_MIMETYPES", [
            "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
            "application/json", "image/svg+xml"])
        server.config.setdefault("COMPRESS_MIN_SIZE", 1024)
        Compress(server)

    @server.before_request
    def _refuse():
        path = request.path
        try:
            if path.startswith(DASH_PREFIXES):
                if path == UPDATE_PATH and request.method == "POST":
                    doc = _check_update_body(callbacks)
                    if any(h in doc["output"] for h in HEAVY_OUTPUTS) and not _allowed(limiter, per_address):
                        raise _Refused(429, "Too many requests at once: wait a moment.")
                return None
            if path.rstrip("/") not in ("", EMBED_PATH):
                raise _Refused(404, f"There is no page {path[:80]!r} here; the explorer is at / and /embed.")
        except _Refused as exc:
            return _text(exc.status, exc.message)
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        path = request.path
        h = response.headers
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "strict-origin-when-cross-origin"
        # /embed may sit in any page's iframe (beside the article); the full explorer may not.
        embed = path.rstrip("/") == EMBED_PATH
        h["Content-Security-Policy"] = "frame-ancestors *" if embed else "frame-ancestors 'self'"
        if path.startswith(("/_dash-component-suites/", "/assets/")) and response.status_code == 200:
            if _FINGERPRINT.search(path) or "m" in request.args:
                h["Cache-Control"] = IMMUTABLE
            else:
                h["Cache-Control"] = "public, max-age=3600"
        elif path in PAGES or path == "/embed/":
            h["Cache-Control"] = "no-cache"
        h.pop("Server", None)
        if path in PAGES and CLIENT_COOKIE not in request.cookies:
            # An anonymous per-browser id: rate limits are per browser, not per classroom address.
            response.set_cookie(CLIENT_COOKIE, secrets.token_urlsafe(16), max_age=30 * 24 * 3600,
                                httponly=True, samesite="Lax")
        return response

    from dash.exceptions import DependencyException

    @server.errorhandler(DependencyException)
    def _no_such_component(_exc):
        return _text(404, "No such component file.")

    @server.errorhandler(404)
    def _not_found(_exc):
        return _text(404, "Not found.")

    @server.errorhandler(405)
    def _not_allowed(_exc):
        return _text(405, "Method not allowed.")

    return server


def quiet_dev_server() -> None:
    """The development server's ``Server`` header names no versions."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.server_version = SERVER_NAME
    WSGIRequestHandler.sys_version = ""
    WSGIRequestHandler.version_string = lambda self: SERVER_NAME
