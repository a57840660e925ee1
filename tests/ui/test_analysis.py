"""The analysis panels' callbacks and helpers called as plain functions (no server, no browser)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from dash import no_update

from wann_viz import load_genome
from wann_viz.evaluate import weight_profile
from wann_viz.genome import genome_digest
from wann_viz.graph import knock_out, outgoing
from wann_viz.nn.single import forward
from wann_viz.ui import analysis
from wann_viz.ui import callbacks_analysis as ca
from wann_viz.ui import callbacks_compare as cc
from wann_viz.ui import callbacks_evolution as ce
from wann_viz.ui import callbacks_export as cx
from wann_viz.ui import callbacks_weights as cw
from wann_viz.ui.catalog import Catalog
from wann_viz.ui.run_store import RunStore, parse_run_key, run_key

SWING = "saved_genomes/swingup-authors.json"


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def meta(key="swingup-authors", task="swingup"):
    return {"key": key, "task": task}


class Progress:
    def __init__(self):
        self.calls = []

    def __call__(self, values):
        self.calls.append(values)


# ----- knockouts --------------------------------------------------------------------------

def test_knock_out_equals_zero_weights_on_those_connections():
    g = load_genome(SWING)
    node = 12
    ks = outgoing(g, [node])
    assert len(ks) > 0 and all(g.connections[k, 0] == node for k in ks)
    h = knock_out(g, connections=[0], nodes=[node])
    assert h.n_connections == g.n_connections - len(set(ks) | {0})
    w = np.full(g.n_connections, 0.8)
    w[list(set(ks) | {0})] = 0.0
    x = np.random.default_rng(1).normal(size=(32, 5))
    assert np.allclose(forward(h, x, 0.8)[0], forward(g, x, connection_weights=w), atol=1e-12)
    assert h.tuned_weights.shape == (h.n_connections,)
    assert genome_digest(h) != genome_digest(g)


def test_an_output_cannot_be_knocked_out():
    g = load_genome(SWING)
    with pytest.raises(ValueError, match="output"):
        knock_out(g, nodes=[g.n_nodes - 1])


def test_knock_node_action_toggles_the_outgoing_connections(catalog):
    g = catalog["swingup-authors"].genome
    ks = outgoing(g, [12]).tolist()
    node = {"genome": "swingup-authors", "node": 12}
    store, message = cw.edit_weights("knock-node", None, None, None, meta(), catalog, {}, node)
    assert store["off"] == sorted(ks) and "knocked out" in message
    assert cw.knocked_nodes(g, store["off"]) == [12]
    store2, message2 = cw.edit_weights("knock-node", None, None, store, meta(), catalog, {}, node)
    assert store2["off"] == [] and "back" in message2
    out = {"genome": "swingup-authors", "node": g.n_nodes - 1}
    unchanged, refusal = cw.edit_weights("knock-node", None, None, store, meta(), catalog, {}, out)
    assert unchanged is no_update and "feeds nothing" in refusal.children


def test_a_node_click_selects_it(catalog):
    req = {"genome": "swingup-authors", "seed": 0, "weight": 0.8}
    click = {"points": [{"customdata": "node:7"}]}
    assert cw.select_node(click, req, {}, catalog) == {"genome": "swingup-authors", "node": 7}
    assert cw.select_node({"points": [{"customdata": "edge:3"}]}, req, {}, catalog) is no_update
    assert cw.select_node({"points": [{"customdata": "node:999"}]}, req, {}, catalog) is no_update


# ----- profile and conditions ----------------------------------------------------------------

def test_profile_settings_are_checked():
    s = analysis.check_profile("swingup", "fine", "20")
    assert len(s.weights) == 41 and s.n_episodes == 20
    assert analysis.check_profile("biped", "task", 5).weights == (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
    for bad in ("0", "-3", "2.5", "lots", None):
        with pytest.raises(analysis.AnalysisError, match="whole number"):
            analysis.check_profile("swingup", "fine", bad)
    with pytest.raises(analysis.AnalysisError, match="at most"):
        analysis.check_profile("biped", "fine", 50)  # 41 x 50 Gym episodes
    with pytest.raises(analysis.AnalysisError):
        analysis.check_profile("swingup", "everything", 5)


def test_run_profile_matches_weight_profile_and_is_cached_on_disk(catalog):
    progress = Progress()
    store, message = ca.run_profile(progress, meta(), None, "coarse", "3", {}, catalog)
    assert message == ""
    g = catalog["swingup-authors"].genome
    want = weight_profile(g, analysis.sweep("swingup", "coarse"), 3)
    assert [p["mean"] for p in store["profile"]] == [p["mean"] for p in want]
    assert progress.calls[0][2].startswith("running") and progress.calls[-1][0] == progress.calls[-1][1]
    cached = ca.lookup_profile(meta(), None, "coarse", "3", {}, catalog)
    assert cached["key"] == store["key"] and cached["profile"] == store["profile"]
    fig, status = ca.profile_view(cached, None, {"genome": "swingup-authors", "weight": 0.5}, meta())
    assert status == "from the cache"
    assert [t["meta"] for t in fig["data"]][:2] == ["band", "profile"]
    assert fig["layout"]["shapes"][0]["x0"] == 0.5


def test_a_knocked_out_profile_is_another_genomes_profile(catalog):
    g = catalog["swingup-authors"].genome
    off = outgoing(g, [12]).tolist()
    store, _ = ca.run_profile(None, meta(), {"genome": "swingup-authors", "off": off}, "coarse", "2", {}, catalog)
    want = weight_profile(knock_out(g, connections=off), analysis.sweep("swingup", "coarse"), 2)
    assert [p["mean"] for p in store["profile"]] == [p["mean"] for p in want]
    assert store["knocked"] == len(off)


def test_profile_view_says_not_computed_and_bad_settings(catalog):
    lookup = ca.lookup_profile(meta(), None, "fine", "7", {}, catalog)
    fig, status = ca.profile_view(lookup, None, None, meta())
    assert status == "not computed yet" and "Run profile" in fig["layout"]["annotations"][0]["text"]
    assert ca.lookup_profile(meta(), None, "fine", "zero", {}, catalog) is None
    _, message = ca.run_profile(None, meta(), None, "fine", "zero", {}, catalog)
    assert "whole number" in message.children


def test_mnist_profile_is_test_accuracy(catalog):
    store, _ = ca.run_profile(None, meta("mnist-evolved", "mnist"), None, "coarse", "", {}, catalog)
    g = catalog["mnist-evolved"].genome
    from wann_viz import mnist_eval

    acc = mnist_eval.accuracy(g, [p["weight"] for p in store["profile"]])
    assert np.allclose([p["mean"] for p in store["profile"]], acc)
    fig, _ = ca.profile_view(store, None, None, meta("mnist-evolved", "mnist"))
    assert "accuracy" in fig["layout"]["yaxis"]["title"]["text"].lower()


def test_conditions_table_beside_the_papers_figures(catalog):
    store, _ = ca.run_conditions(None, meta(), None, "4", {}, catalog)
    table, fig, status = ca.conditions_view(store, None, meta(), {}, catalog)
    rows = {r.__dict__["data-condition"] if hasattr(r, "__dict__") else None: r for r in table.children[2].children}
    assert set(rows) == {"random_weights", "random_shared_weight", "tuned_shared_weight", "tuned_weights"}
    paper_cell = rows["tuned_weights"].children[2].children
    assert paper_cell == "932 ± 6"
    assert [t["meta"] for t in fig["data"]] == ["ours", "paper"]
    csv_text = analysis.conditions_csv(analysis.conditions_rows(store["result"], {}), "return")
    assert csv_text.splitlines()[0].startswith("condition,mean_return")


# ----- evolution --------------------------------------------------------------------------

def test_the_example_run_opens_with_its_saved_generations(catalog):
    names = [o["value"] for o in ce.run_options(catalog)]
    assert "example-swingup" in names and ce.default_run(catalog) == "example-swingup"
    marks, lo, hi, text = ce.run_view("example-swingup", catalog)
    assert {8, 32, 128} <= set(marks) and lo == 1 and hi == 128
    key = run_key("example-swingup", 32)
    assert parse_run_key(key) == ("example-swingup", 32)
    assert key in catalog and catalog[key].genome.n_connections > 0
    assert ce.choose_generation("example-swingup", 32, catalog) == {"key": key}
    assert ce.choose_generation("example-swingup", 33, catalog) is no_update  # not saved
    fig = ce.fitness_view("example-swingup", 32, catalog)
    assert fig["layout"]["shapes"][0]["x0"] == 32
    best = next(t for t in fig["data"] if t["meta"] == "best-fitness")
    assert len(best["x"]) == 128


def test_a_run_key_that_does_not_exist_is_explained(catalog):
    from wann_viz.genome import GenomeError

    store = RunStore()
    with pytest.raises(GenomeError, match="saved no champion of generation 33"):
        store.genome("run:example-swingup:33")
    with pytest.raises(GenomeError, match="no search run"):
        store.genome("run:nothing-here:1")
    assert "run:../etc:1" not in catalog


def test_search_requests_are_bounded():
    with pytest.raises(analysis.AnalysisError, match="population"):
        ce.check_search(meta(), "500", "4", "abcdef12")
    with pytest.raises(analysis.AnalysisError, match="generations"):
        ce.check_search(meta(), "16", "1000", "abcdef12")
    with pytest.raises(analysis.AnalysisError, match="session"):
        ce.check_search(meta(), "16", "4", None)
    assert ce.check_search(meta(), "16", "4", "abcdef12") == ("swingup", 16, 4, "abcdef12")


def test_a_tiny_search_from_the_app_writes_a_run(catalog):
    progress = Progress()
    result, message = ce.run_app_search(progress, meta(), "8", "2", "tinytest01", seconds=60)
    assert "finished" in message.children
    gens = [int(c[0]) for c in progress.calls]
    assert gens[0] == 0 and gens[-1] == 2
    info = catalog.runs.open(result["run"])
    assert info.status == "finished" and info.generation == 2 and sorted(info.champions) == [1, 2]


# ----- compare and exports ----------------------------------------------------------------

def test_compare_two_weights_on_the_same_seed(catalog):
    shown = {"genome": "swingup-authors", "seed": 3, "weight": 0.8}
    store, fig, a, b, message = cc.compare(None, "", None, "-1.5", shown, {}, catalog)
    assert message == "Seed 3 on both sides."
    from wann_viz.ui.episodes import whole_episode

    want_a = whole_episode({"genome": "swingup-authors", "seed": 3, "weight": 0.8}, catalog)[0].total
    want_b = whole_episode({"genome": "swingup-authors", "seed": 3, "weight": -1.5}, catalog)[0].total
    assert a.children[0].children == f"{want_a:.1f}" and b.children[0].children == f"{want_b:.1f}"
    assert [t["meta"] for t in fig["data"]] == ["compare-a", "compare-b"]
    assert store["a"]["payload"]["complete"] and store["a"]["payload"]["steps"] == 1000
    _, _, _, _, bad = cc.compare(None, "11", None, "", shown, {}, catalog)
    assert "not a number" in bad.children


def test_compare_two_generations_of_a_run(catalog):
    shown = {"genome": "swingup-authors", "seed": 0, "weight": 1.0}
    _, fig, _, _, _ = cc.compare(run_key("example-swingup", 8), "1", run_key("example-swingup", 128), "1", shown,
                                 {}, catalog)
    assert "generation 8" in fig["data"][0]["name"] and "generation 128" in fig["data"][1]["name"]


def test_exports_of_the_view(catalog):
    req = {"genome": "swingup-authors", "seed": 0, "weight": 0.8}
    svg, _ = cx.export_file("svg", req, {}, catalog)
    assert svg["filename"].endswith(".svg") and "<svg" in svg["content"]
    out, _ = cx.export_file("out", req, {}, catalog)
    with zipfile.ZipFile(io.BytesIO(__import__("base64").b64decode(out["content"]))) as z:
        assert sorted(n.rsplit(".", 1)[-1] for n in z.namelist()) == ["json", "out"]
    gif, text = cx.export_file("gif", req, {}, catalog)
    from PIL import Image

    img = Image.open(io.BytesIO(__import__("base64").b64decode(gif["content"])))
    assert img.n_frames > 100 and "1000 steps" in text
    data, refusal = cx.export_file("profile-csv", req, {}, catalog)
    assert data is None and "first" in refusal
    mnist, text = cx.export_file("gif", {"genome": "mnist-evolved", "seed": 0, "weight": 1.0}, {}, catalog)
    assert mnist is None and "No rollout" in text
    js, text = cx.export_file("json", req | {"off": [0, 1]}, {}, catalog)
    assert json.loads(js["content"])["connections"] and "2 knocked-out" in text


def test_the_onnx_export_keeps_the_shared_weight_an_input(catalog):
    import base64

    import onnxruntime as ort

    req = {"genome": "swingup-authors", "seed": 0, "weight": 0.8, "off": [3]}
    data, _ = cx.export_file("onnx", req, {}, catalog)
    sess = ort.InferenceSession(base64.b64decode(data["content"]), providers=["CPUExecutionProvider"])
    g = knock_out(catalog["swingup-authors"].genome, connections=[3])
    x = np.random.default_rng(2).normal(size=(8, 5))
    y = sess.run(None, {"x": x, "shared_weight": np.array(-1.5)})[0]
    assert np.allclose(y, forward(g, x, -1.5)[0], atol=1e-6)


def test_a_click_on_the_fitness_curve_picks_the_nearest_saved_generation():
    marks = {"1": {}, "8": {}, "32": {}, "128": {}}
    assert ce.clicked_generation({"points": [{"x": 30}]}, marks) == 32
    assert ce.clicked_generation({"points": [{"x": 90}]}, marks) == 128
    assert ce.clicked_generation(None, marks) is no_update


# ----- fine-tuning from the app -----------------------------------------------------------

def test_tuning_from_the_app_keeps_the_genome_for_this_browser_and_opens_it(catalog):
    from wann_viz.ui import callbacks_genome as cg
    from wann_viz.ui import callbacks_tune as ct

    progress = Progress()
    done, message, fig = ct.run_app_tune(progress, meta(), "3", "2", {}, catalog)
    assert "Tuned" in message.children and [int(c[0]) for c in progress.calls] == [1, 2, 3]
    assert fig["data"][0]["meta"] == "tune-best" and len(fig["data"][0]["x"]) == 3
    out = cg.select_genome("tune-done", catalog=catalog, uploads={}, meta=meta(), tuned=done)
    assert out["picker"] == done["key"] and out["weights"]["base"] == "tuned"
    tuned = catalog.uploads.genome(done["key"], {"secret": done["secret"]})
    assert tuned.tuned_weights is not None and "(tuned here)" in tuned.name
    assert tuned.extra["tuning"]["method"].startswith("pycma")
    with pytest.raises(analysis.AnalysisError, match="Generations"):
        ct.check_tune(meta(), "400", "2")


def test_mnist_tunes_by_gradient_in_the_app(catalog):
    from wann_viz.ui import callbacks_tune as ct

    done, message, fig = ct.run_app_tune(None, meta("mnist-evolved", "mnist"), "2", "", {}, catalog)
    assert "test accuracy" in message.children and fig["data"][0]["meta"] == "tune-loss"
    tuned = catalog.uploads.genome(done["key"], {"secret": done["secret"]})
    assert tuned.extra["tuning"]["steps_done"] == 200
