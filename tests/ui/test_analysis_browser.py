"""The analysis panels in headless Chromium on the served app: a profile run to completion and
clicked, the four conditions, the example run scrubbed, two weights compared, a node knocked out,
and every export downloaded and opened. No timings are asserted (benchmarks/ui_latency.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.nn.single import forward

from wann_viz.ui.testing import ROOT, click_generation
from .test_browser import open_app, point_centre, state, wait_for_network, wait_for_new_episode

pytestmark = pytest.mark.browser

SWING = "?genome=swingup-authors&seed=0&panel=swingup"
GOLDEN = ROOT / "tests" / "golden"


def open_tab(page, title: str) -> None:
    page.locator("#analysis").scroll_into_view_if_needed()
    page.locator("#analysis-tabs").get_by_text(title, exact=True).click()


def curve_point(page, graph: str, meta: str, index: int) -> tuple[float, float]:
    """Screen position of point ``index`` of the trace tagged ``meta`` in ``graph``."""
    return tuple(page.evaluate(
        "([graph, meta, i]) => { const gd = document.querySelector('#' + graph + ' .js-plotly-plot');"
        " const k = gd.data.findIndex(t => t.meta === meta);"
        " const r = gd.calcdata[k][0].node3.node().querySelectorAll('path.point')[i].getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; }", [graph, meta, index]))


def test_a_profile_runs_to_completion_and_a_click_sets_the_weight(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Weight profile")
    page.locator("#profile-episodes").fill("4")
    page.locator("#profile-episodes").press("Enter")
    page.get_by_role("button", name="Run profile").click()
    page.wait_for_function("() => { const gd = document.querySelector('#profile-graph .js-plotly-plot');"
                           " return gd && gd.data.some(t => t.meta === 'profile'); }", timeout=60_000)
    assert page.locator("#profile-result").inner_text() == "done"
    xs = page.evaluate("() => document.querySelector('#profile-graph .js-plotly-plot').data"
                       ".find(t => t.meta === 'profile').x")
    assert len(xs) == 41 and xs[0] == -2 and xs[-1] == 2
    old = state(page)["id"]
    k = xs.index(-1.0)
    x, y = curve_point(page, "profile-graph", "profile", k)
    page.mouse.click(x, y)
    page.wait_for_function("document.querySelector('#weight-input').value === '-1'")
    s = wait_for_new_episode(page, old)
    assert s["request"]["weight"] == -1.0
    # the marker follows the weight, and a second visit reads the disk cache
    page.wait_for_function("() => document.querySelector('#profile-graph .js-plotly-plot').layout.shapes"
                           ".some(sh => sh.x0 === -1)")
    page.reload()
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
    page.locator("#profile-episodes").fill("4")
    page.locator("#profile-episodes").press("Enter")
    page.wait_for_function("document.querySelector('#profile-result').innerText === 'from the cache'")


def test_clicking_mnist_accuracy_curve_sets_the_weight(page, live_server):
    page.goto(live_server + "/?genome=mnist-evolved&panel=mnist")
    page.wait_for_function("() => { const gd = document.querySelector('#mnist-profile .js-plotly-plot');"
                           " return gd && gd.data.some(t => t.meta === 'overall'); }", timeout=60_000)
    page.locator("#mnist-profile").scroll_into_view_if_needed()
    xs = page.evaluate("() => document.querySelector('#mnist-profile .js-plotly-plot').data"
                       ".find(t => t.meta === 'overall').x")
    x, y = curve_point(page, "mnist-profile", "overall", xs.index(1.0))
    page.mouse.click(x, y)
    page.wait_for_function("document.querySelector('#weight-input').value === '1'")


def test_the_four_conditions_beside_the_paper(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Four conditions")
    page.locator("#conditions-episodes").fill("5")
    page.locator("#conditions-episodes").press("Enter")
    page.get_by_role("button", name="Run the four conditions").click()
    page.wait_for_selector("#conditions-values", timeout=60_000)
    rows = page.locator("#conditions-values tbody tr")
    assert rows.count() == 4
    assert page.locator("#conditions-values tr[data-condition='tuned_weights'] td").nth(2).inner_text() == "932 ± 6"
    assert "(w = " in page.locator("#conditions-values tr[data-condition='tuned_shared_weight']").inner_text()
    bars = page.evaluate("() => document.querySelector('#conditions-graph .js-plotly-plot').data.map(t => t.meta)")
    assert bars == ["ours", "paper"]


def test_scrubbing_the_example_run_swaps_the_champion_in(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Evolution")
    page.wait_for_function("() => { const gd = document.querySelector('#run-fitness .js-plotly-plot');"
                           " return gd && gd.data.some(t => t.meta === 'best-fitness'); }")
    assert "example-swingup" in page.locator("#run-picker").inner_text()
    click_generation(page, 32, last=128)
    page.wait_for_function("() => { const s = window.wannPlayer.state(); return s.request && s.complete &&"
                           " s.request.genome === 'run:example-swingup:32'; }", timeout=30_000)
    page.wait_for_function("decodeURIComponent(location.search).includes('genome=run:example-swingup:32')")
    assert "generation 32" in page.locator("#genome-picker").inner_text()
    # the amber line marks the generation on the fitness curve
    assert page.evaluate("() => document.querySelector('#run-fitness .js-plotly-plot').layout.shapes[0].x0") == 32
    # and the link reopens that generation
    open_app(page, live_server, "?" + page.url.split("?", 1)[1])
    page.wait_for_function("window.wannPlayer.state().request && "
                           "window.wannPlayer.state().request.genome === 'run:example-swingup:32'")


def test_compare_two_weights_side_by_side(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Compare")
    page.locator("#compare-weight-b").fill("-1.5")
    page.locator("#compare-weight-b").press("Enter")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("#compare-result-b strong", timeout=60_000)
    a = float(page.locator("#compare-result-a strong").inner_text())
    b = float(page.locator("#compare-result-b strong").inner_text())
    assert a != b
    names = page.evaluate("() => document.querySelector('#compare-graph .js-plotly-plot').data.map(t => t.name)")
    assert "w = 0.8" in names[0] and "w = -1.5" in names[1]
    page.wait_for_function("window.wannCompare.state().frame > 10")  # both stages animate
    assert page.evaluate("window.wannCompare.state().steps") == [1000, 1000]


def test_knocking_out_a_node_changes_the_return_and_is_in_the_link(page, live_server):
    open_app(page, live_server, SWING)
    s = wait_for_new_episode(page, None)
    before = s["finalReturn"]
    wait_for_network(page)
    page.get_by_role("button", name="Pause").click()
    x, y = point_centre(page, "nodes", 12)
    page.mouse.click(x, y)
    page.wait_for_function("document.querySelector('#node-info').innerText.includes('gaussian 12')")
    page.get_by_role("button", name="Knock out or restore the node").click()
    s = wait_for_new_episode(page, s["id"])
    assert s["request"]["off"] and s["finalReturn"] != before
    assert "knocked out" in page.locator("#weights-message").inner_text()
    page.wait_for_function("location.search.includes('off=')")
    page.wait_for_function("() => document.querySelector('#network-graph .js-plotly-plot').data"
                           ".some(t => t.meta === 'knocked')")
    # reset brings the return back
    page.get_by_role("button", name="Reset all connections").click()
    s = wait_for_new_episode(page, s["id"])
    assert s["finalReturn"] == before


def _download(page, name: str, tmp_path):
    with page.expect_download() as dl:
        page.locator("#pane-export").get_by_role("button", name=name).click()
    d = dl.value
    path = tmp_path / d.suggested_filename
    d.save_as(path)
    return path


def test_every_export_downloads_and_opens(browser, live_server, tmp_path):
    from PIL import Image

    context = browser.new_context(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page = context.new_page()
    try:
        open_app(page, live_server, SWING)
        wait_for_new_episode(page, None)
        open_tab(page, "Export")
        svg = _download(page, "Network (SVG)", tmp_path)
        root = ET.parse(svg).getroot()
        assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 29
        png = _download(page, "Network (PNG)", tmp_path)
        assert Image.open(png).format == "PNG"
        gif = Image.open(_download(page, "Rollout (GIF)", tmp_path))
        assert gif.format == "GIF" and gif.n_frames > 50
        native = load_genome(_download(page, "Genome (JSON)", tmp_path))
        shipped = load_genome("saved_genomes/swingup-authors.json")
        assert np.array_equal(native.connections, shipped.connections)
        bundle = _download(page, "Genome (.out + .wann.json)", tmp_path)
        with zipfile.ZipFile(bundle) as z:
            names = sorted(z.namelist())
            out_name = next(n for n in names if n.endswith(".out"))
            (tmp_path / out_name).write_bytes(z.read(out_name))
            assert any(n.endswith(".wann.json") for n in names)
            json.loads(z.read(next(n for n in names if n.endswith(".wann.json"))))
        back = load_genome(tmp_path / out_name, task="swingup")
        golden = np.load(GOLDEN / "swing_forward.npz")  # the authors' code's inputs and outputs
        x, ws = golden["inputs"], golden["shared_weights"]
        assert np.array_equal(forward(back, x, ws), forward(shipped, x, ws))
        onnx_path = _download(page, "Genome (ONNX)", tmp_path)
        import onnxruntime as ort

        sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        y = sess.run(None, {"x": x})[0]  # the shared weight defaults to the view's, 0.8
        assert np.allclose(y, forward(shipped, x, 0.8)[0], atol=1e-6)
        for k, w in enumerate(ws):
            y = sess.run(None, {"x": x, "shared_weight": np.array(w)})[0]
            assert np.allclose(y, golden["shared_outputs"][k], atol=1e-6)
        assert "Run the weight profile first" in _csv_refusal(page, "Profile (CSV)")
    finally:
        context.close()


def _csv_refusal(page, name: str) -> str:
    page.locator("#pane-export").get_by_role("button", name=name).click()
    page.wait_for_function("document.querySelector('#export-message').innerText.includes('first')")
    return page.locator("#export-message").inner_text()


def test_profile_csv_after_a_profile(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page = context.new_page()
    try:
        open_app(page, live_server, SWING)
        open_tab(page, "Weight profile")
        page.locator("#profile-weights").click()
        page.get_by_role("option", name="9 weights, -2 to 2 by 0.5").click()
        page.locator("#profile-episodes").fill("2")
        page.locator("#profile-episodes").press("Enter")
        page.get_by_role("button", name="Run profile").click()
        page.wait_for_function("document.querySelector('#profile-result').innerText === 'done'", timeout=60_000)
        open_tab(page, "Export")
        csv_text = _download(page, "Profile (CSV)", tmp_path).read_text()
        lines = csv_text.strip().splitlines()
        assert lines[0] == "weight,mean_return,sd_return" and len(lines) == 10
    finally:
        context.close()


def test_a_profile_can_be_cancelled(page, live_server):
    page.goto(live_server + "/?genome=biped-authors&panel=biped")
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
    open_tab(page, "Weight profile")
    page.locator("#profile-episodes").fill("40")
    page.locator("#profile-episodes").press("Enter")
    page.get_by_role("button", name="Run profile").click()
    page.wait_for_function("!document.querySelector('#profile-cancel').disabled", timeout=30_000)
    page.get_by_role("button", name="Cancel").first.click()
    page.wait_for_function("!document.querySelector('#profile-run').disabled", timeout=30_000)
    assert page.locator("#profile-result").inner_text() != "done"


def test_bad_profile_settings_are_explained(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Weight profile")
    page.locator("#profile-episodes").fill("lots")
    page.locator("#profile-episodes").press("Enter")
    page.get_by_role("button", name="Run profile").click()
    page.wait_for_function("document.querySelector('#profile-message').innerText.includes('whole number')",
                           timeout=30_000)


def test_fine_tuning_in_the_app_opens_the_tuned_genome(page, live_server):
    open_app(page, live_server, SWING)
    open_tab(page, "Fine-tune")
    page.locator("#tune-generations").fill("2")
    page.locator("#tune-generations").press("Enter")
    page.locator("#tune-episodes").fill("2")
    page.locator("#tune-episodes").press("Enter")
    page.get_by_role("button", name="Tune the weights").click()
    page.wait_for_function("document.querySelector('#tune-message').innerText.includes('Tuned')", timeout=60_000)
    page.wait_for_function("() => { const r = window.wannPlayer.state().request || {};"
                           " return r.base === 'tuned' && r.genome.startsWith('upload-'); }", timeout=30_000)
    assert "(tuned here)" in page.locator("#genome-picker").inner_text()
    assert page.evaluate("() => document.querySelector('#tune-graph .js-plotly-plot').data[0].x.length") == 2
