"""A new task in one file: a point mass registered here, with no other file changed.

It runs through ``evaluate_conditions``, ``weight_profile``, a 3-generation
``run_search``, a recorded ``rollout``, the app's episode callbacks, and the
browser's generic player (``python tests/test_new_task.py serve ...`` serves
the app with this task registered, for the browser test).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.tasks import Task, TaskSpec, register, unregister
from wann_viz.tasks.check import check_task

ROOT = Path(__file__).resolve().parents[1]
DT = 0.1


@dataclass
class PointState:
    x: np.ndarray  # (B,) position
    v: np.ndarray  # (B,) velocity
    t: int
    done: np.ndarray  # (B,) bool


class PointMass(Task):
    """A point mass on a line must reach the target at 0 and stay there.

    Description: push a unit mass on a line towards the origin.
    Observation: (2,) position x and velocity v.
    Action: (1,) force, the output clipped to [-1, 1].
    Reward: ``1 - min(|x|, 1)`` per step, from the new state.
    Start: x ~ U(-1, 1), v = 0, from ``default_rng(seed)``.
    Episode end: |x| > 2 (lost), or 50 steps.
    Differences from the paper's version: not in the paper; a test task.
    """

    spec = TaskSpec("pointmass", "Point mass", ("x", "v"), ("force",), 50, panel_title="Point mass",
                    vectorized=True, default_weights=(-1.0, 1.0),
                    search_settings={"population": 12, "tournament_size": 4, "episodes_per_weight": 2,
                                     "weights": [-1.0, 1.0], "champion_candidates": 2, "champion_episodes": 2,
                                     "save_generations": [1, 3]})

    def reset(self, seeds):
        x = np.array([np.random.default_rng(int(s)).uniform(-1, 1) for s in seeds])
        return PointState(x, np.zeros_like(x), 0, np.zeros(len(x), bool)), np.stack([x, np.zeros_like(x)], 1)

    def to_actions(self, outputs):
        return np.clip(outputs, -1.0, 1.0)

    def step(self, state, outputs):
        force = self.to_actions(np.asarray(outputs, float))[:, 0]
        run = ~state.done
        x = np.where(run, state.x + state.v * DT, state.x)
        v = np.where(run, state.v + force * DT, state.v)
        rewards = np.where(run, 1.0 - np.minimum(np.abs(x), 1.0), 0.0)
        t = state.t + 1
        done = state.done | (np.abs(x) > 2) | (t >= self.max_steps)
        return PointState(x, v, t, done), np.stack([x, v], 1), rewards, done

    def frame(self, state, index):
        return {"x": round(float(state.x[index]), 4)}


def pointmass_genome(**extra):
    """force = -w tanh(w x) (tanh hidden node, inverse output): towards the origin at any weight w != 0."""
    return wann_viz.Genome(activations=np.array([1, 1, 1, 5, 7]), connections=np.array([[1, 3], [3, 4]]),
                           n_in=2, n_out=1, task="pointmass", name="Point mass by hand", **extra)


@pytest.fixture
def registered():
    register(PointMass)
    yield PointMass
    unregister("pointmass")


def test_it_passes_the_task_checker(registered):
    assert check_task(PointMass(), steps=50)["finished"] == 3  # every episode reaches the 50-step limit


def test_conditions_and_profile(registered):
    g = pointmass_genome(best_shared_weight=-1.0)
    res = wann_viz.evaluate_conditions(g, n_episodes=6, processes=1)
    assert set(res["conditions"]) == {"random_weights", "random_shared_weight", "tuned_shared_weight",
                                      "tuned_weights"}
    assert [p["weight"] for p in res["profile"]] == [-1.0, 1.0]  # the task's default series
    profile = wann_viz.weight_profile(g, [-1.0, 1.0], n_episodes=6, processes=1)
    assert profile == res["profile"]
    # The profile is the mean of plain rollouts on seeds 0..5.
    by_hand = [wann_viz.rollout(g, "pointmass", [s], weight=-1.0, record=False).returns[0] for s in range(6)]
    assert profile[0]["mean"] == pytest.approx(np.mean(by_hand), abs=1e-12)


def test_three_generation_search(registered, tmp_path):
    settings = wann_viz.search.config.load_settings("pointmass", overrides={"generations": 3})
    assert settings["population"] == 12 and settings["max_steps"] == 50
    champion = wann_viz.run_search(settings, tmp_path / "run", progress=False)
    assert champion.task == "pointmass" and champion.n_in == 2 and champion.n_out == 1
    assert (tmp_path / "run" / "generations").is_dir()
    history = champion.extra["search"]["history"]
    assert history["generation"] == [1, 2, 3]


def test_recorded_rollout(registered):
    r = wann_viz.rollout(pointmass_genome(), "pointmass", [0, 1], weight=1.0, record_nodes=True, record_frames=True)
    assert r.lengths.tolist() == [50, 50]
    assert len(r.frames[0]) == 51 and r.frames[0][0] == {"x": round(float(r.observations[0, 0, 0]), 4)}
    np.testing.assert_allclose(r.actions[:, :, 0], np.clip(-np.tanh(r.observations[:, :, 0]), -1, 1), atol=1e-6)


def _decode(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def test_episode_payload_through_the_app_callbacks(registered, tmp_path):
    from wann_viz.ui.callbacks_rollout import run_episode
    from wann_viz.ui.catalog import Catalog

    wann_viz.save_genome(pointmass_genome(), tmp_path / "pm.json")
    catalog = Catalog(tmp_path)
    payload, tail = run_episode({"genome": "pm", "seed": 3, "weight": 1.0}, None, catalog)
    assert "error" not in payload and not payload.get("unsupported")
    assert payload["renderer"] is None  # the generic player draws it
    assert payload["complete"] and payload["steps"] == 50 and payload["frame_widths"] == {"x": 1}
    assert payload["input_labels"] == ["x", "v"] and payload["output_labels"] == ["force"]
    ref = wann_viz.rollout(pointmass_genome(), "pointmass", [3], weight=1.0, record_frames=True)
    np.testing.assert_allclose(_decode(payload["frames"]["x"]), [f["x"] for f in ref.frames[0]], atol=1e-6)
    np.testing.assert_allclose(_decode(payload["actions"]), ref.actions[:, 0, 0], atol=1e-6)
    assert payload["final_return"] == pytest.approx(ref.returns[0], abs=1e-4)


# ----- the generic player in a real browser ----------------------------------------------

def _serve(port: int, folder: str) -> None:
    register(PointMass)
    from wann_viz.ui import create_app

    create_app(folder).run(host="127.0.0.1", port=port, debug=False)


@pytest.mark.browser
def test_generic_player_shows_the_new_task(tmp_path, browser):
    from wann_viz.ui.testing import free_port

    port = free_port()
    wann_viz.save_genome(pointmass_genome(best_shared_weight=1.0), tmp_path / "pm.json")
    log = open(tmp_path / "server.log", "wb")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, __file__, "serve", str(port), str(tmp_path)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((tmp_path / "server.log").read_text()[-2000:])
                time.sleep(0.2)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://127.0.0.1:{port}/?genome=pm&panel=pointmass&seed=2")
        page.wait_for_function("() => window.wannPlayer && window.wannPlayer.state().complete"
                               " && window.wannPlayer.state().ended", timeout=30_000)
        st = page.evaluate("() => window.wannPlayer.state()")
        assert st["task"] == "pointmass" and st["renderer"] is None and st["length"] == 50
        # The generic renderer drew the two panels' titles and curves: many non-background pixels.
        painted = page.evaluate("""() => {
            const c = document.getElementById('stage-canvas'), d = c.getContext('2d')
                .getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n; }""")
        assert painted > 2000
        page.locator("#stage-canvas").screenshot(path=str(tmp_path / "generic.png"))
        context.close()
        assert errors == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "serve":
    _serve(int(sys.argv[2]), sys.argv[3])
