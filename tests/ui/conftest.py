"""Fixtures of the browser tests: the real app served in a subprocess, and headless Chromium."""

from __future__ import annotations

import subprocess

import pytest

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, server_log, start_app, stop  # noqa: F401

SERVERS: list = []  # the live server's process, for its log when a test fails


def start_server(port: int, timeout: float = 30.0) -> subprocess.Popen:
    """``python app.py --port PORT`` from the repository root; returns once it serves the layout."""
    return start_app(port, timeout=timeout)[0]


@pytest.fixture(scope="session")
def live_server():
    """Base URL of the real app, served by ``app.py`` in a subprocess."""
    port = free_port()
    proc = start_server(port)
    SERVERS.append(proc)
    yield f"http://127.0.0.1:{port}"
    SERVERS.remove(proc)
    stop(proc)


class ConsoleLog:
    """Errors the page reported: console.error messages and uncaught exceptions."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own context: no state shared between tests); fails the test on browser console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    log = ConsoleLog(pg)
    pg.console_log = log
    yield pg
    context.close()
    tail = server_log(SERVERS[-1]) if SERVERS and log.errors else ""
    assert log.errors == [], f"errors in the browser console: {log.errors}\nthe server's log ends:\n{tail}"


# ----- a small hand-built MNIST genome -----------------------------------------------------

MNIST_HIDDEN_TANH, MNIST_HIDDEN_GAUSS = 257, 258  # node indices
MNIST_OUTPUT0 = 259  # output of digit d is node 259 + d


def mnist_direct_pixels(digit: int) -> list[int]:
    """Pixels (0 .. 255) wired straight to ``digit``'s output: row 3 + digit, columns 4 .. 11."""
    return [16 * (3 + digit) + c for c in range(4, 12)]


MNIST_COLUMN_7 = [16 * r + 7 for r in range(16)]  # pixels of the tanh node, which feeds digits 0 and 1
MNIST_GAUSS_PIXEL = 16 * 8 + 8  # the gaussian node's pixel (with the bias); it feeds digit 9


def build_tiny_mnist():
    """A hand-built MNIST genome with known masks (see the helpers above).

    Digit d sees its 8 direct pixels; digits 0 and 1 also see column 7 (through a tanh
    node); digit 9 also sees pixel 136 (through a gaussian node fed by the bias too).
    Outputs mix linear, sin and tanh so that accuracy depends on the weight's size and sign.
    """
    import numpy as np

    from wann_viz.genome import Genome

    acts = np.ones(1 + 256 + 2 + 10, np.int64)
    acts[MNIST_HIDDEN_TANH], acts[MNIST_HIDDEN_GAUSS] = 5, 4
    acts[MNIST_OUTPUT0:] = [1, 1, 1, 1, 1, 3, 3, 5, 5, 5]
    conns = [(p + 1, MNIST_HIDDEN_TANH) for p in MNIST_COLUMN_7]
    conns += [(0, MNIST_HIDDEN_GAUSS), (MNIST_GAUSS_PIXEL + 1, MNIST_HIDDEN_GAUSS)]
    for d in range(10):
        conns += [(p + 1, MNIST_OUTPUT0 + d) for p in mnist_direct_pixels(d)]
    conns += [(MNIST_HIDDEN_TANH, MNIST_OUTPUT0), (MNIST_HIDDEN_TANH, MNIST_OUTPUT0 + 1),
              (MNIST_HIDDEN_GAUSS, MNIST_OUTPUT0 + 9)]
    return Genome(activations=acts, connections=np.array(conns), n_in=256, n_out=10, task="mnist",
                  name="Tiny MNIST test net", best_shared_weight=1.0)


@pytest.fixture(scope="session")
def tiny_mnist():
    """The hand-built MNIST genome of :func:`build_tiny_mnist`."""
    return build_tiny_mnist()


@pytest.fixture(scope="session")
def wiring():
    """Facts about :func:`build_tiny_mnist`'s wiring, for checking masks and highlights."""
    from types import SimpleNamespace

    return SimpleNamespace(direct=mnist_direct_pixels, column_7=MNIST_COLUMN_7, gauss_pixel=MNIST_GAUSS_PIXEL,
                           tanh=MNIST_HIDDEN_TANH, gauss=MNIST_HIDDEN_GAUSS, output0=MNIST_OUTPUT0)


@pytest.fixture
def no_vae(monkeypatch, tmp_path):
    """An installation without a CarRacing VAE: no $WANN_VAE and no data/vae/ file."""
    from wann_viz.tasks import carracing

    monkeypatch.delenv(carracing.VAE_ENV, raising=False)
    monkeypatch.setattr(carracing, "DATA_VAE", tmp_path / "no-vae.npz")
