"""Shareable links: the clientside writer keeps the address bar and the share box in step.

Reading a link happens once, on page load, in
:func:`wann_viz.ui.callbacks_genome.select_genome` (through
:mod:`wann_viz.ui.url_state`). Writing uses ``history.replaceState`` in the
browser, so moving the slider does not flood the back button and does not
reload anything.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State


def register(app) -> None:
    """Wire the clientside URL writer to ``app``."""
    app.clientside_callback(
        ClientsideFunction("wann", "write_url"),
        Output("share-link", "value"),
        Output("embed-code", "value"),
        Output("share-note", "children"),
        Input("request-store", "data"),
        Input("panel-tabs", "value"),
        Input("genome-meta", "data"),
        Input("mnist-digit", "value"),
        Input("mnist-index", "data"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
