"""The browser's copy of the swing-up and of the forward pass (assets/wann_preview.js) against Python.

Runs the page's own script in headless Chromium on the served app, fed with what the
server sends (``payload["preview"]``), and compares it with the Python reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.nn import forward, program_json
from wann_viz.rollout import rollout
from wann_viz.tasks.registry import make_task
from wann_viz.tasks.swingup import SwingUpTask

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "swingup_transitions.npz"


@pytest.fixture(scope="module")
def preview_page(browser, live_server):
    page = browser.new_page()
    page.goto(live_server + "/")
    page.wait_for_function("window.wannPreview && window.wannPlayer")
    yield page
    page.close()


@pytest.fixture(scope="module")
def swing():
    return wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")


def test_physics_matches_the_authors_transitions_step_by_step(preview_page):
    """Every golden transition of the authors' environment, stepped by the browser, to 1e-12."""
    with np.load(GOLDEN) as d:
        g = {k: d[k] for k in d.files}
    constants = SwingUpTask().preview_setup(0)["constants"]
    states = preview_page.evaluate(
        """([c, init, actions]) => {
          const out = [];
          for (let b = 0; b < init.length; b++) {
            let st = {x: init[b][0], xd: init[b][1], th: init[b][2], thd: init[b][3]};
            st.s = Math.sin(st.th); st.c = Math.cos(st.th);
            const row = [];
            for (let t = 0; t < actions.length; t++) {
              st = window.wannPreview.step('swingup', c, st, actions[t][b]);
              row.push([st.x, st.xd, st.th, st.thd, st.reward]);
            }
            out.push(row);
          }
          return out; }""", [constants, g["initial_states"].tolist(), g["actions"].tolist()])
    got = np.asarray(states)  # (B, T, 5)
    live = ~np.concatenate([np.zeros((1, g["done"].shape[1]), bool), g["done"][:-1]], axis=0)  # steps before done
    np.testing.assert_allclose(got[:, :, :4].transpose(1, 0, 2)[live], g["states"][live], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[:, :, 4].T[live], g["rewards"][live], rtol=0, atol=1e-12)


def test_forward_pass_matches_python_on_random_inputs(preview_page, swing):
    rng = np.random.default_rng(7)
    inputs = rng.normal(size=(50, swing.n_in)) * 2
    weights = rng.uniform(-2, 2, size=50)
    got = np.asarray(preview_page.evaluate(
        "([p, xs, ws]) => xs.map((x, i) => window.wannPreview.forward(p, x, ws[i]))",
        [program_json(swing), inputs.tolist(), weights.tolist()]))
    for x, w, g in zip(inputs, weights, got):
        want = np.ravel(forward(swing, x[None, :], w))  # the one output
        assert g[-1] == pytest.approx(float(want[-1]), abs=1e-12)


def test_whole_episodes_stay_close_to_python(preview_page, swing):
    """The swing-up is chaotic, and this network has step activations: a last-bit difference
    between the browser's sin, exp or tanh and numpy's can flip a step and grow. Measured
    over 170 episodes (10 seeds x 17 weights): 61% give Python's return to 1e-9, 86% within
    one point, 99% within 10, the worst 50 points off. The preview is only shown while the
    slider moves; at rest the page shows the server's episode (test_browser.py checks it)."""
    task = make_task("swingup")
    diffs = []
    for seed in range(4):
        for w in (-1.5, -0.5, 0.8, 1.4):
            setup = task.preview_setup(seed) | {"name": "swingup", "program": program_json(swing)}
            js = preview_page.evaluate("([p, w]) => { const r = window.wannPreview.run(p, [[0, w]]);"
                                       " return {total: r.total, steps: r.steps}; }", [setup, w])
            py = rollout(swing, task, [seed], weight=w)
            assert js["steps"] == int(py.lengths[0])
            diffs.append(abs(js["total"] - float(py.returns[0])) / max(1.0, abs(float(py.returns[0]))))
    diffs = np.asarray(diffs)
    assert np.mean(diffs < 1e-9) >= 0.4  # most replay Python's episode to the last digits shown
    assert diffs.max() < 0.1  # and none strays far


def test_a_schedule_replays_as_the_server_does(preview_page, swing):
    task = make_task("swingup")
    setup = task.preview_setup(4) | {"name": "swingup", "program": program_json(swing)}
    schedule = [[0, -1.5], [134, 0.8]]
    js = preview_page.evaluate("([p, s]) => window.wannPreview.run(p, s).total", [setup, schedule])
    py = rollout(swing, task, [4], schedule=[tuple(p) for p in schedule])
    assert js == pytest.approx(float(py.returns[0]), abs=1e-6)
