"""Weight profiles and the paper's four conditions."""

from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.tasks import mnist
from wann_viz.evaluate import (
    CONDITIONS, default_weights, episode_seeds, evaluate_conditions, run_episodes, weight_profile,
)
from wann_viz.genome import Genome
from wann_viz.rollout import rollout

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def swing():
    return wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")


@pytest.fixture(scope="module")
def biped():
    return wann_viz.load_genome(ROOT / "saved_genomes" / "biped-authors.json")


@pytest.fixture(scope="module")
def swing_conditions(swing):
    # 100 episodes per condition and per weight of the 41-value sweep: about 4,400 episodes, a few seconds.
    return evaluate_conditions(swing, n_episodes=100, seed=0)


def test_swing_champion_reproduces_the_paper(swing_conditions):
    c = swing_conditions["conditions"]
    assert 690 <= c["tuned_shared_weight"]["mean"] <= 760
    assert -2 < c["tuned_shared_weight"]["weight"] < 2
    assert 430 <= c["random_shared_weight"]["mean"] <= 600
    assert c["tuned_weights"]["mean"] >= 900
    # Random individual weights rarely balance anything (paper: 57 +- 121).
    assert c["random_weights"]["mean"] < 200


def test_result_shape(swing_conditions, swing):
    assert set(swing_conditions) == {"conditions", "profile"}
    assert set(swing_conditions["conditions"]) == set(CONDITIONS)
    weights = [p["weight"] for p in swing_conditions["profile"]]
    assert weights == sorted(weights) and len(weights) == 41  # -1.5 is already in the sweep
    assert all(set(p) == {"weight", "mean", "sd"} for p in swing_conditions["profile"])
    best = max((p for p in swing_conditions["profile"] if -2 < p["weight"] < 2), key=lambda p: p["mean"])
    assert swing_conditions["conditions"]["tuned_shared_weight"]["weight"] == best["weight"]


def test_profile_equals_direct_rollouts(swing):
    prof = weight_profile(swing, [-1.0, 0.5], n_episodes=6, seed=10)
    for p in prof:
        r = rollout(swing, "swingup", list(range(10, 16)), weight=np.full(6, p["weight"]), record=False)
        assert p["mean"] == pytest.approx(r.returns.mean(), abs=1e-6)
        assert p["sd"] == pytest.approx(r.returns.std(), abs=1e-6)


def test_tiny_net_known_answer():
    # force = w * bias: with w = 0 nothing pushes the cart; the return is the manual
    # sum of rewards with zero force until the episode ends.
    g = Genome(activations=np.ones(7, int), connections=np.array([[0, 6]]), n_in=5, n_out=1, task="swingup")
    from wann_viz.tasks.swingup import initial_states, transition

    s = initial_states([3])
    total = 0.0
    for _ in range(1000):
        s, _, r, term = transition(s, np.zeros(1))
        total += r[0]
        if term[0]:
            break
    prof = weight_profile(g, [0.0], n_episodes=1, seed=3)
    assert prof[0]["mean"] == pytest.approx(total, abs=1e-9) and prof[0]["sd"] == 0.0


def test_conditions_are_reproducible_and_seeded(swing):
    a = evaluate_conditions(swing, [1.0], n_episodes=5, seed=1, max_steps=200)
    b = evaluate_conditions(swing, [1.0], n_episodes=5, seed=1, max_steps=200)
    c = evaluate_conditions(swing, [1.0], n_episodes=5, seed=2, max_steps=200)
    assert a == b
    assert a["conditions"]["random_weights"] != c["conditions"]["random_weights"]


def test_best_shared_weight_joins_the_sweep_and_missing_tuned_weights(swing):
    g = swing.with_changes(tuned_weights=None, best_shared_weight=-1.25)
    res = evaluate_conditions(g, [1.0], n_episodes=3)
    assert [p["weight"] for p in res["profile"]] == [-1.25, 1.0]
    assert res["conditions"]["tuned_weights"] == {"mean": None, "sd": None}


def test_tuned_shared_weight_stays_inside_the_range(swing):
    res = evaluate_conditions(swing.with_changes(best_shared_weight=None), [-2.0, 0.1, 2.0], n_episodes=3)
    assert res["conditions"]["tuned_shared_weight"]["weight"] == 0.1


def test_defaults_and_seeds():
    assert len(default_weights("swingup")) == 41 and default_weights("swingup")[20] == 0.0
    assert list(default_weights("biped")) == [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]
    np.testing.assert_array_equal(episode_seeds(5, 3), [5, 6, 7])


def test_biped_pool_equals_in_process(biped):
    # Short episodes: this checks the plumbing (pool, chunking, order), not walking.
    seeds = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    w = np.linspace(-2, 2, 10)
    local = run_episodes(biped, "biped", seeds, weights=w, max_steps=20, processes=1)
    pooled = run_episodes(biped, "biped", seeds, weights=w, max_steps=20, processes=2)
    np.testing.assert_array_equal(local, pooled)
    r = rollout(biped, "biped", [9], weight=2.0, max_steps=20, record=False)
    assert local[9] == r.returns[0]


def test_biped_conditions_small(biped):
    res = evaluate_conditions(biped, [-1.87], n_episodes=2, max_steps=30, processes=1)
    for name in CONDITIONS:
        assert np.isfinite(res["conditions"][name]["mean"])


def test_mnist_is_handed_to_its_module(monkeypatch):
    calls = []

    def fake(genome, weights, seed, progress):
        calls.append((weights, seed))
        return {"conditions": {}, "profile": []}

    monkeypatch.setattr(mnist, "evaluate_conditions", fake)
    g = Genome(activations=np.ones(1 + 256 + 10, int), connections=np.array([[0, 257]]), n_in=256, n_out=10,
               task="mnist")
    assert evaluate_conditions(g, [1.0], seed=4) == {"conditions": {}, "profile": []}
    assert calls == [([1.0], 4)]


def test_genome_without_task(swing):
    with pytest.raises(ValueError, match="task"):
        evaluate_conditions(swing.with_changes(task=None), [1.0], n_episodes=1)


def test_biped_champion_walks_on_v3(biped):
    # Four full episodes each (about 1,000 steps: the walker reaches the end of the course).
    seeds = episode_seeds(0, 4)
    # at the authors' own shared weight (the offset of their tuned weights)
    shared = run_episodes(biped, "biped", seeds, weights=np.full(4, biped.extra["tuned_weights_offset"]),
                          processes=1)
    tuned = run_episodes(biped, "biped", seeds, connection_weights=np.tile(biped.tuned_weights, (4, 1)),
                         processes=1)
    assert shared.mean() >= 230
    assert tuned.mean() >= 320
