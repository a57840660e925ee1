"""The real served app in headless Chromium (Playwright).

Every test opens a fresh page; the ``page`` fixture fails a test when the
browser console reports an error. No timings are asserted here (see
benchmarks/ui_latency.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.tasks.carracing import vae_path

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

GENOMES = {
    "CartPoleSwingUp champion (Gaier & Ha)": ("swingup-authors", "swingup", 29),
    "BipedalWalker champion (Gaier & Ha)": ("biped-authors", "biped", 103),
    "CarRacing champion (Gaier & Ha)": ("carracing-authors", "carracing", 106),
}


# ----- helpers -----------------------------------------------------------------------------

def state(page) -> dict:
    return page.evaluate("window.wannPlayer.state()")


def open_app(page, base: str, query: str = "", path: str = "/") -> dict:
    page.goto(base + path + query)
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
    return state(page)


def wait_for_new_episode(page, old_id, complete=True) -> dict:
    page.wait_for_function(
        "([old, complete]) => { const s = window.wannPlayer.state();"
        " return s.id && s.id !== old && !s.holding && !s.preview && (!complete || s.complete); }",
        arg=[old_id, complete], timeout=30_000)
    return state(page)


def pause_at_start(page) -> None:
    page.get_by_role("button", name="Pause").click()
    page.evaluate("window.wannPlayer.seek(0)")


def pick_genome(page, label: str) -> None:
    if page.get_by_label("Genome").inner_text().strip() == label:
        return  # clicking the selected option would leave the list open
    page.get_by_label("Genome").click()
    page.get_by_role("option", name=label, exact=True).click()


def drag_slider(page, fraction: float) -> None:
    """Drag the shared-weight slider's thumb to ``fraction`` of the track and release it."""
    thumb = page.get_by_label("Shared weight")
    box = thumb.bounding_box()
    track = page.locator("#weight-slider .dash-slider-root").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()


def point_centre(page, meta: str, index: int) -> tuple[float, float]:
    """Screen position of point ``index`` of the network trace tagged ``meta`` (scrolled into view)."""
    wait_for_network(page)
    page.locator("#network-graph").scroll_into_view_if_needed()
    box = page.evaluate(
        "([meta, i]) => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
        " const k = gd.data.findIndex(t => t.meta === meta);"
        " const g = gd.calcdata[k][0].node3.node();"
        " const r = g.querySelectorAll('path.point')[i].getBoundingClientRect();"
        " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; }", [meta, index])
    return box["x"], box["y"]


def wait_for_network(page) -> None:
    """The network figure is drawn (it follows the episode's first frame, a server round trip later)."""
    page.wait_for_function("() => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
                           " return gd && gd.data && gd.calcdata && gd.data.some(t => t.meta === 'edge-handles'); }")


def isolated_edge(page) -> int:
    """Index of the connection whose dot is farthest from every other point (unambiguous to click)."""
    wait_for_network(page)
    return page.evaluate(
        "() => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
        " const pts = []; gd.data.forEach(t => { if (t.meta === 'edge-handles' || t.meta === 'nodes')"
        "   t.x.forEach((x, i) => pts.push([x, t.y[i], t.meta === 'edge-handles' ? i : -1])); });"
        " let best = -1, bestD = -1;"
        " pts.forEach(p => { if (p[2] < 0) return; let d = Infinity;"
        "   pts.forEach(q => { if (q !== p) d = Math.min(d, Math.hypot(p[0] - q[0], p[1] - q[1])); });"
        "   if (d > bestD) { bestD = d; best = p[2]; } });"
        " return best; }")


def click_point(page, meta: str, index: int) -> None:
    x, y = point_centre(page, meta, index)
    page.mouse.move(x - 3, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def wait_url(page, **params) -> None:
    """Wait until the address bar holds these link parameters (the server writes the link)."""
    page.wait_for_function("(p) => Object.entries(p).every(([k, v]) => "
                           "new URLSearchParams(location.search).get(k) === v)", arg=params)


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


# ----- tests -------------------------------------------------------------------------------

def test_first_view_is_labelled_and_plays(page, live_server):
    s = open_app(page, live_server)
    assert s["task"] == "swingup" and s["request"]["weight"] == 0.8 and s["complete"]
    assert page.get_by_label("Genome").count() == 1
    assert page.get_by_label("Shared weight").get_attribute("role") == "slider"
    page.wait_for_function("window.wannPlayer.state().frame > 10")  # it animates
    assert page.locator("#return-final").inner_text() == f"{s['finalReturn']:.2f}"
    assert query_of(page.url) == {"genome": "swingup-authors", "weight": "0.8", "seed": "0", "panel": "swingup"}
    page.wait_for_function("(n) => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
                           " const t = gd && gd.data.find(t => t.meta === 'nodes'); return t && t.x.length === n; }",
                           arg=29)
    tabs = page.get_by_role("tab")
    assert tabs.count() == 4 and page.get_by_role("tab", selected=True).inner_text() == "Swing-up"


def test_pick_each_genome(page, live_server):
    open_app(page, live_server)
    for label in list(GENOMES)[1:] + list(GENOMES)[:1]:
        key, task, n_nodes = GENOMES[label]
        pick_genome(page, label)
        page.wait_for_function(
            "(n) => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
            " const t = gd && gd.data.find(t => t.meta === 'nodes'); return t && t.x.length === n; }", arg=n_nodes)
        page.wait_for_function("(key) => location.search.includes('genome=' + key)", arg=key)
        assert label in page.locator("#genome-info").inner_text()
        if task == "carracing" and vae_path() is None:
            page.wait_for_function("window.wannPlayer.state().message !== null")
            assert "VAE" in page.locator("#stage-placeholder").inner_text()
            assert not page.locator("#stage-canvas").is_visible()
        else:
            page.wait_for_function("(t) => window.wannPlayer.state().task === t", arg=task)
            assert page.locator("#stage-canvas").is_visible()
    # a panel tab picks that task's genome
    page.get_by_role("tab", name="Biped walker").focus()
    page.keyboard.press("Enter")  # tabs work from the keyboard too
    page.wait_for_function("window.wannPlayer.state().task === 'biped'")
    assert "BipedalWalker" in page.get_by_label("Genome").inner_text()
    # the genome list is grouped by task
    page.get_by_label("Genome").click()
    headings = page.locator(".dash-dropdown-content [role=option]").all_inner_texts()
    assert headings[0] == "Swing-up" and "Biped walker" in headings and "Car racing" in headings
    page.keyboard.press("Escape")


def test_slider_reruns_the_task_and_changes_the_return(page, live_server):
    s0 = open_app(page, live_server)
    pause_at_start(page)
    before = page.locator("#return-final").inner_text()
    drag_slider(page, 0.85)  # about +1.4
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["weight"] > 0 and s1["request"]["schedule"] is None  # a fresh episode
    assert page.locator("#weight-input").input_value() == str(s1["request"]["weight"]).rstrip("0").rstrip(".")
    # the server's episode replaces the drag's preview
    page.wait_for_function("(t) => document.querySelector('#return-final').innerText === t",
                           arg=f"{s1['finalReturn']:.2f}")
    assert page.locator("#return-final").inner_text() != before
    wait_url(page, weight=page.locator("#weight-input").input_value())
    assert query_of(page.url)["weight"] == page.locator("#weight-input").input_value()
    # values outside the slider's range through the number box
    page.locator("#weight-input").fill("3.25")
    page.locator("#weight-input").press("Enter")
    s2 = wait_for_new_episode(page, s1["id"])
    assert s2["request"]["weight"] == 3.25
    assert page.get_by_label("Shared weight").get_attribute("aria-valuenow") == "2"
    page.locator("#weight-input").fill("99")
    page.locator("#weight-input").press("Enter")
    page.wait_for_function("document.querySelector('#weight-message').innerText.includes('outside the weights')")
    assert state(page)["id"] == s2["id"]


def test_weight_change_mid_episode_continues_from_that_frame(page, live_server):
    s0 = open_app(page, live_server)
    page.wait_for_function("window.wannPlayer.state().frame > 40")
    thumb = page.get_by_label("Shared weight")
    thumb.focus()
    thumb.press("ArrowLeft")
    s1 = wait_for_new_episode(page, s0["id"])
    f = s1["request"]["schedule"][1][0]
    assert s1["request"]["schedule"] == [[0, 0.8], [f, 0.79]] and f > 40
    assert s1["lastLoad"]["startFrame"] == f  # it continued from where the weight changed, no restart
    assert s1["playing"] and s1["frame"] >= f
    assert s1["finalReturn"] != s0["finalReturn"]


def test_playback_controls_scrubber_and_seed(page, live_server):
    s0 = open_app(page, live_server)
    page.get_by_role("button", name="Pause").click()
    frame = state(page)["frame"]
    page.wait_for_timeout(200)
    assert state(page)["frame"] == frame and not state(page)["playing"]
    page.locator("#scrubber").fill("500")
    page.wait_for_function("window.wannPlayer.state().frame === 500")
    # The readout is painted on the next animation frame.
    page.wait_for_function("document.querySelector('#step-readout').innerText === 'step 500 / 1000'")
    ret = float(page.locator("#return-now").inner_text())
    assert ret == pytest.approx(state(page)["returnNow"], abs=0.01) and ret > 0
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("window.wannPlayer.state().frame > 505")
    page.get_by_role("button", name="Restart").click()
    page.wait_for_function("window.wannPlayer.state().frame < 100")  # the click goes through Dash's queue
    assert state(page)["frame"] < 100
    page.locator("#seed-input").fill("7")
    page.locator("#seed-input").press("Enter")
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["seed"] == 7 and s1["request"]["schedule"] is None
    page.get_by_role("button", name="Next seed").click()
    s2 = wait_for_new_episode(page, s1["id"])
    assert s2["request"]["seed"] == 8
    wait_url(page, seed="8")
    assert query_of(page.url)["seed"] == "8"


def test_network_lights_up_and_hover_shows_activation_and_value(page, live_server):
    open_app(page, live_server)
    page.wait_for_function("window.wannPlayer.state().frame > 30")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(100)
    x, y = point_centre(page, "nodes", 12)  # a hidden gaussian node of the swing-up champion
    lit = page.evaluate(
        "([x, y]) => { const cv = document.querySelector('#network-graph canvas.wann-halo');"
        " const r = cv.getBoundingClientRect(), k = cv.width / r.width;"
        " return cv.getContext('2d').getImageData((x - r.x) * k, (y - r.y) * k, 1, 1).data[3]; }", [x, y])
    assert lit > 0  # the node's halo is painted under it
    page.mouse.move(x - 4, y)
    page.mouse.move(x, y)
    label = page.locator("#network-graph .hoverlayer .hovertext")
    label.wait_for()
    text = label.text_content()
    assert "activation: gaussian" in text and "value: " in text
    value = float(text.split("value: ")[1].split()[0])
    frame = state(page)["frame"]
    expected = page.evaluate("(f) => window.wannPlayer.nodeValues(f)[12]", frame)
    assert value == pytest.approx(expected, rel=1e-3, abs=1e-4)


def test_click_an_edge_and_retune_it(page, live_server):
    s0 = open_app(page, live_server)
    pause_at_start(page)
    k = isolated_edge(page)
    click_point(page, "edge-handles", k)
    page.wait_for_function("(k) => document.querySelector('#edge-info').innerText.includes('connection ' + k + ')')",
                           arg=k)
    assert "→" in page.locator("#edge-info").inner_text()
    assert page.get_by_label("Connection weight").input_value() == "0.8"
    page.get_by_label("Connection weight").fill("0.8")
    page.get_by_role("button", name="Set weight").click()
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["edits"] == {str(k): 0.8} and s1["request"]["base"] == "shared"
    page.wait_for_function("document.querySelector('#edge-info').innerText.includes('set here')")
    assert "weight 0.8" in page.locator("#edge-info").inner_text()
    page.wait_for_function("() => { const g = document.querySelector('#network-graph .js-plotly-plot');"
                           " return g && g.data && g.data.find(t => t.meta === 'edge-handles'); }")
    symbols = page.evaluate("document.querySelector('#network-graph .js-plotly-plot').data"
                            ".find(t => t.meta === 'edge-handles').marker.symbol")
    assert symbols[k] == "diamond" and symbols.count("diamond") == 1
    assert s1["id"] != s0["id"]
    page.get_by_role("button", name="Reset this connection").click()
    s2 = wait_for_new_episode(page, s1["id"])
    assert s2["request"]["edits"] == {} and s2["id"] == s0["id"]  # back to the very same episode
    # the same without a mouse on the figure: the connection list
    page.get_by_label("Connection", exact=True).click()
    page.get_by_role("option", name="0: bias → tanh 10", exact=True).click()
    page.wait_for_function("document.querySelector('#edge-info').innerText.includes('(connection 0)')")
    page.get_by_label("Connection weight").fill("-0.25")
    page.get_by_label("Connection weight").press("Enter")
    s3 = wait_for_new_episode(page, s2["id"])
    assert s3["request"]["edits"] == {"0": -0.25}


def test_load_tuned_weights_balances_the_pole(page, live_server):
    s0 = open_app(page, live_server)
    page.get_by_role("button", name="Load tuned weights").click()
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["base"] == "tuned"
    assert s1["length"] == 1000 and s1["finalReturn"] > 900  # the paper's 932 +- 6
    assert "Tuned weights" in page.locator("#weights-summary").inner_text()
    page.locator("#scrubber").fill("1000")
    page.wait_for_function("window.wannPlayer.state().frame === 1000")
    assert abs(page.evaluate("window.wannPlayer.frameData().theta")) < 0.5  # upright at the end
    page.get_by_role("button", name="Reset all connections").click()
    s2 = wait_for_new_episode(page, s1["id"])
    assert s2["request"]["base"] == "shared" and s2["id"] == s0["id"]


def test_biped_runs_live(page, live_server):
    open_app(page, live_server, "?genome=biped-authors&seed=2")
    page.wait_for_function("window.wannPlayer.state().complete", timeout=30_000)
    s = state(page)
    assert s["task"] == "biped" and s["appends"] >= 0 and s["length"] > 200
    assert page.locator("#return-final").inner_text() == f"{s['finalReturn']:.2f}"
    page.wait_for_function("window.wannPlayer.state().frame > 20")


def test_carracing_plays_shows_what_the_racer_sees_and_follows_the_weight(page, live_server):
    if vae_path() is None:
        pytest.skip("no VAE file is installed (data/vae/ or WANN_VAE)")
    if "vae16" in vae_path().name:  # this project's VAE: the card says the authors' racer reads another
        open_app(page, live_server, "?genome=carracing-authors&seed=1&weight=-0.7")
        assert "leaves the road" in page.locator(".genome-warning").inner_text()
    # The racer evolved against this project's VAE drives at w = -1.5 and leaves the road at w = 1.5.
    s0 = open_app(page, live_server, "?genome=carracing-evolved&seed=1&weight=-1.5")
    assert s0["task"] == "carracing" and s0["renderer"] == "carracing"
    assert page.locator(".genome-warning").count() == 0
    page.wait_for_function("window.wannPlayer.state().frame > 30", timeout=60_000)
    first = state(page)["returnNow"]
    page.wait_for_function("(r) => window.wannPlayer.state().returnNow !== r", arg=first, timeout=30_000)
    # the VAE's picture of the frame on the stage (decoded from the 16 inputs on the server)
    page.wait_for_function("document.querySelector('#vae-recon').src.startsWith('data:image/png')", timeout=60_000)
    assert page.locator("#vae-recon").is_visible()
    page.wait_for_function("window.wannPlayer.state().complete", timeout=90_000)
    before = state(page)
    page.locator("#weight-input").fill("1.5")
    page.locator("#weight-input").press("Enter")
    after = wait_for_new_episode(page, before["id"])
    assert after["request"]["weight"] == 1.5 and after["finalReturn"] != before["finalReturn"]


def test_embed_view_and_shared_link(page, live_server):
    open_app(page, live_server, "?genome=biped-authors&weight=-1.2&seed=3&panel=biped", path="/embed")
    s = state(page)
    assert s["request"] == {"genome": "biped-authors", "seed": 3, "weight": -1.2, "schedule": None,
                            "base": "shared", "edits": {}, "off": []}
    assert "embed" in page.locator("#app-root").get_attribute("class")
    assert not page.locator(".app-header").is_visible() and not page.get_by_label("Genome").is_visible()
    assert page.locator("#stage-canvas").is_visible() and page.get_by_label("Shared weight").is_visible()
    page.locator("#network-graph").wait_for(state="visible")  # the figure follows the first frame
    assert page.locator("#network-graph").is_visible()
    assert urlparse(page.url).path == "/embed"
    # a link copied from the main page reopens the same view
    page.goto(live_server + "/?genome=swingup-authors&weight=0.75&seed=5&panel=swingup")
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
    page.wait_for_function("() => document.querySelector('#share-link').value.includes('weight=0.75')")
    link = page.locator("#share-link").input_value()
    assert query_of(link) == {"genome": "swingup-authors", "weight": "0.75", "seed": "5", "panel": "swingup"}
    page.goto(link)
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
    s = state(page)
    assert s["request"]["weight"] == 0.75 and s["request"]["seed"] == 5
    assert page.locator("#weight-input").input_value() == "0.75"
    assert page.locator("#notices").inner_text().strip() == ""


def test_bad_url_parameters_fall_back_and_say_so(page, live_server):
    open_app(page, live_server, "?genome=nope&weight=99&seed=-3&panel=zzz&foo=1")
    s = state(page)
    assert s["request"]["genome"] == "swingup-authors" and s["request"]["weight"] == 0.8 and s["request"]["seed"] == 0
    notices = page.locator("#notices").inner_text()
    for words in ("Unknown genome 'nope'", "weight '99'", "seed '-3'", "Unknown panel 'zzz'", "'foo'"):
        assert words in notices
    assert query_of(page.url) == {"genome": "swingup-authors", "weight": "0.8", "seed": "0", "panel": "swingup"}
    # A panel alone opens that task's shipped genome at its best weight.
    open_app(page, live_server, "?panel=mnist")
    page.wait_for_function("document.querySelector('#panel').classList.contains('mnist')")
    page.wait_for_function("document.querySelector('#mnist-accuracy')?.innerText.endsWith('%')", timeout=60_000)
    best = f"{load_genome(ROOT / 'saved_genomes' / 'mnist-evolved.json').best_shared_weight:g}"
    wait_url(page, genome="mnist-evolved", weight=best)
    assert query_of(page.url)["genome"] == "mnist-evolved" and query_of(page.url)["weight"] == best


def test_upload_bad_file_shows_message_then_keeps_working(page, live_server, tmp_path):
    s0 = open_app(page, live_server)
    upload = page.locator("#upload input[type=file]")
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "wann-genome", "version": 1, "nodes": ')
    upload.set_input_files(str(bad))
    page.wait_for_function("document.querySelector('#upload-message').innerText.includes('broken.json')")
    assert "not valid JSON" in page.locator("#upload-message").inner_text()
    cyclic = tmp_path / "swing_cycle.out"
    cyclic.write_text("\n".join(",".join("0" for _ in range(9)) for _ in range(8)).replace("0", "9", 1))
    upload.set_input_files(str(cyclic))
    page.wait_for_function("document.querySelector('#upload-message').innerText.includes('swing_cycle.out')")
    big = tmp_path / "huge.json"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    upload.set_input_files(str(big))
    page.wait_for_function("document.querySelector('#upload-message').innerText.includes('upload limit')")
    # nothing else changed, and the page still works
    assert state(page)["request"]["genome"] == "swingup-authors"
    assert "CartPoleSwingUp" in page.get_by_label("Genome").inner_text()
    pause_at_start(page)
    drag_slider(page, 0.3)
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["weight"] != 0.8
    # a good upload joins its task's group and can be picked
    good = tmp_path / "my-swing.json"
    doc = json.loads((ROOT / "saved_genomes" / "swingup-authors.json").read_text())
    doc["name"] = "My swing-up"
    good.write_text(json.dumps(doc))
    upload.set_input_files(str(good))
    s2 = wait_for_new_episode(page, s1["id"])
    assert s2["request"]["genome"].startswith("upload-")
    assert "My swing-up" in page.locator("#genome-info").inner_text()
    assert "genome=" not in page.url  # uploads cannot be linked


def test_mnist_panel_digit_mask_and_accuracy(page, live_server, tmp_path, tiny_mnist):
    from wann_viz import mnist_eval
    from wann_viz.genome import genome_to_json

    open_app(page, live_server)
    path = tmp_path / "tiny-mnist.json"
    path.write_text(genome_to_json(tiny_mnist))
    page.locator("#upload input[type=file]").set_input_files(str(path))  # the catalog folder is fixed: upload
    page.wait_for_function("document.querySelector('#panel').classList.contains('mnist')")
    assert page.get_by_role("tab", selected=True).inner_text() == "MNIST"
    assert page.locator("#mnist-digits-card").is_visible() and not page.locator("#stage-canvas").is_visible()
    # choose a digit: its mask shows exactly the 8 pixels wired to it, and the network greys the rest
    page.get_by_label("Digit", exact=True).get_by_role("option", name="3", exact=True).click()
    page.wait_for_function("(t) => { const gd = document.querySelector('#mnist-mask .js-plotly-plot');"
                           " return gd && gd.layout.title && gd.layout.title.text === t; }",
                           arg="Digit 3 sees 8 of 256 pixels")
    lit = page.evaluate("() => { const gd = document.querySelector('#mnist-mask .js-plotly-plot');"
                        " return gd.data.find(t => t.meta === 'mask').z.flat().filter(v => v !== null).length; }")
    assert lit == 8
    page.wait_for_function("() => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
                           " return gd && gd.data.some(t => t.meta === 'edges-dim'); }")
    # the accuracy at the genome's best weight (1), then at -2 after moving the slider
    at = {w: f"{100 * float(mnist_eval.accuracy(tiny_mnist, w)[0]):.1f}%" for w in (1.0, -2.0)}
    page.wait_for_function("(t) => document.querySelector('#mnist-accuracy')?.innerText === t", arg=at[1.0])
    thumb = page.get_by_label("Shared weight")
    thumb.focus()
    thumb.press("Home")
    page.wait_for_function("(t) => document.querySelector('#mnist-accuracy')?.innerText === t", arg=at[-2.0])
    assert "weight -2" in page.locator("#mnist-readout").inner_text()
    # while the slider is dragged the accuracy follows, read off the accuracy-by-weight curve
    page.wait_for_function("() => { const gd = document.querySelector('#mnist-profile .js-plotly-plot');"
                           " return gd && gd.data.some(t => t.meta === 'overall'); }")
    xs, ys = page.evaluate("() => { const t = document.querySelector('#mnist-profile .js-plotly-plot')"
                           ".data.find(t => t.meta === 'overall'); return [t.x, t.y]; }")
    box = thumb.bounding_box()
    track = page.locator("#weight-slider .dash-slider-root").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.7 * track["width"], box["y"] + box["height"] / 2, steps=6)
    page.wait_for_function("document.querySelector('#mnist-follow').innerText.startsWith('≈')")
    follow = page.locator("#mnist-follow").inner_text()
    w = float(follow.split("right at weight ")[1].split()[0])
    assert follow.startswith(f"≈ {float(np.interp(w, xs, ys)):.1f}% right at weight ")
    assert -2 < w < 2 and "release for the exact count" in follow
    page.mouse.up()
    page.wait_for_function("document.querySelector('#mnist-follow').innerText === ''")
    wait_url(page, digit="3", panel="mnist")
    assert query_of(page.url)["digit"] == "3" and query_of(page.url)["panel"] == "mnist"


def test_an_upload_is_private_until_shared_and_survives_a_reload(page, live_server, browser, tmp_path):
    s0 = open_app(page, live_server)
    good = tmp_path / "class-swing.json"
    doc = json.loads((ROOT / "saved_genomes" / "swingup-authors.json").read_text())
    doc["name"] = "Class swing-up"
    good.write_text(json.dumps(doc))
    page.locator("#upload input[type=file]").set_input_files(str(good))
    s1 = wait_for_new_episode(page, s0["id"])
    key = s1["request"]["genome"]
    assert key.startswith("upload-") and "genome=" not in page.url
    # Only the key and a secret live in the browser (local storage), never the genome.
    stored = page.evaluate("() => JSON.parse(localStorage.getItem('uploads-store'))")
    assert set(stored) == {key} and set(stored[key]) == {"secret"}
    # Another browser cannot run it from the key alone.
    other = browser.new_context()
    stranger = other.new_page()
    stranger.goto(f"{live_server}/?genome={key}&panel=swingup")
    stranger.wait_for_function("() => window.wannPlayer && window.wannPlayer.state().id")
    assert stranger.evaluate("() => window.wannPlayer.state().request.genome") == "swingup-authors"
    # The uploader makes a share link; the stranger opens it and plays the upload.
    page.get_by_role("button", name="Make a share link").click()
    page.wait_for_function("() => document.querySelector('#share-link').value.includes('share=')")
    link = page.locator("#share-link").input_value()
    assert f"genome={key}" in link and "Anyone with this link" in page.locator("#share-note").inner_text()
    stranger.goto(link)
    stranger.wait_for_function("(k) => window.wannPlayer && window.wannPlayer.state().request"
                               " && window.wannPlayer.state().request.genome === k", arg=key)
    assert "Class swing-up" in stranger.locator("#genome-info").inner_text()
    other.close()
    # The uploader reloads the page: the upload is still there (server-side, any worker).
    page.goto(f"{live_server}/?genome={key}&panel=swingup")
    page.get_by_label("Genome").click()
    page.get_by_role("option", name="Class swing-up (uploaded)").click()
    page.wait_for_function("(k) => window.wannPlayer.state().request && window.wannPlayer.state().request.genome === k",
                           arg=key)
