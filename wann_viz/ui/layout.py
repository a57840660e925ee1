"""The page: one layout for both ``/`` and ``/embed``.

``/embed`` shows the same components; the root gets the class ``embed`` and
CSS hides everything marked ``chrome`` (header, sidebar, tabs, footer). All
per-user state lives in the ``dcc.Store`` components listed at the bottom.

Accessible names: the genome picker, the weight slider and the MNIST digit
choice are labelled by their ``<label>`` through ``data-a11y-label`` (see
``assets/wann_a11y.js``, because Dash's Dropdown, Slider and RadioItems do not
take ``aria-*`` props).

The MNIST panel's parts carry the class ``mnist-only``: CSS shows them only
while the panel has the class ``mnist`` (an MNIST genome on the MNIST tab).
"""

from __future__ import annotations

from dash import dcc, html

from .catalog import MAX_UPLOAD_BYTES, panel_title, panels
from .layout_analysis import analysis_section
from .mnist_panel import ALL as ALL_DIGITS
from .mnist_panel import N_TEST
from .url_state import SLIDER_MAX, SLIDER_MIN, WEIGHT_MAX, WEIGHT_MIN

PAPER_URL = "https://weightagnostic.github.io/"
SPEEDS = [(0.5, "½×"), (1, "1×"), (2, "2×"), (4, "4×")]


def _label(text: str, for_id: str, label_id: str | None = None, className: str = "field-label") -> html.Label:
    return html.Label(text, htmlFor=for_id, id=label_id or f"{for_id}-label", className=className)


def _genome_card() -> html.Section:
    return html.Section(className="card chrome", children=[
        _label("Genome", "genome-picker"),
        html.Div(**{"data-a11y-label": "genome-picker-label"}, children=dcc.Dropdown(
            id="genome-picker", options=[], value=None, clearable=False, searchable=True,
            placeholder="Pick a genome", maxHeight=360,
        )),
        html.Div(id="genome-info", className="genome-info"),
    ])


def _upload_card() -> html.Section:
    return html.Section(className="card chrome", children=[
        html.H2("Upload a genome", className="card-title"),
        html.Div(id="upload-wrap", **{"data-max-bytes": str(MAX_UPLOAD_BYTES)}, children=dcc.Upload(
            id="upload", max_size=MAX_UPLOAD_BYTES, accept=".out,.json", multiple=False,
            className="upload-box", className_active="upload-box active", className_reject="upload-box reject",
            children=html.Div([
                html.Span("Drop a "), html.Code(".out"), html.Span(" matrix or a native "), html.Code(".json"),
                html.Span(" genome here, or "), html.Span("choose a file", className="link-like"),
                html.Div(f"Checked by the genome loader; at most {MAX_UPLOAD_BYTES // 1024} KB.", className="hint"),
            ]),
        )),
        html.Div(className="row", children=[
            _label("Task of a .out file", "upload-task"),
            html.Div(className="grow", **{"data-a11y-label": "upload-task-label"}, children=dcc.Dropdown(
                id="upload-task", clearable=False, searchable=False, value="auto",
                options=[{"label": "guess from the file name", "value": "auto"}]
                + [{"label": panel_title(p), "value": p} for p in panels()],
            )),
        ]),
        html.Div(id="upload-message", className="message", role="alert", **{"aria-live": "assertive"}),
    ])


def _tuning_card() -> html.Section:
    return html.Section(className="card chrome", id="tuning-card", children=[
        html.H2("Connection weights and knockouts", className="card-title"),
        html.P("Click a connection's dot in the network (or pick it from the list) to select it, then give it "
               "its own weight.", className="hint"),
        _label("Connection", "edge-picker"),
        html.Div(**{"data-a11y-label": "edge-picker-label"}, children=dcc.Dropdown(
            id="edge-picker", options=[], value=None, clearable=True, searchable=True,
            placeholder="Pick a connection", maxHeight=300,
        )),
        html.Div(id="edge-info", className="edge-info", children="No connection selected."),
        html.Div(className="row", children=[
            _label("Connection weight", "edge-weight"),
            dcc.Input(id="edge-weight", type="number", step="any", debounce=True, disabled=True,
                      className="number-input"),
            html.Button("Set weight", id={"type": "edge-action", "action": "set"}, disabled=True,
                        className="btn"),
        ]),
        html.Div(className="row buttons", children=[
            html.Button("Knock out / restore", id={"type": "edge-action", "action": "knock"}, className="btn",
                        title="A knocked-out connection carries nothing (weight 0); click again to restore it"),
            html.Button("Reset this connection", id={"type": "edge-action", "action": "reset"}, disabled=True,
                        className="btn"),
            html.Button("Reset all connections", id={"type": "edge-action", "action": "reset-all"},
                        className="btn"),
            html.Button("Load tuned weights", id={"type": "edge-action", "action": "tuned"}, className="btn primary",
                        title="The genome's individually tuned weights (the paper's 4th condition)"),
        ]),
        html.H3("Break it: knock out a node", className="card-subtitle"),
        html.P("Click a node in the network, then knock it out: every connection leaving it carries nothing. "
               "Knockouts are part of the link.", className="hint"),
        html.Div(id="node-info", className="edge-info", children="No node selected."),
        html.Div(className="row buttons", children=[
            html.Button("Knock out or restore the node", id={"type": "edge-action", "action": "knock-node"},
                        className="btn", disabled=True),
        ]),
        html.Div(id="weights-message", className="message", role="status"),
        html.Div(id="weights-summary", className="hint"),
    ])


def _weight_control() -> html.Div:
    marks = {v: f"{v:g}" for v in (-2, -1, 0, 1, 2)}
    return html.Div(className="weight-control", children=[
        html.Div(className="weight-head", children=[
            _label("Shared weight", "weight-slider"),
            html.Div(className="weight-number", children=[
                _label("Exact value", "weight-input", className="field-label small"),
                # Text, not type=number: a number box silently drops "0,5"; the page reads it itself.
                dcc.Input(id="weight-input", type="text", inputMode="decimal", value="-1.5", debounce=True,
                          autoComplete="off", className="number-input weight-box",
                          placeholder=f"{WEIGHT_MIN:g} to {WEIGHT_MAX:g}"),
            ]),
        ]),
        html.Div(className="weight-row", children=[
            html.Span("◀", id="weight-below", className="beyond below", title="the weight is below the slider"),
            html.Div(className="weight-slider", **{"data-a11y-label": "weight-slider-label"}, children=dcc.Slider(
                id="weight-slider", min=SLIDER_MIN, max=SLIDER_MAX, step=0.01, value=-1.5, marks=marks,
                updatemode="mouseup", allow_direct_input=False, included=False,
                tooltip={"placement": "bottom", "always_visible": False},
            )),
            html.Span("▶", id="weight-above", className="beyond above", title="the weight is above the slider"),
        ]),
        html.Div(id="weight-message", className="message", role="alert", **{"aria-live": "assertive"}),
    ])


def _playback() -> html.Div:
    return html.Div(className="playback", id="playback", children=[
        html.Div(className="row buttons playback-buttons", children=[
            html.Button("▶ Play", id={"type": "player", "action": "toggle"}, className="btn primary play-toggle",
                        title="Play or pause (Space)", **{"aria-label": "Play"}),
            html.Button("⟲ Restart", id={"type": "player", "action": "restart"}, className="btn",
                        title="Run the episode the controls describe from step 0", **{"aria-label": "Restart"}),
            html.Div(className="speed", children=[
                html.Span("Speed", id="speed-label", className="field-label small"),
                dcc.RadioItems(id="speed", value=1, inline=True,
                               options=[{"label": t, "value": v} for v, t in SPEEDS]),
            ]),
        ]),
        html.Div(className="row scrub-row", children=[
            _label("Step", "scrubber", className="field-label small"),
            html.Div(className="scrub-wrap", children=[
                dcc.Input(id="scrubber", type="range", min=0, max=1000, step=1, value=0, className="scrubber"),
                html.Div(id="schedule-marks", className="schedule-marks", **{"aria-hidden": "true"}),
            ]),
            html.Span("step 0 / 0", id="step-readout", className="readout"),
        ]),
        html.Div(id="schedule-text", className="hint schedule-text", role="status"),
        html.Div(className="row returns", children=[
            html.Div(["Return so far ", html.Strong("—", id="return-now")], className="readout"),
            html.Div(["Final return ", html.Strong("—", id="return-final")], className="readout"),
            html.Span("", id="player-status", className="player-status", role="status"),
        ]),
        html.Div(className="seed-row", children=[
            html.Div(className="row", children=[
                _label("Seed", "seed-input", className="field-label small"),
                dcc.Input(id="seed-input", type="text", inputMode="numeric", value="0", debounce=True,
                          autoComplete="off", className="number-input seed-box"),
                html.Button("Next seed", id="next-seed", className="btn"),
            ]),
            html.Div(id="seed-message", className="message", role="alert", **{"aria-live": "assertive"}),
        ]),
        html.Div(id="episode-message", className="message", role="alert"),
        html.Div(id="request-failed", className="message request-failed", role="alert", hidden=True, children=[
            html.Div(className="error", children=[
                html.Span("The server did not answer, so the episode shown is not the one the controls ask "
                          "for. ", id="request-failed-text"),
                html.Button("Retry", id="retry-request", className="btn small"),
            ]),
        ]),
    ])


def _graph(graph_id: str, height: int, label: str) -> html.Div:
    """A figure without mode bar, in a wrapper that gives it an accessible name."""
    return html.Div(role="figure", className="mnist-graph", **{"aria-label": label}, children=dcc.Graph(
        id=graph_id, config={"displayModeBar": False, "responsive": True},
        figure={"data": [], "layout": {"height": height}}))


def _mnist_readout() -> html.Div:
    return html.Div(className="mnist-only mnist-readout-wrap", children=[
        dcc.Loading(type="dot", delay_show=400, children=html.Div(
            id="mnist-readout", className="mnist-readout", role="status", **{"aria-live": "polite"})),
        # Written by the page while the slider is dragged (assets/wann_clientside.js).
        html.Div(id="mnist-follow", className="mnist-follow", role="status"),
    ])


def _mnist_cards() -> list:
    """Digit masks and accuracy by weight side by side, then the test-image browser."""
    digits = html.Section(className="card mnist-only", id="mnist-digits-card", children=[
        html.H2("Which pixels reach each digit?", className="card-title"),
        html.P("The network has one output per digit; the highest output is its answer. Choose a digit to see "
               "the input pixels that have a path to that output (and, in the network below, the part that "
               "carries them).", className="hint"),
        html.Div(className="digit-row", children=[
            html.Span("Digit", id="mnist-digit-label", className="field-label"),
            html.Div(**{"data-a11y-label": "mnist-digit-label"}, children=dcc.RadioItems(
                id="mnist-digit", value=ALL_DIGITS, inline=True, className="digit-picker",
                labelClassName="digit-choice",
                options=[{"label": "All", "value": ALL_DIGITS}]
                + [{"label": str(d), "value": str(d)} for d in range(10)],
            )),
        ]),
        _graph("mnist-mask", 420, "Mask: input pixels that reach the chosen output"),
        html.P(id="mnist-mask-caption", className="hint mnist-caption"),
    ])
    profile = html.Section(className="card mnist-only", id="mnist-profile-card", children=[
        html.H2("Digit accuracy by weight", className="card-title"),
        html.P(["Each row is one digit: the colour shows how many of its test images the network gets right at "
                "each shared weight (all 10,000 test images). Top: all digits together. ",
                html.Span("Amber", className="amber"), ": the slider's weight; ",
                html.Span("dashed green", className="green"), ": the six-weight ensemble. At weight 0 the outputs "
                "no longer depend on the image, so every image gets the same answer."], className="hint"),
        dcc.Loading(type="circle", delay_show=250, children=_graph(
            "mnist-profile", 480, "Accuracy by weight for each class")),
    ])
    images = html.Section(className="card mnist-only", id="mnist-images-card", children=[
        html.H2("Try it on test images", className="card-title"),
        html.Div(className="row", children=[
            _label("Test image", "mnist-image-input", className="field-label"),
            dcc.Input(id="mnist-image-input", type="text", inputMode="numeric", value="0", debounce=True,
                      className="number-input image-input", placeholder=f"0 to {N_TEST - 1}", autoComplete="off"),
            html.Button("◀ Previous", id="mnist-image-prev", className="btn", **{"aria-label": "Previous image"}),
            html.Button("Next ▶", id="mnist-image-next", className="btn primary", **{"aria-label": "Next image"}),
            html.Button("Next mistake", id="mnist-image-mistake", className="btn",
                        title="The next test image the network gets wrong at the current weight"),
            html.Span(f"of {N_TEST:,} test images", className="hint"),
        ]),
        html.Div(id="mnist-image-message", className="message", role="alert"),
        html.Div(id="mnist-verdict", className="mnist-verdict-wrap", role="status", **{"aria-live": "polite"}),
        html.Div(className="mnist-image-row", children=[
            _graph("mnist-original", 250, "The original test image"),
            _graph("mnist-input", 250, "The network's 16 by 16 input"),
            _graph("mnist-probabilities", 250, "The network's answer as probabilities"),
        ]),
    ])
    return [html.Div(className="mnist-grid mnist-only", children=[digits, profile]), images]


def _network_card() -> html.Section:
    return html.Section(className="network-card", id="network-card", children=[
        html.H2("Network", className="card-title"),
        # doubleClick off: two quick clicks on two connections are two selections, not a zoom reset.
        dcc.Graph(id="network-graph", config={"displaylogo": False, "scrollZoom": False, "responsive": True,
                                              "doubleClick": False,
                                              "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                  figure={"data": [], "layout": {"height": 420}}),
        html.Div(id="node-formula", className="node-formula", role="status", **{"aria-live": "polite"},
                 children=html.Span("Click a node to see its formula at the current step.", className="hint")),
        html.Details(className="network-help", open=True, children=[
            html.Summary("How to read it"),
            html.P(className="hint", children=[
                "Inputs left, outputs right, hidden nodes by layer, named by their activation. The halo shows a "
                "node's value at the current step (", html.Span("blue", className="pos"), " positive, ",
                html.Span("red", className="neg"), " negative, size = magnitude). While playing, an edge's "
                "colour and width show the signal it carries (source value × weight); paused, its weight. Click "
                "a node to see what it computes, or a connection's dot to tune it.",
            ]),
            html.P(className="hint mnist-only", children=[
                "MNIST: the 256 pixel inputs are the small dots on the left (hover one to see which pixel). "
                "In colour: the part of the network that feeds the digit chosen above; grey: the rest.",
            ]),
        ]),
    ])


def _vae_view() -> html.Div:
    """CarRacing: the VAE's reconstruction of the current frame from the 16 numbers the racer reads."""
    return html.Div(className="carracing-only vae-view", children=[
        html.Img(id="vae-recon", className="vae-recon", alt="The VAE's reconstruction of the current frame"),
        html.Div(children=[
            html.H4("What the racer sees"),
            html.P(id="vae-recon-note", className="hint", children=(
                "The racer never sees the picture: it reads the VAE's 16-number code of each frame "
                "(the bars). This is that code decoded back into a picture.")),
        ]),
        dcc.Interval(id="vae-tick", interval=500),
        dcc.Store(id="vae-latent"),
    ])


def _panel() -> html.Div:
    """The task panel, a grid: stage | controls and network (CSS places the parts per panel and width)."""
    return html.Div(id="panel", className="panel", children=[
        html.Div(id="stage-placeholder", className="placeholder", role="note"),
        html.Div(className="stage-col", children=[
            html.Div(id="stage", className="stage", children=[
                html.Canvas(id="stage-canvas", width=600, height=600, className="stage-canvas",
                            **{"aria-label": "Task animation", "role": "img"}),
            ]),
            _vae_view(),
        ]),
        html.Div(className="controls-col", children=[_weight_control(), _mnist_readout(), _playback()]),
        *_mnist_cards(),
        _network_card(),
    ])


def _share_box() -> html.Div:
    return html.Div(className="share", children=[
        html.Div(className="share-row", children=[
            _label("Link to this view", "share-link", className="field-label small"),
            dcc.Input(id="share-link", type="text", readOnly=True, value="", className="share-input"),
            html.Button("Copy", id="copy-link", className="btn small copy-btn", **{"data-copy": "share-link"},
                        title="Copy the link"),
            html.Button("Make a short link", id="short-link", className="btn small", hidden=True),
            html.Button("Projector", id="projector-toggle", className="btn small", **{"aria-pressed": "false"},
                        title="Larger type and colour-blind-safe colours, for a projector"),
        ]),
        html.Div(className="share-row", children=[
            html.Details(className="embed-details", children=[
                html.Summary("Embed this panel in a page"),
                html.Div(className="share-row", children=[
                    dcc.Input(id="embed-code", type="text", readOnly=True, value="", className="share-input"),
                    html.Button("Copy", id="copy-embed", className="btn small copy-btn",
                                **{"data-copy": "embed-code"}, title="Copy the embed code"),
                ]),
                html.P(["Add ", html.Code("hide=network,seed,..."), " to the link to leave parts out."],
                       className="hint"),
            ]),
            html.Div(id="share-note", className="hint", role="status"),
            html.Button("Make a share link", id="share-upload", className="btn small", hidden=True,
                        **{"aria-label": "Make a share link for this upload"}),
        ]),
    ])


def build_layout() -> html.Div:
    """The whole page (main view and ``/embed`` share it)."""
    return html.Div(id="app-root", className="app", children=[
        dcc.Location(id="url", refresh=False),
        html.Header(className="app-header chrome", children=[
            html.Div(className="title", children=[
                html.H1("WANN Explorer"),
                html.P(["Weight Agnostic Neural Networks (Gaier & Ha, 2019): every connection shares one weight. ",
                        html.A("Read the article", href=PAPER_URL, target="_blank", rel="noopener")],
                       className="subtitle"),
            ]),
            _share_box(),
        ]),
        html.Div(id="notices", className="notices", role="status"),
        html.Div(className="app-body", children=[
            html.Aside(className="sidebar chrome", children=[_genome_card(), _upload_card(), _tuning_card()]),
            html.Main(className="main", children=[
                html.Div(className="chrome", **{"data-a11y-tabs": "Panels"}, children=dcc.Tabs(
                    id="panel-tabs", value=panels()[0], className="panel-tabs", parent_className="panel-tabs-parent",
                    children=[dcc.Tab(label=panel_title(p), value=p) for p in panels()])),
                _panel(),
                analysis_section(),
            ]),
        ]),
        html.Footer(className="app-footer chrome", children=[
            "The authors' champion genomes and tuned weights: google/brain-tokyo-workshop (WANNRelease), "
            "Apache License 2.0, Copyright Google LLC.",
        ]),
        # Per-user state (browser memory; nothing per user is kept on the server).
        dcc.Store(id="uploads-store", data={}, storage_type="local"),  # {upload key: this browser's credential}
        dcc.Store(id="genome-meta"),
        dcc.Store(id="weights-store"),
        dcc.Store(id="selected-edge"),
        dcc.Store(id="selected-node"),  # {"genome", "node"}: the node chosen for a knockout
        dcc.Store(id="request-store"),
        dcc.Store(id="episode-store"),
        dcc.Store(id="tail-request"),
        dcc.Store(id="tail-store"),
        dcc.Store(id="figure-request"),
        dcc.Store(id="player-sink"),
        dcc.Store(id="url-sink"),
        dcc.Store(id="mnist-index", data=0),  # the MNIST test image shown
        dcc.Store(id="view-store"),  # a link's weight schedule, for its first episode
        dcc.Store(id="page-store", data={"hide": [], "mode": None}),  # a link's hide flags and mode
        dcc.Store(id="short-sink"),  # a short link just made
    ])
