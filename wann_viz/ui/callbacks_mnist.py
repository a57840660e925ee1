"""The MNIST panel: digit masks, accuracy at the current weight, accuracy by weight, test images.

The logic lives in plain functions that tests call directly; :func:`register`
wires them to the app. The weights come from the episode request
(``request-store``, built in the browser from the slider, the number box and
the weights store), so the panel always shows what the slider says, and
per-connection weights (tuned or set by hand) count too. Per-user state is
in the page: the digit selector's value and the ``mnist-index`` store (the
test image shown). Results are cached on the server by content only
(:mod:`wann_viz.ui.mnist_panel`).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, html, no_update

from ..genome import Genome, GenomeError
from . import figures_mnist as fm
from . import mnist_panel as mp
from .catalog import Catalog, resolve_genome
from .episodes import RequestError, normalize_request
from .limits import live_refusal
from .url_state import format_weight

NAV_ACTIONS = ("prev", "next", "mistake")
NOT_MNIST = "Pick an MNIST genome to see this."


def _mnist_request(request: Any, uploads: Any, catalog: Catalog) -> tuple[dict, Genome] | None:
    """The checked request and its genome when it names an MNIST genome, else ``None``."""
    if not isinstance(request, dict):
        return None
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError):
        return None
    return (req, genome) if mp.is_mnist(genome) and live_refusal(genome) is None else None


def _mnist_genome(meta: Any, uploads: Any, catalog: Catalog) -> Genome | None:
    if not isinstance(meta, dict) or not isinstance(meta.get("task"), str):
        return None
    try:
        genome = resolve_genome(catalog, meta.get("key"), uploads)
    except GenomeError:
        return None
    return genome if mp.is_mnist(genome) and live_refusal(genome) is None else None


def _stat(value: str, words: list, stat_id: str) -> html.Div:
    return html.Div(className="mnist-stat", children=[
        html.Div(value, className="mnist-stat-value", id=stat_id), html.Div(words, className="mnist-stat-words")])


def readout(request: Any, uploads: Any, catalog: Catalog) -> list:
    """Accuracy at the current weights on all 10,000 test images, and the ensemble's accuracy."""
    found = _mnist_request(request, uploads, catalog)
    if found is None:
        try:
            _, genome = normalize_request(request, catalog, uploads)
        except (RequestError, GenomeError, AttributeError):
            return []
        refusal = live_refusal(genome) if mp.is_mnist(genome) else None
        return [html.Div(refusal, className="error")] if refusal else []
    req, genome = found
    setting = mp.weight_setting(genome, req)
    now = mp.accuracy_now(genome, setting)
    ens = mp.ensemble(genome)
    ens_w = ", ".join(format_weight(w) for w in mp.ENSEMBLE_WEIGHTS)
    return [
        _stat(f"{100 * now.accuracy:.1f}%", [
            "right at ", html.Strong(setting.description), html.Br(),
            f"{now.right:,} of {now.total:,} test images"], "mnist-accuracy"),
        _stat(f"{100 * ens:.1f}%", [
            "right when six weights vote", html.Br(), f"(ensemble of {ens_w})"], "mnist-ensemble"),
        html.Div("Guessing at random gets 10%.", className="hint mnist-chance"),
    ]


def mask_view(digit: Any, meta: Any, uploads: Any, catalog: Catalog) -> tuple[dict, Any]:
    """The 16x16 mask of the chosen digit (or all ten), and a sentence about it."""
    genome = _mnist_genome(meta, uploads, catalog)
    if genome is None:
        return fm.empty_figure(NOT_MNIST), ""
    choice = mp.parse_digit(digit)
    if choice is None:
        choice = mp.ALL
    masks = mp.digit_masks(genome)
    means = mp.digit_means()
    reach_any = int(masks.any(axis=0).sum())
    if choice == mp.ALL:
        fig = fm.mask_grid_figure(masks, means)
        text = (f"Coloured pixels have a path to that digit's output; grey ones are ignored by it. "
                f"{reach_any} of 256 pixels reach at least one digit.")
    else:
        fig = fm.mask_figure(masks[choice].reshape(16, 16), choice, means[choice])
        text = (f"The {int(masks[choice].sum())} coloured pixels have a path to the output for {choice}; "
                f"the network cannot see the rest when it scores a {choice}. "
                "In grey: the average test image of this digit.")
    return fig, text


def network_highlight(genome: Genome, digit: Any):
    """The network view's highlight for an MNIST genome (``None`` for other genomes)."""
    if not mp.is_mnist(genome):
        return None
    choice = mp.parse_digit(digit)
    return fm.digit_highlight(genome, mp.ALL if choice is None else choice)


def profile_view(request: Any, uploads: Any, catalog: Catalog) -> dict:
    """The digit-accuracy-by-weight heatmap with the current weight marked (the grid is cached per genome)."""
    found = _mnist_request(request, uploads, catalog)
    if found is None:
        return fm.empty_figure(NOT_MNIST, 480)
    req, genome = found
    prof = mp.profile(genome)
    w = float(req["weight"])
    now = mp.accuracy_now(genome, mp.shared_setting(w)).accuracy
    return fm.profile_figure(prof.weights, prof.per_digit, prof.overall, w, now, mp.ensemble(genome))


def _error(text: str) -> html.Div:
    return html.Div(text, className="error")


def choose_image(trigger: Any, value: Any, current: Any, request: Any, uploads: Any,
                 catalog: Catalog) -> tuple[Any, Any, Any]:
    """Which test image to show after a typed number or a button.

    Args:
        trigger: ``"input"`` (the number box) or one of :data:`NAV_ACTIONS`.
        value: the number box's text.
        current: the ``mnist-index`` store (the image shown).

    Returns:
        ``(index for the store, text for the number box, message)``; ``no_update`` where nothing changes.
    """
    try:
        now = mp.parse_image_index(current)
    except mp.ImageIndexError:
        now = 0
    if trigger == "input":
        try:
            index = mp.parse_image_index(value)
        except mp.ImageIndexError as exc:
            return no_update, no_update, _error(f"{exc} Still showing image {now}.")
        return (index if index != now else no_update), no_update, ""
    if trigger in ("prev", "next"):
        index = (now + (1 if trigger == "next" else -1)) % mp.N_TEST
        return index, str(index), ""
    if trigger == "mistake":
        found = _mnist_request(request, uploads, catalog)
        if found is None:
            return no_update, no_update, _error(NOT_MNIST)
        req, genome = found
        setting = mp.weight_setting(genome, req)
        index = mp.next_mistake(genome, setting, now)
        if index is None:
            return no_update, no_update, html.Div(f"No mistakes at {setting.description}: every test image is right.",
                                                  className="ok")
        return index, str(index), ""
    return no_update, no_update, no_update


def image_view(index: Any, digit: Any, request: Any, uploads: Any, catalog: Catalog) -> tuple[dict, dict, dict, Any]:
    """One test image: the original, the network's 16x16 input, its answer as probabilities, and a sentence.

    The chosen digit's mask (if one digit is chosen) is outlined on the 16x16 input.
    """
    found = _mnist_request(request, uploads, catalog)
    if found is None:
        blank = fm.empty_figure(NOT_MNIST)
        return blank, blank, blank, ""
    req, genome = found
    try:
        i = mp.parse_image_index(index)
    except mp.ImageIndexError as exc:
        blank = fm.empty_figure(str(exc))
        return blank, blank, blank, ""
    setting = mp.weight_setting(genome, req)
    r = mp.run_image(genome, i, setting)
    choice = mp.parse_digit(digit)
    mask = None
    input_title = "Network input (16×16)"
    if isinstance(choice, int):
        mask = mp.digit_masks(genome)[choice].reshape(16, 16)
        input_title = f"Input (16×16); boxed: seen by {choice}"
    original = fm.image_figure(r.image, f"Test image {i} (28×28)", vmax=255)
    small = fm.image_figure(r.inputs, input_title, vmax=1.0, mask=mask, mask_colour=fm.DIGIT_COLOURS[choice]
                            if isinstance(choice, int) else fm.SELECTED)
    probs = fm.probability_figure(r.probabilities, r.predicted, r.label)
    right = r.predicted == r.label
    p = r.probabilities[r.predicted] if r.probabilities is not None else float("nan")
    sure = f" ({100 * p:.0f}% sure)" if p == p else ""
    caption = html.Div(className="mnist-verdict " + ("right" if right else "wrong"), children=[
        html.Span(f"Label {r.label}. "),
        html.Span(f"The network says {r.predicted}{sure}: "),
        html.Strong("right ✓" if right else "wrong ✗"),
    ])
    return original, small, probs, caption


def register(app, catalog: Catalog) -> None:
    """Wire the MNIST callbacks to ``app``."""

    @app.callback(Output("mnist-readout", "children"), Input("request-store", "data"),
                  State("uploads-store", "data"), prevent_initial_call=True)
    def _readout(request, uploads):
        return readout(request, uploads, catalog)

    @app.callback(Output("mnist-mask", "figure"), Output("mnist-mask-caption", "children"),
                  Input("mnist-digit", "value"), Input("genome-meta", "data"), State("uploads-store", "data"))
    def _masks(digit, meta, uploads):
        return mask_view(digit, meta, uploads, catalog)

    @app.callback(Output("mnist-profile", "figure"), Input("request-store", "data"),
                  State("uploads-store", "data"), prevent_initial_call=True)
    def _profile(request, uploads):
        return profile_view(request, uploads, catalog)

    @app.callback(Output("mnist-index", "data"), Output("mnist-image-input", "value", allow_duplicate=True),
                  Output("mnist-image-message", "children"),
                  Input("mnist-image-input", "value"), Input("mnist-image-prev", "n_clicks"),
                  Input("mnist-image-next", "n_clicks"), Input("mnist-image-mistake", "n_clicks"),
                  State("mnist-index", "data"), State("request-store", "data"), State("uploads-store", "data"),
                  prevent_initial_call=True)
    def _choose(value, _prev, _next, _mistake, current, request, uploads):
        trigger = {"mnist-image-input": "input", "mnist-image-prev": "prev", "mnist-image-next": "next",
                   "mnist-image-mistake": "mistake"}.get(ctx.triggered_id)
        return choose_image(trigger, value, current, request, uploads, catalog)

    @app.callback(Output("mnist-original", "figure"), Output("mnist-input", "figure"),
                  Output("mnist-probabilities", "figure"), Output("mnist-verdict", "children"),
                  Input("mnist-index", "data"), Input("mnist-digit", "value"), Input("request-store", "data"),
                  State("uploads-store", "data"), prevent_initial_call=True)
    def _image(index, digit, request, uploads):
        return image_view(index, digit, request, uploads, catalog)
