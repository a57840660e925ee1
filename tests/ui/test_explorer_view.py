"""The explorer as a class, a projector and an article see it (headless Chromium, real server):
the drag preview, links that hold the whole view, Restart, the layouts, the network view and
the input messages. No timings are asserted (benchmarks/ui_latency.py measures them)."""

from __future__ import annotations

import pytest

from wann_viz.ui.testing import drag_weight_for

from .test_browser import open_app, point_centre, state, wait_for_network, wait_for_new_episode

pytestmark = pytest.mark.browser

SWING = "?genome=swingup-authors&seed=0&panel=swingup"


def final_return(page) -> str:
    page.wait_for_function("() => { const s = window.wannPlayer.state();"
                           " return s.complete && !s.preview && !s.holding; }", timeout=30_000)
    return page.locator("#return-final").inner_text()


def test_the_canvas_follows_a_one_second_drag(page, live_server):
    open_app(page, live_server, SWING)
    page.wait_for_function("window.wannPlayer.state().complete")
    changes, _, s = drag_weight_for(page, 1.0)
    assert s["preview"] and s["previews"] > 5
    assert changes >= 30, f"the canvas changed {changes} times during a 1-second drag"
    # on release the server's episode replaces the preview
    s2 = wait_for_new_episode(page, "preview")
    assert not s2["preview"] and s2["request"]["weight"] == float(page.locator("#weight-input").input_value())


def test_a_link_after_a_mid_episode_change_reopens_to_the_same_return(page, browser, live_server):
    open_app(page, live_server, SWING)
    page.wait_for_function("window.wannPlayer.state().frame > 120")
    page.locator("#weight-input").fill("1.2")
    page.locator("#weight-input").press("Enter")
    page.wait_for_function("() => { const r = window.wannPlayer.state().request;"
                           " return r && r.schedule && r.schedule.length === 2; }")
    shown = final_return(page)
    step = state(page)["request"]["schedule"][1][0]
    assert page.locator("#schedule-text").inner_text() == f"Weight changes: w 0.80 from step 0, then w 1.20 from step {step}"
    page.wait_for_function("location.search.includes('schedule=')")
    link = page.evaluate("location.href")
    assert f"schedule=0:0.8,{step}:1.2" in link
    other = browser.new_context(viewport={"width": 1280, "height": 720})  # a fresh browser: nothing shared
    try:
        p2 = other.new_page()
        open_app(p2, link, "", path="")
        final = final_return(p2)
        assert state(p2)["request"]["schedule"] == [[0, 0.8], [step, 1.2]]
        assert final == shown
        # Restart runs what the controls say: weight 1.2 from step 0, not the link's schedule
        p2.get_by_role("button", name="Restart").click()
        p2.wait_for_function("() => { const r = window.wannPlayer.state().request;"
                             " return r && r.schedule === null && r.weight === 1.2; }")
        fresh = final_return(p2)
        p3 = other.new_page()
        open_app(p3, live_server, "?genome=swingup-authors&seed=0&panel=swingup&weight=1.2")
        assert final_return(p3) == fresh != shown
    finally:
        other.close()


def test_a_link_with_tuned_weights_edits_and_knockouts_reopens(page, browser, live_server):
    open_app(page, live_server, SWING)
    page.get_by_role("button", name="Load tuned weights").click()
    page.wait_for_function("() => (window.wannPlayer.state().request || {}).base === 'tuned'")
    page.get_by_label("Connection", exact=True).click()
    page.get_by_role("option", name="3: x → gaussian 12", exact=True).click()
    page.locator("#edge-weight").fill("0.5")
    page.get_by_role("button", name="Set weight").click()
    page.wait_for_function("() => ((window.wannPlayer.state().request || {}).edits || {})['3'] === 0.5")
    page.get_by_label("Connection", exact=True).click()
    page.get_by_role("option", name="5: x_dot → tanh 11", exact=True).click()
    page.get_by_role("button", name="Knock out / restore").click()
    page.wait_for_function("() => ((window.wannPlayer.state().request || {}).off || []).length === 1")
    shown = final_return(page)
    page.wait_for_function("location.search.includes('off=')")
    link = page.evaluate("location.href")
    assert "base=tuned" in link and "edits=3:0.5" in link and "off=5" in link
    other = browser.new_context()
    try:
        p2 = other.new_page()
        open_app(p2, link, "", path="")
        assert final_return(p2) == shown
        s = state(p2)
        assert s["request"]["base"] == "tuned" and s["request"]["edits"] == {"3": 0.5} and s["request"]["off"] == [5]
    finally:
        other.close()


def test_projector_viewport_shows_stage_slider_and_play(browser, live_server):
    for width, height in ((1280, 720), (1024, 768), (1400, 900)):
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            open_app(page, live_server, SWING)
            for locator in (page.locator("#stage-canvas"), page.get_by_label("Shared weight"),
                            page.locator(".play-toggle"), page.locator("#return-final"),
                            page.locator("#network-graph .js-plotly-plot")):
                box = locator.bounding_box()
                assert box is not None and box["y"] >= 0 and box["x"] + box["width"] <= width
                assert box["y"] + min(box["height"], 40) <= height, (width, height, locator)
            canvas = page.locator("#stage-canvas").bounding_box()
            assert canvas["y"] + canvas["height"] <= height  # the whole stage
            network = page.locator("#network-graph .js-plotly-plot").bounding_box()
            assert network["x"] >= canvas["x"] + canvas["width"]  # beside the stage, not under it
        finally:
            context.close()


def test_embed_in_an_800x500_iframe_on_another_origin(browser, live_server):
    context = browser.new_context(viewport={"width": 900, "height": 600})
    try:
        page = context.new_page()
        host = live_server.replace("127.0.0.1", "localhost")  # another origin than the app's
        page.goto(host + "/_dash-layout")
        page.set_content(f'<iframe id="f" src="{live_server}/embed{SWING}&hide=seed" width="800" height="500" '
                         'style="border:0"></iframe>')
        frame = page.frame_locator("#f")
        inner = next(f for f in page.frames if "/embed" in f.url)
        inner.wait_for_function("window.wannPlayer && window.wannPlayer.state().complete", timeout=30_000)
        for sel in ("#stage-canvas", "#weight-slider", "#return-final"):
            box = frame.locator(sel).bounding_box()
            assert box["y"] >= 0 and box["y"] + min(box["height"], 30) <= 500 and box["x"] + box["width"] <= 800, sel
        assert not frame.locator(".seed-row").is_visible()  # hide=seed
        before = inner.evaluate("window.wannPlayer.state().finalReturn")
        thumb = frame.get_by_label("Shared weight").bounding_box()
        track = frame.locator("#weight-slider .dash-slider-root").bounding_box()
        page.mouse.move(thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] + 0.85 * track["width"], thumb["y"] + thumb["height"] / 2, steps=5)
        page.mouse.up()
        inner.wait_for_function("(b) => { const s = window.wannPlayer.state();"
                                " return s.complete && !s.preview && s.finalReturn !== b; }", arg=before)
        got = inner.evaluate("window.wannPlayer.state().finalReturn")
        assert frame.locator("#return-final").inner_text() == f"{got:.2f}"
    finally:
        context.close()


@pytest.mark.parametrize("genome,query", [("swingup-authors", SWING),
                                          ("biped-authors", "?genome=biped-authors&seed=0&panel=biped")])
def test_every_connection_can_be_selected_by_a_click(page, live_server, genome, query):
    open_app(page, live_server, query)
    page.set_viewport_size({"width": 1600, "height": 1200})
    wait_for_network(page)
    if state(page)["playing"]:
        page.get_by_role("button", name="Pause").click()
    page.locator("#network-graph").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    # the dot's place from the figure's data and axes (the SVG nodes are reused across redraws)
    centre = ("(k) => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
              " const t = gd.data.find(t => t.meta === 'edge-handles'), fl = gd._fullLayout;"
              " const r = gd.querySelector('.main-svg').getBoundingClientRect();"
              " return [r.x + fl.xaxis._offset + fl.xaxis.l2p(t.x[k]), r.y + fl.yaxis._offset + fl.yaxis.l2p(t.y[k])]; }")
    n = page.evaluate("() => document.querySelector('#network-graph .js-plotly-plot').layout.meta.edges.length")
    picked = []
    for k in range(n):
        x, y = page.evaluate(centre, k)
        page.mouse.click(x, y)
        try:
            page.wait_for_function("(k) => document.querySelector('#edge-info').innerText.includes("
                                   "'(connection ' + k + ')')", arg=k, timeout=10_000)
        except Exception as exc:
            raise AssertionError(f"connection {k} at {x:.0f},{y:.0f}: {page.locator('#edge-info').inner_text()}") from exc
        # the figure redraws with the selection; the next click waits for it
        page.wait_for_function("(k) => { const gd = document.querySelector('#network-graph .js-plotly-plot');"
                               " const t = gd.data.find(t => t.meta === 'selected-edge');"
                               " const m = gd.layout.meta.edges[k];"
                               " return t && t.x[0] === gd.data.find(d => d.meta === 'nodes').x[m[0]]; }",
                               arg=k, timeout=10_000)
        page.wait_for_timeout(350)  # Plotly takes two clicks within 300 ms for a double click
        picked.append(k)
    assert picked == list(range(n))


def test_clicking_a_node_shows_its_formula(page, live_server):
    open_app(page, live_server, SWING)
    page.wait_for_function("window.wannPlayer.state().frame > 30")
    page.get_by_role("button", name="Pause").click()
    wait_for_network(page)
    x, y = point_centre(page, "nodes", 12)  # a gaussian node of the swing-up champion
    page.mouse.click(x, y)
    page.wait_for_function("document.querySelector('#node-formula').innerText.includes('gaussian 12')")
    text = page.locator("#node-formula").inner_text()
    frame = state(page)["frame"]
    value = page.evaluate("(f) => window.wannPlayer.nodeValues(f)[12]", frame)
    assert "f(x) = exp(-x^2 / 2)" in text and f"(step {frame})" in text
    assert "gaussian 12 = gaussian(0.8 × (" in text  # its inputs, scaled by the shared weight
    shown = float(text.split(") = ")[-1].split()[0])
    assert shown == pytest.approx(value, rel=1e-3, abs=1e-4)


def test_decimal_comma_and_out_of_range_weights_are_explained(page, live_server):
    s0 = open_app(page, live_server, SWING)
    box = page.locator("#weight-input")
    box.fill("0,5")
    box.press("Enter")
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["weight"] == 0.5 and box.input_value() == "0.5"
    assert page.locator("#weight-message").inner_text() == "Read 0,5 as 0.5 (a decimal comma)."
    box.fill("11")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#weight-message .error')")
    assert page.locator("#weight-message").inner_text() == (
        "11 is outside the weights the explorer runs, -10 to 10. The weight stays 0.5.")
    assert box.input_value() == "0.5" and state(page)["id"] == s1["id"]
    box.fill("3")
    box.press("Enter")
    wait_for_new_episode(page, s1["id"])
    assert page.locator("#weight-above").is_visible()  # marked beyond the slider
    assert "beyond the slider" in page.locator("#weight-message").inner_text()
    # the seed's error sits beside the seed
    page.locator("#seed-input").fill("1.5")
    page.locator("#seed-input").press("Enter")
    page.wait_for_function("document.querySelector('#seed-message .error')")
    assert "not a seed" in page.locator("#seed-message").inner_text()
    assert page.locator("#seed-input").input_value() == "0"


def test_space_toggles_play_and_page_keys_move_the_weight_by_a_tenth(page, live_server):
    s0 = open_app(page, live_server, SWING)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Space")
    page.wait_for_function("!window.wannPlayer.state().playing")
    page.wait_for_function("document.querySelector('.play-toggle').getAttribute('aria-label') === 'Play'")
    page.keyboard.press("Space")
    page.wait_for_function("window.wannPlayer.state().playing")
    page.get_by_label("Shared weight").focus()
    page.keyboard.press("PageUp")
    s1 = wait_for_new_episode(page, s0["id"], complete=False)
    assert s1["request"]["weight"] == 0.9


def test_copy_works_without_the_clipboard_api(page, live_server):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});"
                         "window.__copied = null; document.execCommand = function (c) {"
                         " window.__copied = String(window.getSelection()) || document.activeElement.value; return true; };")
    open_app(page, live_server, SWING)
    page.wait_for_function("document.querySelector('#share-link').value.includes('genome=')")
    page.locator("#copy-link").click()
    assert page.evaluate("window.__copied") == page.locator("#share-link").input_value()
    assert page.locator("#copy-link").inner_text() == "Copied"


def test_a_paused_episode_stays_paused_when_the_seed_changes(page, live_server):
    s0 = open_app(page, live_server, SWING)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Next seed").click()
    s1 = wait_for_new_episode(page, s0["id"])
    assert s1["request"]["seed"] == 1 and not s1["playing"] and s1["frame"] == 0


def test_a_failed_request_says_so_and_retry_works(page, live_server):
    open_app(page, live_server, SWING)
    page.route("**/*", lambda route: route.abort()
               if "episode-store" in (route.request.post_data or "") else route.continue_())
    page.locator("#weight-input").fill("0.3")
    page.locator("#weight-input").press("Enter")
    page.locator("#request-failed").wait_for(state="visible")
    assert "did not answer" in page.locator("#request-failed").inner_text()
    page.unroute("**/*")
    old = state(page)["id"]
    page.get_by_role("button", name="Retry").click()
    s = wait_for_new_episode(page, old)
    assert s["request"]["weight"] == 0.3
    page.locator("#request-failed").wait_for(state="hidden")
    page.console_log.errors.clear()  # the aborted request is logged by the browser


def test_projector_mode_from_the_link_and_the_button(page, live_server):
    open_app(page, live_server, SWING + "&mode=projector&hide=network")
    root = page.locator("#app-root")
    page.wait_for_function("document.getElementById('app-root').classList.contains('mode-projector')")
    size = lambda: float(page.evaluate("parseFloat(getComputedStyle(document.getElementById('app-root')).fontSize)"))  # noqa: E731
    big = size()
    assert not page.locator("#network-card").is_visible()  # hide=network
    page.get_by_role("button", name="Projector").click()
    page.wait_for_function("!document.getElementById('app-root').classList.contains('mode-projector')")
    assert size() < big and "mode-projector" not in root.get_attribute("class")
    page.wait_for_function("!location.search.includes('mode=')")  # the link follows the button
    assert "hide=network" in page.evaluate("location.search")
