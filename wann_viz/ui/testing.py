"""Serving the real app, driving headless Chromium and posting callbacks as a browser does:
shared by the tests, ``benchmarks/ui_latency.py``, ``benchmarks/load.py`` and
``scripts/ui_screenshots.py``.

Needs Chromium at :data:`CHROMIUM` (Debian: ``apt-get install chromium``) and
the ``playwright`` package; never ``playwright install``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, command: Sequence[str] | None = None, timeout: float = 60.0, cwd: Path | None = None,
              env: dict | None = None) -> tuple[subprocess.Popen, float]:
    """Spawn the app (default ``python app.py --port PORT``) from the repository root (or ``cwd``).

    The server's log goes to a file, not a pipe nobody reads (a full pipe would block it).

    Returns:
        ``(process, seconds until it served /_dash-layout)``.
    """
    cmd = list(command) if command is not None else [sys.executable, "app.py", "--host", "127.0.0.1",
                                                      "--port", str(port)]
    if env is None:
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd or ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_file = log  # for server_log(): what the server said, when a test fails
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=2) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.02)
        if time.perf_counter() - t0 > timeout:
            proc.kill()
            raise RuntimeError(f"the app did not start serving within {timeout:g} s")


def click_generation(page, generation: int, last: int) -> None:
    """Click the mark of ``generation`` on the evolution scrubber, as a user does (the slider's root
    takes the click), once the marks up to ``last`` are laid out."""
    slider = page.locator("#run-generation")
    slider.get_by_text(str(last), exact=True).wait_for()
    slider.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # the marks settle once min and max arrive
    box = slider.get_by_text(str(generation), exact=True).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def server_log(proc: subprocess.Popen, chars: int = 6000) -> str:
    """The last ``chars`` of what a server started by :func:`start_app` wrote."""
    log = getattr(proc, "log_file", None)
    if log is None:
        return ""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-chars:]


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server started by :func:`start_app`."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ----- driving the page -----------------------------------------------------------------

_COUNT_CANVAS = """() => { const c = window.__canvasChanges = {n: 0, on: true};
  const cv = document.getElementById('stage-canvas'); let last = null;
  (function poll() { if (!c.on) return; const d = cv.toDataURL(); if (d !== last) { c.n++; last = d; }
    requestAnimationFrame(poll); })(); }"""


def drag_weight_for(page, seconds: float = 1.0) -> tuple[int, float, dict]:
    """Hold the weight slider's thumb and drag it for ``seconds`` towards the far end of the
    track, as a hand would, counting how often the stage canvas changes; then release.

    Returns:
        ``(canvas changes, seconds dragged, the player's state just before the release)``.
    """
    page.evaluate(_COUNT_CANVAS)
    thumb = page.get_by_label("Shared weight").bounding_box()
    track = page.locator("#weight-slider .dash-slider-root").bounding_box()
    x, y = thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2
    target = track["x"] + (0.9 if x < track["x"] + track["width"] / 2 else 0.1) * track["width"]
    page.mouse.move(x, y)
    page.mouse.down()
    t0 = page.evaluate("performance.now()")
    now = t0
    while now - t0 < seconds * 1000:
        x += (target - x) * 0.08
        page.mouse.move(x, y)
        now = page.evaluate("performance.now()")
    changes = page.evaluate("window.__canvasChanges.n")
    before_release = page.evaluate("window.wannPlayer.state()")
    page.mouse.up()
    page.evaluate("window.__canvasChanges.on = false")
    return changes, (now - t0) / 1000, before_release


# ----- callback bodies, as the browser posts them ------------------------------------------

def server_callbacks(app) -> list[tuple[str, dict]]:
    """The app's server-side callbacks: ``[(output key, callback map entry)]``."""
    return [(k, v) for k, v in app.callback_map.items() if v.get("callback")]


def _outputs(key: str):
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    return out if key.startswith("..") else out[0]


def _items(specs, values: dict):
    items = []
    for spec in specs:
        cid = spec["id"]
        if cid.startswith("{"):  # a pattern-matching input: one matched component
            pattern = json.loads(cid)
            concrete = {k: ("set" if v == ["ALL"] else v) for k, v in pattern.items()}
            items.append([{"id": concrete, "property": spec["property"], "value": 1}])
        else:
            items.append({"id": cid, "property": spec["property"], "value": values.get(f"{cid}.{spec['property']}")})
    return items


def callback_body(key: str, cb: dict, values: dict, changed: str | None = None) -> dict:
    """The body a browser posts to ``/_dash-update-component`` for callback ``key``.

    Args:
        key: the callback's output key (``app.callback_map``'s).
        cb: its entry in ``app.callback_map``.
        values: ``{"component-id.property": value}`` of the inputs and state (missing: ``None``).
        changed: the input that fired (``"upload.contents"``); default the first.
    """
    inputs = _items(cb["inputs"], values)
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    cid = json.dumps(first["id"], separators=(",", ":")) if isinstance(first["id"], dict) else first["id"]
    return {"output": key, "outputs": _outputs(key), "inputs": inputs, "state": _items(cb.get("state", []), values),
            "changedPropIds": [changed or f"{cid}.{first['property']}"]}
