"""Episodes: the server runs each requested episode once; the browser animates it.

Flow (ids of the components in brackets)::

    slider / number box / seed / genome / weights store
        -> clientside ``wann.build_request``  [request-store]
        -> server ``run_episode``              [episode-store]  (first part of a long episode)
                                               [tail-request]   (small: which episode to finish)
        -> server ``run_tail``                 [tail-store]     (the rest, if any)
        -> clientside ``wann.load_episode`` / ``wann.append_tail`` -> the player in assets/wann_player.js
        -> [figure-request] -> server network figure (after the first frame is drawn)

While the slider is dragged, ``wann.drag`` replays the episode in the browser for the
weight under the thumb (``assets/wann_preview.js``, for tasks with ``TaskSpec.preview``);
on release the server's episode replaces the preview.

The player advances frames with ``requestAnimationFrame`` (at most 50 fps)
and draws the task and the network's node values itself: no server round
trip per frame. A weight change while an episode is under way asks for the
same seed with the schedule ``[(0, old), (frame, new)]`` and the player
continues from that frame.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, no_update

from .catalog import Catalog
from .clientside import clientside
from .episodes import run_request, run_tail


def run_episode(request: Any, uploads: Any, catalog: Catalog) -> tuple[Any, Any]:
    """The episode payload for a request, and the small tail request of a partial episode.

    Returns:
        ``(payload, tail request)``; each is ``no_update`` when there is nothing to send
        (no request yet; a complete episode needs no tail).
    """
    if request is None:
        return no_update, no_update
    payload = run_request(request, catalog, uploads)
    if payload.get("complete", True):
        return payload, no_update
    # Only what the tail needs travels back to the server, not the payload itself.
    return payload, {"id": payload["id"], "request": payload["request"], "steps": payload["steps"], "complete": False}


def episode_tail(tail_request: Any, uploads: Any, catalog: Catalog) -> Any:
    """The rest of a partial episode, or ``no_update`` when there is none."""
    tail = run_tail(tail_request, catalog, uploads)
    return no_update if tail is None else tail


def register(app, catalog: Catalog) -> None:
    """Wire the episode callbacks (server and clientside) to ``app``."""

    clientside(
        app, "build_request",
        Output("request-store", "data"),
        Output("weight-slider", "value", allow_duplicate=True),
        Output("weight-input", "value", allow_duplicate=True),
        Output("weight-message", "children"),
        Output("seed-message", "children"),
        Output("seed-input", "value", allow_duplicate=True),
        Input("weight-slider", "value"),
        Input("weight-input", "value"),
        Input("seed-input", "value"),
        Input("genome-meta", "data"),
        Input("weights-store", "data"),
        State("view-store", "data"),
        State("request-store", "data"),
    )
    # Restart runs the episode the controls describe (a link's or a mid-episode schedule is dropped).
    clientside(
        app, "restart",
        Output("request-store", "data", allow_duplicate=True),
        Input({"type": "player", "action": "restart"}, "n_clicks"),
        State("request-store", "data"),
    )
    clientside(
        app, "retry",
        Output("request-store", "data", allow_duplicate=True),
        Input("retry-request", "n_clicks"),
        State("request-store", "data"),
    )
    # While the slider is dragged, the browser's copy of the task replays the episode (wann_preview.js).
    clientside(
        app, "drag",
        Output("player-sink", "data", allow_duplicate=True),
        Input("weight-slider", "drag_value"),
    )
    clientside(
        app, "toggle_projector",
        Output("page-store", "data", allow_duplicate=True),
        Input("projector-toggle", "n_clicks"),
        State("page-store", "data"),
    )

    @app.callback(Output("episode-store", "data"), Output("tail-request", "data"),
                  Input("request-store", "data"), State("uploads-store", "data"), prevent_initial_call=True)
    def _run(request, uploads):
        return run_episode(request, uploads, catalog)

    @app.callback(Output("tail-store", "data"), Input("tail-request", "data"), State("uploads-store", "data"),
                  prevent_initial_call=True)
    def _tail(tail_request, uploads):
        return episode_tail(tail_request, uploads, catalog)

    # Loading draws the first frame at once; only then does the network figure follow
    # (figure-request), so its redraw never delays the first frame.
    clientside(
        app, "load_episode",
        Output("player-sink", "data"),
        Output("episode-message", "children"),
        Output("figure-request", "data"),
        Input("episode-store", "data"),
    )
    clientside(
        app, "append_tail",
        Output("player-sink", "data", allow_duplicate=True),
        Output("episode-message", "children", allow_duplicate=True),
        Input("tail-store", "data"),
    )
    clientside(
        app, "player_action",
        Output("player-sink", "data", allow_duplicate=True),
        Input({"type": "player", "action": "toggle"}, "n_clicks"),
    )
    clientside(
        app, "set_speed",
        Output("player-sink", "data", allow_duplicate=True),
        Input("speed", "value"),
    )
    clientside(
        app, "next_seed",
        Output("seed-input", "value", allow_duplicate=True),
        Input("next-seed", "n_clicks"),
        State("seed-input", "value"),
    )
