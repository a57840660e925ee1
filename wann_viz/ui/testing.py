"""Serving the real app and driving headless Chromium: shared by the browser tests,
``benchmarks/ui_latency.py`` and ``scripts/ui_screenshots.py``.

Needs Chromium at :data:`CHROMIUM` (Debian: ``apt-get install chromium``) and
the ``playwright`` package; never ``playwright install``.
"""

from __future__ import annotations

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


def start_app(port: int, command: Sequence[str] | None = None, timeout: float = 60.0) -> tuple[subprocess.Popen, float]:
    """Spawn the app (default ``python app.py --port PORT``) from the repository root.

    The server's log goes to a file, not a pipe nobody reads (a full pipe would block it).

    Returns:
        ``(process, seconds until it served /_dash-layout)``.
    """
    cmd = list(command) if command is not None else [sys.executable, "app.py", "--host", "127.0.0.1",
                                                      "--port", str(port)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server started by :func:`start_app`."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
