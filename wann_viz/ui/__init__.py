"""The Dash explorer: ``create_app()`` builds the app that ``python app.py`` serves.

Everything here may import dash and plotly; the core modules of
:mod:`wann_viz` never do. Pure helpers (figures, URL state, catalog,
episodes) are importable without a server.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # an upload (<= 1 MB, base64) plus the page's stores


# In a third-party iframe with storage blocked (an embed beside an article, in a browser that
# blocks third-party cookies) reading localStorage throws, and Dash's local stores with it.
# The page then keeps them in memory: an upload is remembered until the page closes.
STORAGE_SHIM = """(function () {
  try { window.localStorage.getItem('wann'); return; } catch (e) { /* blocked: use memory */ }
  var data = {};
  var mem = {
    getItem: function (k) { return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null; },
    setItem: function (k, v) { data[k] = String(v); },
    removeItem: function (k) { delete data[k]; },
    clear: function () { data = {}; },
    key: function (i) { return Object.keys(data)[i] || null; },
    get length() { return Object.keys(data).length; }
  };
  try { Object.defineProperty(window, 'localStorage', {value: mem, configurable: true}); } catch (e) {}
  try { Object.defineProperty(window, 'sessionStorage', {value: mem, configurable: true}); } catch (e) {}
})();"""


# Dash reports a failed callback only in its dev tools. The page watches its episode requests
# (before Dash's scripts load, so that Dash's own fetch goes through the watch) and tells the
# player, which offers a retry.
REQUEST_WATCH = """(function () {
  var real = window.fetch;
  if (!real) return;
  function tell(status) {
    window.dispatchEvent(new CustomEvent('wann-request-failed', {detail: {status: status}}));
  }
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var body = init && typeof init.body === 'string' ? init.body : '';
    var p = real.apply(this, arguments);
    if (url.indexOf('_dash-update-component') < 0 || body.indexOf('episode-store') < 0) return p;
    return p.then(function (r) { if (!r.ok) tell(r.status); return r; }, function (e) { tell(0); throw e; });
  };
})();"""


def index_string() -> str:
    """Dash's page template with the shared constants on ``<body data-wann-config>``."""
    import html

    from .constants import client_config_json, hide_css

    config = html.escape(client_config_json(), quote=True)
    hide = hide_css()
    return f"""<!DOCTYPE html>
<html>
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {{%css%}}
        <style>{hide}</style>
        <script>{STORAGE_SHIM}</script>
        <script>{REQUEST_WATCH}</script>
    </head>
    <body data-wann-config="{config}">
        {{%app_entry%}}
        <footer>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </footer>
    </body>
</html>"""


def create_app(genome_dir: str | Path | None = None, upload_dir: str | Path | None = None):
    """Build the WANN Explorer Dash app.

    Args:
        genome_dir: folder of saved genomes (default: the repository's ``saved_genomes/``).
        upload_dir: folder of uploaded genomes (default ``$WANN_UPLOAD_DIR`` or ``var/uploads/``).

    Returns:
        A ``dash.Dash`` instance; ``app.server`` is the Flask server.
    """
    from dash import Dash

    from . import (callbacks_analysis, callbacks_carracing, callbacks_compare, callbacks_evolution, callbacks_export,
                   callbacks_genome, callbacks_mnist, callbacks_rollout, callbacks_tune, callbacks_url, callbacks_weights)
    from .catalog import Catalog
    from .jobs import background_manager
    from .layout import build_layout
    from .serving import harden
    from .uploads import UploadStore

    catalog = Catalog(genome_dir, UploadStore(upload_dir))
    manager = background_manager()
    app = Dash(
        __name__,
        title="WANN Explorer",
        update_title=None,
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        background_callback_manager=manager,
    )
    app.index_string = index_string()
    app.layout = build_layout()
    callbacks_genome.register(app, catalog)
    callbacks_weights.register(app, catalog)
    callbacks_rollout.register(app, catalog)
    callbacks_mnist.register(app, catalog)
    callbacks_url.register(app, catalog)
    callbacks_analysis.register(app, catalog, manager)
    callbacks_evolution.register(app, catalog, manager)
    callbacks_export.register(app, catalog)
    callbacks_compare.register(app, catalog)
    callbacks_tune.register(app, catalog, manager)
    callbacks_carracing.register(app, catalog)
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    harden(app.server, callbacks=lambda: app.callback_map)
    app.catalog = catalog  # for tests and benchmarks
    return app


__all__ = ["create_app"]
