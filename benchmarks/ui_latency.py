"""UI latency of the WANN Explorer, measured in a real browser against the real app.

Usage::

    python benchmarks/ui_latency.py [--tries 20] [--start-tries 20]

Measures (medians over ``--tries``):

* app start to serving: ``python app.py`` spawned -> first 200 from ``/_dash-layout``;
* slider release -> the new episode's first frame drawn, swing-up (target 150 ms) and
  biped (target 1 s). Each try drags the "Shared weight" slider with the mouse to a
  weight not used before (no cache hits), with the player paused at step 0 so the
  change starts a new episode; the times are taken inside the page
  (``pointerup`` -> the player's first draw of the new episode);
* for information: a weight change mid-episode (release -> the player continues
  with the new weight) and the playback rate (frames drawn per second);
* the analysis panel's weight profile of the swing-up champion, 41 weights x 20 seeds:
  "Run profile" clicked -> the curve drawn, with an empty disk cache (cold, target 3 s)
  and switching to a profile already in the disk cache (cached, target 100 ms);
* MNIST: a weight change -> the exact accuracy of the 10,000 test images shown (target 250 ms).

Needs Chromium at /usr/bin/chromium and the ``playwright`` Python package.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS, ROOT, drag_weight_for, free_port, start_app, stop  # noqa: F401


INSTALL_RELEASE_CLOCK = """() => {
  if (window.__releaseClock) return;
  window.__releaseClock = true;
  window.addEventListener('pointerup', () => { window.__release = performance.now(); }, true);
}"""


def drag_slider(page, fraction: float) -> None:
    thumb = page.get_by_label("Shared weight")
    box = thumb.bounding_box()
    track = page.locator("#weight-slider .dash-slider-root").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], y, steps=4)
    page.mouse.up()


def state(page) -> dict:
    return page.evaluate("window.wannPlayer.state()")


def fresh_release_latency(page, fraction: float, seen: set) -> float | None:
    """Slider release -> first frame of the server's new episode (ms), player paused at step 0 before.
    (With a browser preview, swing-up, the new weight's episode is on screen already during the drag;
    this is when the server's episode replaces it.)"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate("window.wannPlayer.pause(); window.wannPlayer.seek(0);")
    old = state(page)["id"]
    drag_slider(page, fraction)
    try:
        page.wait_for_function(
            "(old) => { const s = window.wannPlayer.state();"
            " return s.id !== old && !s.preview && s.lastLoad && s.lastLoad.firstDraw !== null"
            " && s.lastLoad.t >= window.__release; }", arg=old, timeout=20_000)
    except PlaywrightTimeout:
        return None  # the slider landed on the weight it had: no new episode
    s = state(page)
    weight = s["request"]["weight"]
    if weight in seen:
        return None  # the slider landed on a weight already run: a cache hit would not be fair
    seen.add(weight)
    return s["lastLoad"]["firstDraw"] - page.evaluate("window.__release")


def wait_complete(page) -> None:
    page.wait_for_function("window.wannPlayer.state().complete", timeout=60_000)


def mid_episode_latency(page, fraction: float) -> float | None:
    """Slider release during playback -> the player continues with the new weight (ms)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate("window.wannPlayer.seek(0); window.wannPlayer.play();")
    page.wait_for_function("window.wannPlayer.state().frame > 20")
    old = state(page)["id"]
    drag_slider(page, fraction)
    try:
        page.wait_for_function(
            "(old) => { const s = window.wannPlayer.state(); return s.id !== old && !s.holding && !s.preview"
            " && s.lastLoad.firstDraw !== null && s.lastLoad.t >= window.__release; }", arg=old, timeout=20_000)
    except PlaywrightTimeout:
        return None  # same weight as before: nothing to do
    s = state(page)
    return s["lastLoad"]["firstDraw"] - page.evaluate("window.__release")


def playback_fps(page, seconds: float = 2.0) -> float:
    page.evaluate("window.wannPlayer.seek(0); window.wannPlayer.play();")
    d0 = state(page)["draws"]
    page.wait_for_timeout(int(seconds * 1000))
    return (state(page)["draws"] - d0) / seconds


def drag_rate(page, seconds: float = 1.0) -> float:
    """Canvas changes per second while the weight slider is dragged for ``seconds`` (swing-up's preview)."""
    changes, dragged, _ = drag_weight_for(page, seconds)
    wait_complete(page)
    return changes / dragged


PROFILE_DRAWN = """async ([action, n]) => {
  const t0 = performance.now();
  if (action === 'run') document.getElementById('profile-run').click();
  else window.dash_clientside.set_props('profile-weights', {value: action});
  return await new Promise((resolve) => {
    function poll() {
      const gd = document.querySelector('#profile-graph .js-plotly-plot');
      const t = gd && gd.data && gd.data.find((d) => d.meta === 'profile');
      if (t && t.x.length === n) resolve(performance.now() - t0); else requestAnimationFrame(poll);
    }
    poll();
  });
}"""


# A profile is shown: just computed ("done"), or found in the disk cache by a later lookup.
SHOWN = "['done', 'from the cache'].includes(document.querySelector('#profile-result').innerText)"


def profile_latency(page, cache_dir: str, tries: int) -> tuple[list[float], list[float]]:
    """(cold, cached) ms: Run clicked with an empty disk cache -> 41-point curve drawn; and switching
    between two cached profiles (41 and 9 weights) -> the curve drawn."""
    import diskcache

    page.locator("#analysis").scroll_into_view_if_needed()
    page.locator("#analysis-tabs").get_by_text("Weight profile", exact=True).click()
    page.wait_for_timeout(2000)  # the page's first lookups (genome, weights) have all answered
    cold, cached = [], []
    for _ in range(tries):
        diskcache.Cache(cache_dir).clear()
        page.reload()  # forget the profile this page computed last time
        page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
        page.locator("#analysis").scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.evaluate("window.dash_clientside.set_props('profile-weights', {value: 'coarse'})")
        page.wait_for_function("document.querySelector('#profile-result').innerText === 'not computed yet'")
        page.evaluate("window.dash_clientside.set_props('profile-weights', {value: 'fine'})")
        page.wait_for_timeout(1000)  # the lookup of the (empty) cache for 41 weights has answered
        cold.append(page.evaluate(PROFILE_DRAWN, ["run", 41]))
        page.wait_for_function(SHOWN)
    page.evaluate("window.dash_clientside.set_props('profile-weights', {value: 'coarse'})")
    page.wait_for_function("document.querySelector('#profile-result').innerText === 'not computed yet'")
    page.wait_for_function("!document.querySelector('#profile-run').disabled")
    page.click("#profile-run")
    page.wait_for_function(SHOWN)
    for i in range(tries):
        choice, n = ("fine", 41) if i % 2 == 0 else ("coarse", 9)
        cached.append(page.evaluate(PROFILE_DRAWN, [choice, n]))
        page.wait_for_timeout(100)
    return cold, cached


MNIST_SHOWN = """async (w) => {
  const el = document.getElementById('mnist-readout');
  const before = el.innerText;
  const t0 = performance.now();
  window.dash_clientside.set_props('weight-input', {value: String(w)});
  return await new Promise((resolve) => {
    function poll() {
      if (el.innerText !== before && el.innerText.includes('%')) resolve(performance.now() - t0);
      else if (performance.now() - t0 > 15000) resolve(null);
      else requestAnimationFrame(poll);
    }
    poll();
  });
}"""


def mnist_latency(page, tries: int) -> list[float]:
    """Weight typed -> the exact test accuracy at that weight shown (ms), a new weight each try."""
    out = []
    shown = float(page.input_value("#weight-input"))
    for i in range(tries):
        w = round(-1.95 + 3.9 * (i + 0.37) / tries, 3)  # a new weight every time, never the one shown
        if w == shown:
            w += 0.001
        ms = page.evaluate(MNIST_SHOWN, w)
        if ms is not None:
            out.append(ms)
        shown = w
        page.wait_for_timeout(150)
    return out


def fractions(n: int, offset: float) -> list[float]:
    """n distinct slider positions spread over the track."""
    return [0.06 + ((i * 0.37 + offset) % 0.88) for i in range(n)]


def summary(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=20, help="tries per browser measure (default 20)")
    parser.add_argument("--start-tries", type=int, default=20, help="app starts to time (default 20)")
    parser.add_argument("--parts", default="start,slider,analysis",
                        help="what to measure, comma-separated: start, slider, analysis (default all)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    drags: list[float] = []
    starts = []
    for _ in range(args.start_tries if "start" in parts else 0):
        proc, seconds = start_app(free_port())
        starts.append(seconds * 1000)
        stop(proc)
    if starts:
        rows.append(("app start -> serving", starts, 5000))

    import tempfile

    # A disk cache of its own, so that "cold" is cold.
    os.environ["WANN_CACHE_DIR"] = tempfile.mkdtemp(prefix="wann-bench-cache-")
    port = free_port()
    proc, _ = start_app(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            for task, query, target, offset in (("swing-up", "?genome=swingup-authors", 150, 0.0),
                                                 ("biped", "?genome=biped-authors", 1000, 0.011)
                                                 ) if "slider" in parts else ():
                page.goto(base + "/" + query)
                page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
                page.evaluate(INSTALL_RELEASE_CLOCK)
                wait_complete(page)
                seen = {state(page)["request"]["weight"]}
                times = []
                for fraction in fractions(args.tries * 2, offset):
                    if len(times) == args.tries:
                        break
                    ms = fresh_release_latency(page, fraction, seen)
                    wait_complete(page)  # let a long episode's second part finish before the next try
                    if ms is not None:
                        times.append(ms)
                rows.append((f"slider release -> the server's new {task} episode drawn", times, target))
                mids = []
                for fraction in fractions(max(5, args.tries // 2), offset + 0.5):
                    ms = mid_episode_latency(page, fraction)
                    wait_complete(page)
                    if ms is not None:
                        mids.append(ms)
                rows.append((f"slider release mid-episode -> {task} continues (info)", mids, None))
                fps = [playback_fps(page) for _ in range(3)]
                rows.append((f"{task} playback, frames drawn per second (info)", fps, None))
                if task == "swing-up":
                    drags.extend(drag_rate(page) for _ in range(max(3, args.tries // 4)))
            if "analysis" not in parts:
                browser.close()
                return report(rows, drags)
            print("measuring the analysis panels...", file=sys.stderr, flush=True)
            page.goto(base + "/?genome=swingup-authors")
            page.wait_for_function("window.wannPlayer && window.wannPlayer.state().loads > 0")
            cold, cached = profile_latency(page, os.environ["WANN_CACHE_DIR"], max(3, args.tries // 4))
            rows.append(("swing-up profile, 41 weights x 20 seeds, cold: Run -> curve drawn", cold, 3000))
            rows.append(("swing-up profile, 41 weights x 20 seeds, cached: choice -> curve drawn", cached, 100))
            page.goto(base + "/?genome=mnist-evolved&panel=mnist")
            page.wait_for_function("(document.getElementById('mnist-readout') || {innerText: ''})"
                                   ".innerText.includes('%')", timeout=120_000)
            page.wait_for_timeout(1000)
            rows.append(("MNIST weight change -> exact test accuracy shown", mnist_latency(page, args.tries), 250))
            browser.close()
    finally:
        stop(proc)
    return report(rows, drags)


def report(rows: list, drags: list) -> int:
    print(f"\nWANN Explorer UI latency ({os.cpu_count()} CPUs; medians over the tries)\n")
    print("| measure | tries | median | p90 | target | median / target | ok |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, values, target in rows:
        med, p90 = summary(values)
        unit = "" if "per second" in name else " ms"
        ok = "" if target is None else ("yes" if med <= target else "NO")
        tgt = "" if target is None else f"<= {target} ms"
        ratio = "" if target is None else f"{med / target:.2f}"
        print(f"| {name} | {len(values)} | {med:.0f}{unit} | {p90:.0f}{unit} | {tgt} | {ratio} | {ok} |")
    if not drags:
        return 0 if all(t is None or summary(v)[0] <= t for _, v, t in rows) else 1
    med = summary(drags)[0]
    print("\n| drag of the weight slider (swing-up, browser preview) | tries | canvas updates per second | "
          "ratio to the article's 30 per second | ok |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| 1-second drag | {len(drags)} | {med:.0f} | {med / 30:.2f} | {'yes' if med >= 30 else 'NO'} |")
    ok = all(t is None or summary(v)[0] <= t for _, v, t in rows) and med >= 30
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
