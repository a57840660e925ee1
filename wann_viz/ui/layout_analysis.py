"""The analysis panels below the task panel: profile, conditions, evolution, compare, export.

Ids are defined once here (:data:`IDS`) and used by the callbacks. Long work
runs in Dash background jobs: each panel has its Run and Cancel buttons, an
``html.Progress`` bar and a status line.
"""

from __future__ import annotations

from dash import dcc, html

from .analysis import WEIGHT_CHOICES

TABS = (("profile", "Weight profile"), ("conditions", "Four conditions"), ("tune", "Fine-tune"),
        ("evolution", "Evolution"),
        ("compare", "Compare"), ("export", "Export"))
EXPORTS = (("svg", "Network (SVG)"), ("png", "Network (PNG)"), ("gif", "Rollout (GIF)"), ("json", "Genome (JSON)"),
           ("out", "Genome (.out + .wann.json)"), ("onnx", "Genome (ONNX)"), ("profile-csv", "Profile (CSV)"),
           ("conditions-csv", "Conditions (CSV)"))
SEARCH_LIMITS = {"population": (8, 64, 32), "generations": (1, 40, 16)}  # (min, max, default)


def _label(text: str, for_id: str, className: str = "field-label small") -> html.Label:
    return html.Label(text, htmlFor=for_id, id=f"{for_id}-label", className=className)


def _job_row(prefix: str, run_text: str) -> html.Div:
    """Run / Cancel buttons, a progress bar, the job's progress line (``<prefix>-status``, written by the
    job) and what the panel shows (``<prefix>-result``: "done", "from the cache", "not computed yet")."""
    return html.Div(className="job-row", children=[
        html.Button(run_text, id=f"{prefix}-run", className="btn primary"),
        html.Button("Cancel", id=f"{prefix}-cancel", className="btn", disabled=True),
        html.Progress(id=f"{prefix}-progress", value="0", max="1", className="job-progress",
                      **{"aria-label": f"{run_text}: progress"}),
        html.Span("", id=f"{prefix}-status", className="job-status", role="status", **{"aria-live": "polite"}),
        html.Span("", id=f"{prefix}-result", className="job-result", role="status"),
    ])


def _profile_tab() -> html.Div:
    return html.Div(className="analysis-pane", id="pane-profile", children=[
        html.P("Mean ± sd of the return (MNIST: test accuracy) at each shared weight, for the genome shown, "
               "with its knocked-out connections; episode i of every weight uses seed i. Click the curve to use "
               "that weight.", className="hint"),
        html.Div(className="row", children=[
            _label("Weights", "profile-weights"),
            html.Div(className="grow-small", children=dcc.Dropdown(
                id="profile-weights", value="fine", clearable=False, searchable=False,
                options=[{"label": t, "value": v} for v, t in WEIGHT_CHOICES.items()])),
            _label("Episodes per weight", "profile-episodes"),
            dcc.Input(id="profile-episodes", type="text", inputMode="numeric", value="", debounce=True,
                      className="number-input", autoComplete="off", placeholder="20"),
        ]),
        _job_row("profile", "Run profile"),
        html.Div(id="profile-message", className="message", role="alert"),
        dcc.Graph(id="profile-graph", config={"displayModeBar": False, "responsive": True},
                  figure={"data": [], "layout": {"height": 380}}),
    ])


def _conditions_tab() -> html.Div:
    return html.Div(className="analysis-pane", id="pane-conditions", children=[
        html.P("The paper's table for the genome shown: random weights U(-2, 2) per connection, one random "
               "shared weight per episode, the best shared weight in (-2, 2), and tuned weights when the genome "
               "has them. Episode i of every condition uses seed i.", className="hint"),
        html.Div(className="row", children=[
            _label("Episodes per condition", "conditions-episodes"),
            dcc.Input(id="conditions-episodes", type="text", inputMode="numeric", value="", debounce=True,
                      className="number-input", autoComplete="off", placeholder="100"),
        ]),
        _job_row("conditions", "Run the four conditions"),
        html.Div(id="conditions-message", className="message", role="alert"),
        html.Div(className="conditions-grid", children=[
            html.Div(id="conditions-table", className="conditions-table"),
            dcc.Graph(id="conditions-graph", config={"displayModeBar": False, "responsive": True},
                      figure={"data": [], "layout": {"height": 340}}),
        ]),
    ])


def _tune_tab() -> html.Div:
    from .callbacks_tune import LIMITS, TUNE_SECONDS

    lo_g, hi_g, def_g = LIMITS["generations"]
    lo_e, hi_e, def_e = LIMITS["episodes"]
    return html.Div(className="analysis-pane", id="pane-tune", children=[
        html.P(["The paper's fourth condition for the genome shown: one weight per connection, starting from its "
                "best shared weight. Episode tasks tune by CMA-ES (pycma) on the returns; MNIST by gradient "
                "(backpropagation, 100 steps per generation). At most ", f"{TUNE_SECONDS // 60} minutes here; ",
                html.Code("python -m wann_viz tune GENOME --out tuned.json"), " runs longer ones, with checkpoints."],
               className="hint"),
        html.Div(className="row", children=[
            _label("Generations", "tune-generations"),
            dcc.Input(id="tune-generations", type="text", inputMode="numeric", value=str(def_g), debounce=True,
                      className="number-input", autoComplete="off", placeholder=f"{lo_g} to {hi_g}"),
            _label("Episodes per candidate", "tune-episodes"),
            dcc.Input(id="tune-episodes", type="text", inputMode="numeric", value=str(def_e), debounce=True,
                      className="number-input", autoComplete="off", placeholder=f"{lo_e} to {hi_e}"),
        ]),
        _job_row("tune", "Tune the weights"),
        html.Div(id="tune-message", className="message", role="alert"),
        dcc.Graph(id="tune-graph", config={"displayModeBar": False, "responsive": True},
                  figure={"data": [], "layout": {"height": 300}}),
    ])


def _evolution_tab() -> html.Div:
    lo_p, hi_p, def_p = SEARCH_LIMITS["population"]
    lo_g, hi_g, def_g = SEARCH_LIMITS["generations"]
    return html.Div(className="analysis-pane", id="pane-evolution", children=[
        html.P("Open a search run: its best and mean fitness per generation, and the champion of each saved "
               "generation in the network view and the live episode (the article shows generations 8, 32, 128 "
               "and 1024).", className="hint"),
        html.Div(className="row", children=[
            _label("Run", "run-picker"),
            html.Div(className="grow", children=dcc.Dropdown(id="run-picker", options=[], value=None,
                                                             clearable=False, placeholder="Pick a search run")),
            html.Button("Refresh", id="run-refresh", className="btn small", title="Look for new runs"),
        ]),
        html.Div(id="run-info", className="hint", role="status"),
        dcc.Graph(id="run-fitness", config={"displayModeBar": False, "responsive": True},
                  figure={"data": [], "layout": {"height": 320}}),
        html.Div(className="row scrub-gen", children=[
            _label("Generation", "run-generation"),
            html.Div(className="grow", children=dcc.Slider(id="run-generation", min=0, max=1, step=None, value=None,
                                                           marks={}, included=False)),
        ]),
        html.Details(className="search-box", children=[
            html.Summary("Start a small search here"),
            html.P(f"Evolves a new network for the task of the genome shown, on this server: population "
                   f"{lo_p} to {hi_p}, {lo_g} to {hi_g} generations, a few minutes at most; one search per "
                   "browser tab at a time. Its champion improves as you watch; it appears in the run list.",
                   className="hint"),
            html.Div(className="row", children=[
                _label("Population", "search-population"),
                dcc.Input(id="search-population", type="text", inputMode="numeric", value=str(def_p),
                          className="number-input", autoComplete="off", debounce=True),
                _label("Generations", "search-generations"),
                dcc.Input(id="search-generations", type="text", inputMode="numeric", value=str(def_g),
                          className="number-input", autoComplete="off", debounce=True),
            ]),
            _job_row("search", "Start search"),
            html.Div(id="search-message", className="message", role="alert"),
        ]),
    ])


def _compare_side(side: str, title: str) -> html.Div:
    return html.Div(className="compare-side", children=[
        html.H3(title, className="compare-title"),
        _label("Genome", f"compare-genome-{side}"),
        dcc.Dropdown(id=f"compare-genome-{side}", options=[], value=None, clearable=False, searchable=True,
                     placeholder="the genome shown"),
        _label("Shared weight", f"compare-weight-{side}"),
        dcc.Input(id=f"compare-weight-{side}", type="text", inputMode="decimal", value="", className="number-input",
                  autoComplete="off", debounce=True),
        html.Div(id=f"compare-result-{side}", className="compare-result", role="status"),
    ])


def _compare_tab() -> html.Div:
    return html.Div(className="analysis-pane", id="pane-compare", children=[
        html.P("Two views side by side on the same seed: two weights, two genomes, or two generations of a run "
               "(pick them in the genome list; a run's generations appear there once opened).", className="hint"),
        html.Div(className="compare-grid", children=[_compare_side("a", "A"), _compare_side("b", "B")]),
        html.Div(className="row", children=[
            html.Button("Compare", id="compare-run", className="btn primary"),
            html.Button("A ⇄ current view", id="compare-fill", className="btn",
                        title="Fill A with the genome and weight shown above"),
        ]),
        html.Div(id="compare-message", className="message", role="status"),
        html.P("Both episodes play frame for frame; click either stage to pause or resume both.",
               className="hint"),
        html.Div(className="compare-stages hidden", children=[
            html.Canvas(id="compare-canvas-a", width=360, height=240, className="compare-canvas",
                        **{"aria-label": "Episode A", "role": "img"}),
            html.Canvas(id="compare-canvas-b", width=360, height=240, className="compare-canvas",
                        **{"aria-label": "Episode B", "role": "img"}),
        ]),
        dcc.Graph(id="compare-graph", config={"displayModeBar": False, "responsive": True},
                  figure={"data": [], "layout": {"height": 320}}),
    ])


def _export_tab() -> html.Div:
    return html.Div(className="analysis-pane", id="pane-export", children=[
        html.P(["Download what is shown. ", html.Code(".out"), " + ", html.Code(".wann.json"),
                " is the authors' format, which WANNTool fine-tunes; ONNX opens in Netron. The same writers run "
                "from the command line: ", html.Code("python -m wann_viz export GENOME --to onnx -o net.onnx"), "."],
               className="hint"),
        html.Div(className="row buttons export-buttons", children=[
            html.Button(text, id={"type": "export", "format": fmt}, className="btn") for fmt, text in EXPORTS
        ]),
        html.Div(id="export-message", className="message", role="status"),
        dcc.Download(id="export-download"),
    ])


def analysis_section() -> html.Section:
    """The analysis card (hidden in ``/embed`` with the rest of the page chrome)."""
    panes = {"profile": _profile_tab, "conditions": _conditions_tab, "tune": _tune_tab, "evolution": _evolution_tab,
             "compare": _compare_tab, "export": _export_tab}
    return html.Section(className="card analysis chrome", id="analysis", children=[
        html.H2("Analysis", className="card-title"),
        dcc.Tabs(id="analysis-tabs", value="profile", className="analysis-tabs", children=[
            dcc.Tab(label=title, value=key, children=panes[key]()) for key, title in TABS
        ]),
        dcc.Store(id="profile-cached"), dcc.Store(id="profile-computed"),
        dcc.Store(id="conditions-cached"), dcc.Store(id="conditions-computed"),
        dcc.Store(id="run-choice"),  # {"key": "run:<name>:<generation>"}: the scrubber's pick
        dcc.Store(id="search-session", storage_type="session"),  # this tab's id (one search at a time)
        dcc.Store(id="search-done"),  # {"run"}: the search that finished
        dcc.Store(id="search-live"),  # {"run", "generation"}: the running search's progress
        dcc.Store(id="tune-done"),  # {"key", "secret"}: the tuned genome, kept as this browser's upload
        dcc.Store(id="tune-live"),  # the running tuning's history
        dcc.Store(id="compare-store"),
        dcc.Store(id="compare-sink"),
    ])
