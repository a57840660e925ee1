"""The MNIST panel's callbacks as plain functions, against a catalog folder in tmp_path."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from dash import no_update

from wann_viz import mnist_eval
from wann_viz.genome import save_genome
from wann_viz.tasks.mnist import load_mnist
from wann_viz.ui import callbacks_genome as cg
from wann_viz.ui import callbacks_mnist as cm
from wann_viz.ui import callbacks_weights as cw
from wann_viz.ui import mnist_panel as mp
from wann_viz.ui.catalog import Catalog
from wann_viz.ui.url_state import ViewState, format_query, parse_view

SAVED = Path(__file__).resolve().parents[2] / "saved_genomes"
KEY = "tiny-mnist"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory, tiny_mnist):
    folder = tmp_path_factory.mktemp("genomes")
    save_genome(tiny_mnist, folder / f"{KEY}.json")
    shutil.copy(SAVED / "swingup-authors.json", folder)
    mp.clear_caches()
    return Catalog(folder)


@pytest.fixture(scope="module")
def genome(catalog):
    return catalog[KEY].genome


def request(**kw):
    req = {"genome": KEY, "seed": 0, "weight": 1.0, "base": "shared", "edits": {}, "schedule": None,
           "start_frame": 0, "autoplay": True, "nonce": 1}
    req.update(kw)
    return req


def text_of(children) -> str:
    return json.dumps([c.to_plotly_json() if hasattr(c, "to_plotly_json") else c for c in children], default=str)


def trace(fig, meta):
    return [t for t in fig["data"] if t.get("meta") == meta]


# ----- accuracy -------------------------------------------------------------------------------

@pytest.mark.parametrize("w", [1.0, -2.0, 0.37])
def test_accuracy_matches_mnist_eval(catalog, genome, w):
    expected = float(mnist_eval.accuracy(genome, w)[0])
    out = cm.readout(request(weight=w), {}, catalog)
    text = text_of(out)
    assert f"{100 * expected:.1f}%" in text and f"{round(expected * 10_000):,} of 10,000" in text
    assert mp.accuracy_now(genome, mp.shared_setting(w)).accuracy == expected
    ensemble = mnist_eval.ensemble_accuracy(genome)
    assert f"{100 * ensemble:.1f}%" in text and mp.ensemble(genome) == ensemble


def test_accuracy_changes_with_the_weight(catalog):
    a = text_of(cm.readout(request(weight=1.0), {}, catalog))
    b = text_of(cm.readout(request(weight=-2.0), {}, catalog))
    assert a != b


def test_accuracy_with_per_connection_weights(catalog, genome):
    out = text_of(cm.readout(request(edits={"3": -1.5}), {}, catalog))
    cw_ = np.full(genome.n_connections, 1.0)
    cw_[3] = -1.5
    _, x, y = load_mnist("test")
    pred = mnist_eval.evaluator(genome).predict(x, connection_weights=cw_[None])[0]
    assert f"{100 * (pred == y).mean():.1f}%" in out and "1 connection set by hand" in out


def test_readout_is_empty_for_other_genomes_and_bad_requests(catalog):
    assert cm.readout(request(genome="swingup-authors", weight=-1.5), {}, catalog) == []
    for bad in (None, "junk", request(genome="nope"), request(weight="x"), request(weight=1e9)):
        assert cm.readout(bad, {}, catalog) == []


def test_results_are_cached_by_content(genome, tiny_mnist):
    assert mp.genome_digest(genome) == mp.genome_digest(tiny_mnist)  # loaded copy, same content
    other = genome.with_changes(activations=np.where(np.arange(genome.n_nodes) == genome.n_nodes - 1, 1,
                                                      genome.activations))
    assert mp.genome_digest(other) != mp.genome_digest(genome)
    a = mp.predicted_digits(genome, mp.shared_setting(1.0))
    assert mp.predicted_digits(tiny_mnist, mp.shared_setting(1.0)) is a  # the cache answered
    assert not a.flags.writeable


# ----- digit accuracy by weight -----------------------------------------------------------------

def test_profile_matches_per_digit_accuracy(catalog, genome):
    fig = cm.profile_view(request(weight=0.5), {}, catalog)
    (heat,) = trace(fig, "digit-accuracy")
    expected = mnist_eval.per_digit_accuracy(genome, mnist_eval.PROFILE_WEIGHTS)
    assert np.allclose(np.array(heat["z"]), np.round(100 * expected.T, 1))
    assert heat["x"] == list(mnist_eval.PROFILE_WEIGHTS)
    (now,) = trace(fig, "current")
    assert now["x"] == [0.5]
    assert now["y"] == [round(100 * float(mnist_eval.accuracy(genome, 0.5)[0]), 2)]
    assert mp.profile(genome) is mp.profile(genome)  # computed once per genome
    assert "annotations" in cm.profile_view(request(genome="swingup-authors", weight=-1.5), {}, catalog)["layout"]


# ----- masks and the network view -------------------------------------------------------------

def test_mask_view_for_one_digit_and_for_all(catalog, wiring):
    meta = {"key": KEY, "task": "mnist"}
    fig, text = cm.mask_view("3", meta, {}, catalog)
    (mask,) = trace(fig, "mask")
    lit = {r * 16 + c for r, row in enumerate(mask["z"]) for c, v in enumerate(row) if v is not None}
    assert lit == set(wiring.direct(3)) and "8 coloured pixels" in text
    fig, text = cm.mask_view("all", meta, {}, catalog)
    assert len(trace(fig, "mask")) == 10 and "reach at least one digit" in text
    fig, _ = cm.mask_view("<script>", meta, {}, catalog)  # anything else: all digits
    assert len(trace(fig, "mask")) == 10
    fig, text = cm.mask_view("3", {"key": "swingup-authors", "task": "swingup"}, {}, catalog)
    assert not fig["data"] and text == ""


def test_network_view_highlights_the_digit(catalog):
    fig = cw.network_view(request(), None, {}, catalog, digit="2")
    assert trace(fig, "edges-dim") and trace(fig, "edges")
    fig = cw.network_view(request(), None, {}, catalog, digit="all")
    assert any(t["name"] == "feeds several digits" for t in trace(fig, "legend"))
    plain = cw.network_view(request(genome="swingup-authors", weight=-1.5), None, {}, catalog, digit="2")
    assert not trace(plain, "edges-dim")  # other tasks ignore the digit


# ----- test images ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    ("abc", "not 'abc'"),
    ("-1", "not '-1'"),
    ("10000", "there is no image 10000"),
    ("1.5", "not '1.5'"),
    ("", "whole number from 0 to 9999"),
    (None, "whole number from 0 to 9999"),
    ("9" * 40, "not '"),
])
def test_bad_image_numbers_are_refused_with_a_message(catalog, bad, words):
    index, box, message = cm.choose_image("input", bad, 5, request(), {}, catalog)
    assert index is no_update and box is no_update
    text = json.dumps(message.to_plotly_json(), default=str)
    assert words in text and "Still showing image 5" in text


def test_image_navigation(catalog, genome):
    assert cm.choose_image("input", " 42 ", 5, request(), {}, catalog) == (42, no_update, "")
    assert cm.choose_image("next", None, 9999, request(), {}, catalog) == (0, "0", "")
    assert cm.choose_image("prev", None, 0, request(), {}, catalog) == (9999, "9999", "")
    assert cm.choose_image("next", None, "garbage", request(), {}, catalog)[0] == 1  # a bad store restarts at 0
    _, x, y = load_mnist("test")
    wrong = np.flatnonzero(mnist_eval.predict(genome, 1.0)[0] != y)
    index, box, _ = cm.choose_image("mistake", None, int(wrong[0]), request(), {}, catalog)
    assert index == int(wrong[1]) and box == str(wrong[1])
    index, _, message = cm.choose_image("mistake", None, 0, request(genome="swingup-authors", weight=-1.5), {},
                                        catalog)
    assert index is no_update and "MNIST genome" in json.dumps(message.to_plotly_json(), default=str)
    assert cm.choose_image(None, None, 0, request(), {}, catalog) == (no_update, no_update, no_update)


def test_image_view_shows_the_networks_answer(catalog, genome):
    original, small, probs, verdict = cm.image_view(7, "3", request(weight=-1.0), {}, catalog)
    images, x, y = load_mnist("test")
    assert np.allclose(np.array(trace(original, "image")[0]["z"]), np.round(images[7] / 255, 3))
    assert trace(small, "mask-dots")  # digit 3's pixels are outlined
    bars = trace(probs, "probabilities")[0]["y"]
    assert sum(bars) == pytest.approx(100, abs=0.1)
    predicted = int(mnist_eval.predict(genome, -1.0)[0][7])
    assert int(np.argmax(bars)) == predicted
    text = json.dumps(verdict.to_plotly_json(), default=str)
    assert f"Label {y[7]}." in text and f"says {predicted}" in text
    _, small, _, _ = cm.image_view(7, "all", request(weight=-1.0), {}, catalog)
    assert not trace(small, "mask-dots")
    blank, _, _, text = cm.image_view(12345, "3", request(), {}, catalog)
    assert "no image 12345" in blank["layout"]["annotations"][0]["text"] and text == ""


def test_softmax_of_odd_outputs():
    assert mp.softmax(np.array([np.nan] * 10)) is None
    p = mp.softmax(np.array([np.inf, 1, np.inf] + [0] * 7))
    assert p[0] == p[2] == 0.5
    p = mp.softmax(np.array([1e308, -1e308] + [0] * 8))
    assert p[0] == 1.0 and np.isfinite(p).all()


# ----- panel and link ---------------------------------------------------------------------------

def test_mnist_genome_shows_the_mnist_panel(catalog):
    cls, children = cg.panel_view("mnist", {"key": KEY, "task": "mnist"})
    assert cls.split() == ["panel", "panel-mnist", "static", "mnist"] and children == []
    out = cg.select_genome("genome-picker", catalog=catalog, picker=KEY, meta={"key": "swingup-authors"})
    assert out["panel"] == "mnist" and out["weight"] == 1.0


def test_link_carries_digit_and_image(catalog):
    state, notices = parse_view(f"?genome={KEY}&panel=mnist&digit=3&image=42", catalog)
    assert state == ViewState(KEY, 1.0, 0, "mnist", "3", 42) and notices == []
    assert parse_view(format_query(state), catalog) == (state, [])
    state, notices = parse_view(f"?genome={KEY}&digit=x&image=10000", catalog)
    assert state.digit is None and state.image is None and len(notices) == 2
    state, notices = parse_view("?genome=swingup-authors&digit=3&image=4", catalog)
    assert state.digit is None and state.image is None and notices == []  # not the MNIST panel
    out = cg.select_genome("url", catalog=catalog, pathname="/", search=f"?genome={KEY}&digit=7&image=9")
    assert out["digit"] == "7" and out["image"] == "9" and out["panel"] == "mnist"
    out = cg.select_genome("url", catalog=catalog, pathname="/", search=f"?genome={KEY}")
    assert out["digit"] == "all" and "image" not in out


def test_app_wires_the_mnist_callbacks():
    from wann_viz.ui import create_app

    outputs = " ".join(create_app().callback_map)
    for prop in ("mnist-readout.children", "mnist-mask.figure", "mnist-profile.figure", "mnist-index.data",
                 "mnist-original.figure", "mnist-probabilities.figure", "mnist-digit.value"):
        assert prop in outputs
