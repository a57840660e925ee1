"""Screenshots of every panel of the explorer for the README (docs/screenshot-<panel>.png).

Usage: ``python scripts/ui_screenshots.py [--out docs]``. Starts the app on a
free port and drives headless Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS, ROOT, click_generation, free_port, start_app, stop

SHOTS = [
    # (file stem, path + query, frame to show (a step, "upright", "mnist" or None), full page)
    ("swingup", "/?genome=swingup-authors&weight=-1.5&seed=0&panel=swingup", "upright", True),
    ("biped", "/?genome=biped-authors&weight=-1.87&seed=0&panel=biped", 300, True),
    ("carracing", "/?genome=carracing-evolved&weight=-1.5&seed=0&panel=carracing", 300, True),
    # (until saved_genomes/mnist-evolved.json ships, the link falls back and the panel explains)
    ("mnist", "/?genome=mnist-evolved&panel=mnist&digit=7&image=0", "mnist", False),
    ("embed", "/embed?genome=swingup-authors&weight=-1.5&seed=0&panel=swingup", 150, True),
]


def viewport_shots(browser, base: str, out: Path) -> None:
    """What a projector (1280 x 720), an 800 x 500 iframe beside the article and a phone show, unscrolled."""
    query = "?genome=swingup-authors&seed=0&panel=swingup"
    for stem, size in (("projector-1280x720", (1280, 720)), ("phone", (390, 844))):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(base + "/" + query)
        page.wait_for_function("window.wannPlayer && window.wannPlayer.state().complete", timeout=60_000)
        page.evaluate("window.wannPlayer.pause(); window.wannPlayer.seek(160)")
        page.wait_for_timeout(1200)
        page.screenshot(path=str(out / f"screenshot-{stem}.png"))
        print(out / f"screenshot-{stem}.png")
        page.close()
    page = browser.new_page(viewport={"width": 840, "height": 540})
    page.goto(base.replace("127.0.0.1", "localhost") + "/_dash-layout")  # another origin, as an article is
    page.set_content(f'<body style="margin:20px;background:#ddd"><iframe src="{base}/embed{query}" width="800" '
                     'height="500" style="border:0;background:#fff"></iframe></body>')
    frame = next(f for f in page.frames if "/embed" in f.url)
    frame.wait_for_function("window.wannPlayer && window.wannPlayer.state().complete", timeout=60_000)
    frame.evaluate("window.wannPlayer.pause(); window.wannPlayer.seek(160)")
    page.wait_for_timeout(1200)
    page.screenshot(path=str(out / "screenshot-iframe-800x500.png"))
    print(out / "screenshot-iframe-800x500.png")
    page.close()


def _tab(page, title: str) -> None:
    page.locator("#analysis").scroll_into_view_if_needed()
    page.locator("#analysis-tabs").get_by_text(title, exact=True).click()


def analysis_shots(browser, base: str, out: Path) -> None:
    """The analysis panels (docs/screenshot-analysis-<panel>.png) and a knockout in the network view."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base + "/?genome=swingup-authors&seed=0&panel=swingup")
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().complete", timeout=60_000)
    page.evaluate("window.wannPlayer.pause()")

    def shot(stem: str, selector: str = "#analysis") -> None:
        page.wait_for_timeout(700)
        page.locator(selector).screenshot(path=str(out / f"screenshot-{stem}.png"))
        print(out / f"screenshot-{stem}.png")

    _tab(page, "Weight profile")
    page.get_by_role("button", name="Run profile").click()
    # "from the cache" when an earlier run of this script (or anyone) measured it already
    page.wait_for_function("['done', 'from the cache'].includes(document.querySelector('#profile-result').innerText)",
                           timeout=120_000)
    shot("analysis-profile")
    _tab(page, "Four conditions")
    page.get_by_role("button", name="Run the four conditions").click()
    page.wait_for_selector("#conditions-values", timeout=300_000)
    shot("analysis-conditions")
    _tab(page, "Fine-tune")
    page.locator("#tune-generations").fill("12")
    page.locator("#tune-generations").press("Enter")
    page.get_by_role("button", name="Tune the weights").click()
    page.wait_for_function("document.querySelector('#tune-message').innerText.includes('Tuned')", timeout=300_000)
    shot("analysis-tune")
    page.goto(base + "/?genome=swingup-authors&seed=0&panel=swingup")
    page.wait_for_function("window.wannPlayer && window.wannPlayer.state().complete", timeout=60_000)
    page.evaluate("window.wannPlayer.pause()")
    _tab(page, "Evolution")
    click_generation(page, 32, last=128)
    page.wait_for_function("(window.wannPlayer.state().request || {}).genome === 'run:example-swingup:32'")
    shot("analysis-evolution")
    _tab(page, "Compare")
    page.locator("#compare-genome-a").click()
    page.get_by_role("option", name="CartPoleSwingUp champion (Gaier & Ha)", exact=True).click()
    page.locator("#compare-weight-a").fill("0.8")
    page.locator("#compare-weight-a").press("Enter")
    page.locator("#compare-weight-b").fill("1.2")
    page.locator("#compare-weight-b").press("Enter")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("#compare-result-b strong", timeout=60_000)
    page.evaluate("window.wannCompare.seek(300)")  # a still frame: both stages at step 300
    page.wait_for_timeout(200)
    shot("analysis-compare")
    _tab(page, "Export")
    shot("analysis-export")
    page.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc, _ = start_app(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for stem, url, frame, full in SHOTS:
                # The MNIST panel is taller: weight and accuracy, masks, accuracy by weight, test images.
                page.set_viewport_size({"width": 1400, "height": 1420 if frame == "mnist" else 1000})
                page.goto(f"http://127.0.0.1:{port}{url}")
                page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
                if frame == "mnist":
                    if page.locator("#panel.mnist").count():
                        page.wait_for_function(
                            "() => { const gd = document.querySelector('#mnist-profile .js-plotly-plot');"
                            " return gd && gd.data.some(t => t.meta === 'digit-accuracy')"
                            " && document.querySelector('#mnist-accuracy')"
                            " && document.querySelector('#mnist-verdict').innerText; }", timeout=60_000)
                elif frame is not None:
                    page.wait_for_function("window.wannPlayer.state().complete", timeout=60_000)
                    if frame == "upright":  # the first step after the swing-up with the pole near the top
                        frame = page.evaluate(
                            "() => { const n = window.wannPlayer.state().length;"
                            " for (let f = 100; f <= n; f++) { const t = window.wannPlayer.frameData(f).theta;"
                            "   if (Math.cos(t) > 0.99) return f; } return 100; }")
                    page.evaluate(f"window.wannPlayer.pause(); window.wannPlayer.seek({frame})")
                page.wait_for_timeout(1500 if frame == "mnist" else 800)  # the network figure follows the episode
                path = out / f"screenshot-{stem}.png"
                page.screenshot(path=str(path), full_page=full)
                print(path)
            viewport_shots(browser, f"http://127.0.0.1:{port}", out)
            analysis_shots(browser, f"http://127.0.0.1:{port}", out)
            browser.close()
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
