"""Wiring the clientside callbacks of ``assets/wann_clientside.js`` (namespace ``wann``)."""

from __future__ import annotations

from dash import ClientsideFunction


def clientside(app, name: str, *dependencies) -> None:
    """Run ``window.dash_clientside.wann[name]`` on ``dependencies`` (Outputs, then Inputs, then
    States, as Dash takes them), never on page load."""
    app.clientside_callback(ClientsideFunction("wann", name), *dependencies, prevent_initial_call=True)
