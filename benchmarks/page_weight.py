"""Bytes a browser transfers to open the explorer: a cold load (empty cache) and a reload.

Usage: ``python benchmarks/page_weight.py``. Serves ``app.py`` on a free port and opens the
swing-up view in headless Chromium (``/usr/bin/chromium``); counts the encoded (compressed) bytes
of every response until the first episode plays. The target for a classroom is at most 2 MB cold.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop

VIEW = "/?genome=swingup-authors&panel=swingup"


def main() -> int:
    port = free_port()
    proc, _ = start_app(port)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context()
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            seen = {"bytes": 0, "n": 0}

            def finished(event):
                seen["bytes"] += event.get("encodedDataLength", 0)
                seen["n"] += 1

            cdp.on("Network.loadingFinished", finished)
            for label, go in (("cold load", lambda: page.goto(f"http://127.0.0.1:{port}{VIEW}")),
                              ("reload", page.reload)):
                seen.update(bytes=0, n=0)
                go()
                page.wait_for_function("() => window.wannPlayer && window.wannPlayer.state().id", timeout=30_000)
                page.wait_for_timeout(2500)  # the network figure and the rest of the first callbacks
                rows.append((label, seen["bytes"] / 1e6, seen["n"]))
            browser.close()
    finally:
        stop(proc)
    print(f"{'page':<12}{'MB':>8}{'requests':>10}{'target':>10}")
    for label, mb, n in rows:
        target = "<= 2 MB" if label == "cold load" else ""
        print(f"{label:<12}{mb:>8.2f}{n:>10}{target:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
