"""The explorer's callbacks called as plain functions (no server, no browser)."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from dash import no_update

from wann_viz.genome import GenomeError, genome_to_dict, genome_to_json, load_genome
from wann_viz.tasks.registry import get_spec
from wann_viz.ui import callbacks_genome as cg
from wann_viz.ui import callbacks_rollout as cr
from wann_viz.ui import callbacks_weights as cw
from wann_viz.ui import episodes
from wann_viz.ui.catalog import MAX_UPLOAD_BYTES, Catalog, UploadError, parse_upload, resolve_genome

SAVED = Path(__file__).resolve().parents[2] / "saved_genomes"


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def data_url(data: bytes, mime="application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def request(**kw):
    req = {"genome": "swingup-authors", "seed": 0, "weight": -1.5, "base": "shared", "edits": {},
           "schedule": None, "start_frame": 0, "autoplay": True, "nonce": 1}
    req.update(kw)
    return req


def f32(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


# ----- genome choice ----------------------------------------------------------------------

def test_page_load_reads_the_link(catalog):
    out = cg.select_genome("url", catalog=catalog, pathname="/embed",
                           search="?genome=biped-authors&weight=-1.2&seed=4&panel=biped")
    assert out["picker"] == "biped-authors" and out["panel"] == "biped"
    assert out["weight"] == -1.2 and out["slider"] == -1.2 and out["seed"] == 4
    assert out["root_class"] == "app embed"
    assert out["meta"]["task"] == "biped" and out["meta"]["live"]
    assert out["weights"] == {"genome": "biped-authors", "base": "shared", "edits": {}, "off": []}
    assert out["notices"] == []


def test_page_load_with_bad_link_says_so(catalog):
    out = cg.select_genome("url", catalog=catalog, pathname="/", search="?genome=x&weight=50&seed=a&panel=q&z=1")
    assert out["picker"] == "swingup-authors" and out["weight"] == 0.8 and out["seed"] == 0
    assert len(out["notices"]) == 5
    out = cg.select_genome("url", catalog=catalog, pathname="/", search="?weight=7")
    assert out["weight"] == 7 and out["slider"] == 2  # the slider shows its end, the number box the value


def test_options_are_grouped_by_task(catalog):
    options = cg.picker_options(catalog, {})
    labels = [o["label"] for o in options]
    assert labels[0] == "Swing-up" and options[0]["disabled"]
    heads = [o["value"] for o in options if o.get("disabled")]
    assert heads == ["__group-swingup", "__group-biped", "__group-carracing", "__group-mnist"]
    assert [o["value"] for o in options if not o.get("disabled")] == catalog.keys()


def test_picking_a_genome_sets_its_panel_and_best_weight(catalog, no_vae):
    meta = {"key": "swingup-authors", "task": "swingup"}
    out = cg.select_genome("genome-picker", catalog=catalog, picker="carracing-authors", meta=meta)
    # no measured best weight (and no VAE here): the weight stays where it was
    assert out["panel"] == "carracing" and "weight" not in out and not out["meta"]["live"]
    assert out["selected"] is None
    out = cg.select_genome("genome-picker", catalog=catalog, picker="nope", meta=meta)
    assert out["picker"] == "swingup-authors" and "unknown genome" in out["upload_message"]["error"]
    assert cg.select_genome("genome-picker", catalog=catalog, picker="swingup-authors", meta=meta) == {}


def test_tab_picks_a_genome_of_that_task(catalog):
    meta = {"key": "swingup-authors", "task": "swingup"}
    out = cg.select_genome("panel-tabs", catalog=catalog, panel="biped", meta=meta)
    assert out["picker"] == "biped-authors"
    out = cg.select_genome("panel-tabs", catalog=catalog, panel="mnist", meta=meta)
    assert out["picker"] == "mnist-evolved" and out["weight"] == load_genome(SAVED / "mnist-evolved.json").best_shared_weight
    assert cg.select_genome("panel-tabs", catalog=catalog, panel="<evil>", meta=meta) == {}


def test_upload_of_a_good_out_file(catalog):
    g = catalog["swingup-authors"].genome
    n = g.n_nodes
    m = np.zeros((n, n + 1))
    for s, d in g.connections:
        m[s, d] = 1.0
    m[:, n] = g.activations
    text = "\n".join(",".join(f"{v:.2e}" for v in row) for row in m).encode()
    out = cg.select_genome("upload", catalog=catalog, upload_contents=data_url(text), upload_filename="swing.out",
                           upload_task="auto", uploads={})
    key = out["picker"]
    assert key.startswith("upload-") and key in out["uploads"]
    assert out["meta"]["task"] == "swingup" and "Loaded swing.out" in out["upload_message"]["ok"]
    assert out["upload_contents"] is None
    assert any(o["value"] == key and "(uploaded)" in o["label"] for o in out["options"])
    same = resolve_genome(catalog, key, out["uploads"])
    assert np.array_equal(same.connections, g.connections)


@pytest.mark.parametrize("name, data, words", [
    ("bad.json", b"{not json", "not valid JSON"),
    ("swing_bad.out", b"1,2\n3,4\n", "row 1 has 2 values"),
    ("bad.out", b"1,2\n3,4\n", "choose its task"),
    ("weights.json", b"[[1, 2], 3]", "tuned-weight file"),
    ("bin.json", b"\xff\xfe\x00", "not text"),
    ("empty.json", b"", "empty"),
    ("pic.png", b"{}", "expected a .out matrix or a .json genome"),
])
def test_bad_uploads_show_the_loaders_message_and_change_nothing(catalog, name, data, words):
    out = cg.select_genome("upload", catalog=catalog, upload_contents=data_url(data), upload_filename=name,
                           upload_task="auto", uploads={})
    assert words in out["upload_message"]["error"]
    assert set(out) == {"upload_message", "upload_contents"}  # the previous genome stays


def test_upload_json_with_unknown_activation(catalog):
    doc = genome_to_dict(catalog["swingup-authors"].genome)
    doc["nodes"]["activations"][10] = 42
    out = cg.select_genome("upload", catalog=catalog, upload_contents=data_url(json.dumps(doc).encode()),
                           upload_filename="odd.json", uploads={})
    assert "unknown activation id 42" in out["upload_message"]["error"]


def test_upload_size_cap_and_malformed_contents():
    big = b" " * (MAX_UPLOAD_BYTES + 10)
    with pytest.raises(UploadError, match="upload limit"):
        parse_upload(data_url(big), "big.json")
    with pytest.raises(UploadError, match="data URL"):
        parse_upload("garbage", "x.json")
    with pytest.raises(UploadError, match="bad base64"):
        parse_upload("data:x;base64,@@@@", "x.json")
    with pytest.raises(UploadError, match="file name"):
        parse_upload(data_url(b"{}"), None)


def test_a_browser_cannot_forge_or_borrow_an_upload(catalog):
    # The browser holds a key and a secret, never the genome: a forged document does nothing,
    # and another browser's (or no) secret cannot run it.
    key, secret, _ = parse_upload(data_url(genome_to_json(catalog["swingup-authors"].genome).encode()), "s.json",
                                  store=catalog.uploads)
    assert resolve_genome(catalog, key, {key: {"secret": secret}}).name == catalog["swingup-authors"].genome.name
    forged = genome_to_dict(catalog["swingup-authors"].genome) | {"name": "changed"}
    for uploads in ({key: forged}, {key: {"secret": "someone-else"}}, {}, None):
        with pytest.raises(GenomeError, match="not available in this browser"):
            resolve_genome(catalog, key, uploads)


def test_genome_info_and_panel_view(catalog, no_vae):
    meta = {"key": "swingup-authors", "task": "swingup"}
    text = json.dumps([c.to_plotly_json() for c in cg.genome_info(meta, {}, catalog)], default=str)
    assert "29 nodes" in text and "Apache" in text and "932" in text
    assert cg.panel_view("swingup", meta)[0].endswith("live")
    cls, children = cg.panel_view("carracing", {"key": "carracing-authors", "task": "carracing"})
    assert cls.endswith("static") and "VAE" in json.dumps(children[1].to_plotly_json(), default=str)
    cls, children = cg.panel_view("mnist", meta)
    assert cls.endswith("empty") and "no genome" in json.dumps(children[0].to_plotly_json(), default=str)
    assert cg.panel_view(None, None)[0].endswith("empty")


# ----- weights ------------------------------------------------------------------------------

def test_network_view_follows_the_request(catalog):
    fig = cw.network_view(request(weight=0.5), None, {}, catalog)
    handles = [t for t in fig["data"] if t.get("meta") == "edge-handles"][0]
    assert all("0.5 (shared weight)" in h for h in handles["hovertext"])
    fig = cw.network_view(request(base="tuned"), {"genome": "swingup-authors", "index": 3}, {}, catalog)
    assert any(t.get("meta") == "selected-edge" for t in fig["data"])
    assert "annotations" in cw.network_view(request(genome="nope"), None, {}, catalog)["layout"]
    assert "annotations" in cw.network_view("junk", None, {}, catalog)["layout"]


def test_clicking_a_connection_selects_it(catalog):
    click = {"points": [{"customdata": "edge:7", "curveNumber": 3}]}
    assert cw.select_edge(click, request(weight=-1.25), {}, catalog) == 7
    selected, value = cw.pick_edge(7, request(weight=-1.25), {}, catalog)
    assert selected == {"genome": "swingup-authors", "index": 7} and value == -1.25
    tuned = catalog["swingup-authors"].genome.tuned_weights
    _, value = cw.pick_edge(7, request(base="tuned"), {}, catalog)
    assert value == pytest.approx(round(tuned[7], 4))
    for bad in (None, {}, {"points": []}, {"points": [{"customdata": "node:3"}]},
                {"points": [{"customdata": "edge:999"}]}, {"points": [{"customdata": ["x"]}]}):
        assert cw.select_edge(bad, request(), {}, catalog) is no_update
    assert cw.pick_edge(None, request(), {}, catalog) == (None, None)  # list cleared
    for bad in (999, -1, "3", True):
        assert cw.pick_edge(bad, request(), {}, catalog) == (no_update, no_update)


def test_connection_list(catalog):
    options = cw.edge_options({"key": "swingup-authors"}, {}, catalog)
    assert len(options) == 52 and options[0] == {"label": "0: bias → tanh 10", "value": 0}
    assert cw.edge_options(None, {}, catalog) == [] and cw.edge_options({"key": "zz"}, {}, catalog) == []


def test_setting_and_resetting_one_connection(catalog):
    meta = {"key": "swingup-authors", "has_tuned": True}
    sel = {"genome": "swingup-authors", "index": 4}
    store, msg = cw.edit_weights("set", 0.75, sel, None, meta, catalog, {})
    assert store == {"genome": "swingup-authors", "base": "shared", "edits": {"4": 0.75}, "off": []}
    info, box_disabled, set_disabled, reset_disabled = cw.edge_panel(
        sel, request(edits=store["edits"]), {}, catalog)
    assert "set here" in json.dumps(info.to_plotly_json(), default=str)
    assert not box_disabled and not set_disabled and not reset_disabled
    store, _ = cw.edit_weights("reset", None, sel, store, meta, catalog, {})
    assert store["edits"] == {}
    assert cw.edit_weights("set", "abc", sel, store, meta, catalog, {})[0] is no_update
    assert cw.edit_weights("set", 11, sel, store, meta, catalog, {})[0] is no_update
    assert cw.edit_weights("set", 1, None, store, meta, catalog, {})[0] is no_update
    assert cw.edit_weights("explode", 1, sel, store, meta, catalog, {}) == (no_update, no_update)


def test_load_tuned_and_reset_all(catalog):
    meta = {"key": "swingup-authors", "has_tuned": True}
    store, _ = cw.edit_weights("tuned", None, None, None, meta, catalog, {})
    assert store == {"genome": "swingup-authors", "base": "tuned", "edits": {}, "off": []}
    text, disabled = cw.weights_summary(store, meta)
    assert "Tuned weights" in text and not disabled
    store, _ = cw.edit_weights("reset-all", None, None, store, meta, catalog, {})
    assert store["base"] == "shared"
    assert cw.weights_summary(store, meta)[0] == "Every connection uses the shared weight."


# ----- episodes -------------------------------------------------------------------------------

def test_episode_payload_shapes(catalog):
    episodes.clear_cache()
    p, tail_request = cr.run_episode(request(), {}, catalog)
    assert tail_request is no_update  # complete: nothing more to fetch
    assert p["complete"] and p["task"] == "swingup" and p["steps"] == p["length"]
    n, nodes = p["steps"], catalog["swingup-authors"].genome.n_nodes
    assert f32(p["cum_return"]).shape == (n,)
    assert f32(p["nodes"]).shape == (n * nodes,)
    assert f32(p["frames"]["x"]).shape == (n + 1,)
    assert f32(p["cum_return"])[-1] == pytest.approx(p["final_return"], rel=1e-5)
    assert cr.episode_tail(p, {}, catalog) is no_update
    json.dumps(p, allow_nan=False)


def test_tuned_swingup_weights_balance_for_good(catalog):
    p, _ = cr.run_episode(request(base="tuned"), {}, catalog)
    assert p["length"] == 1000 and p["final_return"] > 900  # the paper's 4th condition: 932 +- 6


def test_weight_change_mid_episode_repeats_the_start(catalog):
    a, _ = cr.run_episode(request(weight=-1.5), {}, catalog)
    b, _ = cr.run_episode(request(weight=1.0, schedule=[[0, -1.5], [300, 1.0]], start_frame=300), {}, catalog)
    assert b["start_frame"] == 300 and b["request"]["schedule"] == [[0, -1.5], [300, 1.0]]
    xa, xb = f32(a["frames"]["x"]), f32(b["frames"]["x"])
    assert np.array_equal(xa[:301], xb[:301]) and not np.array_equal(xa[301:], xb[301:])
    assert a["id"] != b["id"]


def test_biped_comes_in_two_parts_that_join(catalog):
    episodes.clear_cache()
    head, tail_request = cr.run_episode(request(genome="biped-authors", weight=-1.87, seed=1), {}, catalog)
    assert not head["complete"] and head["steps"] == get_spec("biped").first_chunk
    assert len(json.dumps(tail_request)) < 500  # the payload does not travel back
    tail = cr.episode_tail(tail_request, {}, catalog)
    assert tail["id"] == head["id"] and tail["step_offset"] == head["steps"] and tail["complete"]
    n = tail["steps"]
    cum = np.concatenate([f32(head["cum_return"]), f32(tail["cum_return"])])
    bodies = np.concatenate([f32(head["frames"]["bodies"]), f32(tail["frames"]["bodies"])])
    assert cum.shape == (n,) and bodies.shape == ((n + 1) * 15,)
    assert cum[-1] == pytest.approx(tail["final_return"], rel=1e-4, abs=1e-3)
    # the same request again is served whole from the cache
    again, _ = cr.run_episode(request(genome="biped-authors", weight=-1.87, seed=1, nonce=9), {}, catalog)
    assert again["complete"] and again["id"] == head["id"] and again["nonce"] == 9


def test_network_only_tasks_say_why(catalog, no_vae):
    p, _ = cr.run_episode(request(genome="carracing-authors", weight=-0.7), {}, catalog)
    assert p["unsupported"] and "VAE" in p["message"] and "WANN_VAE" in p["message"]


def test_carracing_runs_live_with_the_shipped_vae(catalog):
    from wann_viz.tasks.carracing import DATA_VAE

    assert DATA_VAE.is_file()  # data/vae/carracing-vae16.npz ships with the project
    assert cg.panel_view("carracing", {"key": "carracing-authors", "task": "carracing"})[0].endswith("live")
    p, _ = cr.run_episode(request(genome="carracing-authors", weight=-0.7), {}, catalog)
    assert "unsupported" not in p and p["renderer"] == "carracing" and p["steps"] >= 1
    assert len(p["scene"]["tiles"]) > 100 and p["frame_widths"] == {"car": 16}


@pytest.mark.parametrize("bad, words", [
    ("junk", "must be an object"),
    ({}, "names no genome"),
    (request(genome="x" * 500), "names no genome"),
    (request(genome="nope"), "unknown genome"),
    (request(seed=-1), "seed"),
    (request(seed=True), "seed"),
    (request(weight="1"), "shared weight"),
    (request(weight=1e9), "between"),
    (request(base="magic"), "base"),
    (request(edits={"99": 1}), "does not exist"),
    (request(edits={"a": 1}), "edits"),
    (request(edits={"1": float("nan")}), "finite"),
    (request(schedule=[[5, 1.0]]), "start at 0"),
    (request(schedule=[[0, 1.0], [0, 2.0]]), "increase"),
    (request(schedule=[[0, 1.0], [5000, 2.0]]), "schedule step"),
    (request(schedule=[[0, 1]] * 300), "256"),
    (request(schedule="x"), "schedule"),
])
def test_malformed_requests_are_rejected_cleanly(catalog, bad, words):
    p, tail_request = cr.run_episode(bad, {}, catalog)
    assert words in p["error"] and tail_request is no_update


def test_no_request_no_update(catalog):
    assert cr.run_episode(None, {}, catalog) == (no_update, no_update)
    assert cr.episode_tail(None, {}, catalog) is no_update
    assert cr.episode_tail({"complete": False, "steps": "x", "request": {}}, {}, catalog)["error"]
    forged = {"complete": False, "steps": 10, "id": "abc", "request": request()}
    assert "does not match" in cr.episode_tail(forged, {}, catalog)["error"]


def test_app_wires_every_callback():
    from wann_viz.ui import create_app

    app = create_app()
    outputs = " ".join(app.callback_map)
    for prop in ("request-store.data", "episode-store.data", "tail-store.data", "network-graph.figure",
                 "genome-picker.value", "share-link.value", "weights-store.data", "figure-request.data",
                 "tail-request.data"):
        assert prop in outputs


def test_the_carracing_tab_prefers_a_racer_made_for_the_installed_vae(tmp_path, monkeypatch):
    from wann_viz.genome import save_genome
    from wann_viz.tasks import carracing
    from wann_viz.vae import model, weights

    vae = weights.save_vae(model.random_params(0, encoder_only=True), tmp_path / "ours.npz", {"pipeline": "wann"})
    monkeypatch.setenv(carracing.VAE_ENV, str(vae))
    folder = tmp_path / "genomes"
    folder.mkdir()
    authors = load_genome(SAVED / "carracing-authors.json")
    save_genome(authors, folder / "carracing-authors.json")
    ours = authors.with_changes(name="ours", extra={"vae": carracing.vae_identity(vae)})
    save_genome(ours, folder / "carracing-ours.json")
    cat = Catalog(folder)
    assert cat.keys()[0] == "carracing-authors"  # the list still puts the authors' first ...
    assert cat.first_of_task("carracing") == "carracing-ours"  # ... but the tab opens the one that drives
    card = json.dumps([c.to_plotly_json() for c in cg.genome_info({"key": "carracing-authors"}, {}, cat)], default=str)
    assert "genome-warning" in card and "leaves the road" in card
    card = json.dumps([c.to_plotly_json() for c in cg.genome_info({"key": "carracing-ours"}, {}, cat)], default=str)
    assert "genome-warning" not in card
