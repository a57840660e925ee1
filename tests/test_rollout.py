"""Rollouts: known answers on hand-built networks, weight modes, schedules, engines."""

import json
from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.genome import Genome
from wann_viz.rollout import normalize_schedule, rollout
from wann_viz.tasks.swingup import initial_states, observe, transition

ROOT = Path(__file__).resolve().parents[1]


def bias_to_force() -> Genome:
    """Swing-up net whose action is the weight itself: force = linear(w * bias)."""
    return Genome(activations=np.ones(7, int), connections=np.array([[0, 6]]), n_in=5, n_out=1, task="swingup")


def two_path_net() -> Genome:
    """force = tanh(w * (x + h)), h = -(w * theta_dot): a hidden node and two connections into the output."""
    acts = np.array([1, 1, 1, 1, 1, 1, 7, 5])
    return Genome(activations=acts, connections=np.array([[5, 6], [1, 7], [6, 7]]), n_in=5, n_out=1,
                  task="swingup")


def manual_episode(seed: int, policy, steps: int):
    """Reference loop with the pure transition: (observations, actions, rewards)."""
    s = initial_states([seed])
    obs = observe(s)
    out = ([], [], [])
    for t in range(steps):
        a = policy(t, obs[0])
        out[0].append(obs[0])
        out[1].append(np.clip(a, -1, 1))
        s, obs, r, term = transition(s, np.array([a]))
        out[2].append(r[0])
        if term[0]:
            break
    return [np.array(x) for x in out]


@pytest.fixture(scope="module")
def swing():
    return wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")


@pytest.mark.parametrize("engine", ["batch", "scalar"])
def test_constant_action_net_equals_manual_loop(engine):
    r = rollout(bias_to_force(), "swingup", [4], weight=0.7, max_steps=300, record_nodes=True, engine=engine)
    obs, act, rew = manual_episode(4, lambda t, o: 0.7, 300)
    n = len(rew)
    assert r.lengths[0] == n
    np.testing.assert_allclose(r.observations[:, 0], obs, atol=1e-6)
    np.testing.assert_allclose(r.actions[:, 0, 0], act, atol=1e-7)
    np.testing.assert_allclose(r.rewards[:, 0], rew, atol=1e-6)
    assert r.returns[0] == pytest.approx(rew.sum(), abs=1e-9)
    nodes = r.node_values[:, 0]
    np.testing.assert_array_equal(nodes[:, 0], 1.0)  # bias
    np.testing.assert_allclose(nodes[:, 1:6], obs, atol=1e-6)  # inputs
    np.testing.assert_allclose(nodes[:, 6], 0.7, atol=1e-7)  # output = w * 1


@pytest.mark.parametrize("engine", ["batch", "scalar"])
def test_hidden_node_net_equals_manual_loop(engine):
    w = -0.8

    def policy(t, o):
        h = -(w * o[4])
        return np.tanh(w * (o[0] + h))

    r = rollout(two_path_net(), "swingup", [2], weight=w, max_steps=200, record_nodes=True, engine=engine)
    obs, act, rew = manual_episode(2, policy, 200)
    np.testing.assert_allclose(r.actions[:, 0, 0], act, atol=1e-6)
    np.testing.assert_allclose(r.node_values[:, 0, 6], -w * obs[:, 4], atol=1e-5)
    assert r.returns[0] == pytest.approx(rew.sum(), abs=1e-8)


def test_scalar_engine_survives_infinite_values():
    # bias -> squared -> sin -> step: with a huge weight the squared node is inf and
    # math.sin(inf) raises where numpy gives nan; the step output is then 0 either way.
    g = Genome(activations=np.array([1] * 6 + [11, 3, 2]), connections=np.array([[0, 6], [6, 7], [7, 8]]),
               n_in=5, n_out=1, task="swingup")
    a = rollout(g, "swingup", [1], weight=1e200, max_steps=50, record_nodes=True, engine="scalar")
    b = rollout(g, "swingup", [1], weight=1e200, max_steps=50, record_nodes=True, engine="batch")
    np.testing.assert_array_equal(a.actions, 0.0)
    np.testing.assert_array_equal(a.node_values, b.node_values)
    assert a.returns[0] == b.returns[0]


def test_per_episode_weights_equal_separate_rollouts():
    g = two_path_net()
    both = rollout(g, "swingup", [1, 2], weight=np.array([0.5, -1.5]), max_steps=150, engine="batch")
    for i, (seed, w) in enumerate([(1, 0.5), (2, -1.5)]):
        one = rollout(g, "swingup", [seed], weight=w, max_steps=150, engine="batch")
        assert both.returns[i] == pytest.approx(one.returns[0], abs=1e-9)
        np.testing.assert_allclose(both.observations[: one.lengths[0], i], one.observations[:, 0], atol=1e-6)


@pytest.mark.parametrize("engine", ["batch", "scalar"])
def test_equal_connection_weights_equal_a_shared_weight(swing, engine):
    shared = rollout(swing, "swingup", [5], weight=-1.0, max_steps=200, record_nodes=True, engine=engine)
    conn = rollout(swing, "swingup", [5], connection_weights=np.full(swing.n_connections, -1.0), max_steps=200,
                   record_nodes=True, engine=engine)
    np.testing.assert_allclose(conn.node_values, shared.node_values, atol=1e-5)
    assert conn.returns[0] == pytest.approx(shared.returns[0], abs=1e-6)


def test_per_episode_connection_weights(swing):
    # Random weights can make the closed loop chaotic: rounding differences between the
    # (B, C) and (C,) code paths grow, so compare a short horizon.
    cw = np.random.default_rng(0).uniform(-2, 2, (3, swing.n_connections))
    batch = rollout(swing, "swingup", [0, 1, 2], connection_weights=cw, max_steps=30, record_nodes=True)
    for i in range(3):
        one = rollout(swing, "swingup", [i], connection_weights=cw[i], max_steps=30, engine="batch",
                      record_nodes=True)
        n = one.lengths[0]
        assert batch.lengths[i] == n
        np.testing.assert_allclose(batch.node_values[:n, i], one.node_values[:, 0], atol=1e-5)


@pytest.mark.parametrize("engine", ["batch", "scalar"])
def test_schedule_with_one_weight_equals_plain_rollout(swing, engine):
    plain = rollout(swing, "swingup", [8], weight=1.0, record_nodes=True, engine=engine)
    sched = rollout(swing, "swingup", [8], schedule=[(0, 1.0), (300, 1.0)], record_nodes=True, engine=engine)
    np.testing.assert_array_equal(plain.node_values, sched.node_values)
    assert plain.returns[0] == sched.returns[0]


@pytest.mark.parametrize("engine", ["batch", "scalar"])
def test_weight_change_keeps_the_prefix(swing, engine):
    k = 250
    plain = rollout(swing, "swingup", [8], weight=1.0, record_nodes=True, record_frames=True, engine=engine)
    dragged = rollout(swing, "swingup", [8], schedule=[(k, -1.5), (0, 1.0)], record_nodes=True,
                      record_frames=True, engine=engine)
    np.testing.assert_array_equal(dragged.node_values[:k], plain.node_values[:k])
    np.testing.assert_array_equal(dragged.rewards[:k], plain.rewards[:k])
    assert dragged.frames[0][: k + 1] == plain.frames[0][: k + 1]
    assert not np.array_equal(dragged.node_values[k:k + 5], plain.node_values[k:k + 5])
    assert dragged.weights == {"mode": "schedule", "schedule": [[0, 1.0], [k, -1.5]]}


def test_schedule_sets_the_weight_from_its_step():
    r = rollout(bias_to_force(), "swingup", [0], schedule=[(0, 0.2), (10, -0.4), (20, 0.9)], max_steps=30)
    np.testing.assert_allclose(r.actions[:, 0, 0], [0.2] * 10 + [-0.4] * 10 + [0.9] * 10, atol=1e-7)


def test_biped_schedule_keeps_the_prefix():
    biped = wann_viz.load_genome(ROOT / "saved_genomes" / "biped-authors.json")
    plain = rollout(biped, "biped", [3], weight=-1.87, max_steps=40, record_nodes=True)
    dragged = rollout(biped, "biped", [3], schedule=[(0, -1.87), (20, 1.0)], max_steps=40, record_nodes=True)
    np.testing.assert_array_equal(dragged.observations[:21], plain.observations[:21])
    np.testing.assert_array_equal(dragged.node_values[:20], plain.node_values[:20])
    assert not np.array_equal(dragged.node_values[20], plain.node_values[20])


def test_scalar_and_batch_engines_agree_on_the_champion(swing):
    for w in (-1.5, 1.0):
        a = rollout(swing, "swingup", [3], weight=w, record_nodes=True, engine="scalar")
        b = rollout(swing, "swingup", [3], weight=w, record_nodes=True, engine="batch")
        np.testing.assert_allclose(a.node_values[:300], b.node_values[:300], atol=1e-5)
        assert a.returns[0] == pytest.approx(b.returns[0], rel=1e-3)


def test_repeatable(swing):
    a = rollout(swing, "swingup", [1, 2, 3], weight=np.array([-1.0, 0.5, 2.0]), record_nodes=True)
    b = rollout(swing, "swingup", [1, 2, 3], weight=np.array([-1.0, 0.5, 2.0]), record_nodes=True)
    np.testing.assert_array_equal(a.node_values, b.node_values)
    np.testing.assert_array_equal(a.returns, b.returns)


def test_recorded_arrays_are_consistent(swing):
    r = rollout(swing, "swingup", [0, 1, 2, 3], weight=np.array([0.0, 1.0, -0.2, 2.0]), record_nodes=True,
                record_frames=True)
    t = int(r.lengths.max())
    assert r.observations.shape == (t, 4, 5) and r.actions.shape == (t, 4, 1)
    assert r.rewards.shape == (t, 4) and r.node_values.shape == (t, 4, swing.n_nodes)
    assert all(a.dtype == np.float32 for a in (r.observations, r.actions, r.rewards, r.node_values))
    np.testing.assert_allclose(r.rewards.sum(0), r.returns, rtol=1e-4, atol=1e-3)
    assert r.lengths[2] < 1000 == r.lengths[1]  # w = -0.2 runs off the track: padding is checked below
    for b in range(4):
        assert len(r.frames[b]) == r.lengths[b] + 1
        np.testing.assert_array_equal(r.rewards[r.lengths[b]:, b], 0.0)
    np.testing.assert_allclose(r.node_values[:, :, 1:6], r.observations)


def test_to_dict_is_compact_json(swing):
    r = rollout(swing, "swingup", [0, 1], weight=np.array([1.0, 0.0]), record_nodes=True, record_frames=True,
                max_steps=50)
    d = r.to_dict(decimals=3)
    text = json.dumps(d, allow_nan=False)
    ep = d["episodes"][0]
    assert ep["seed"] == 0 and ep["length"] == 50 and len(ep["observations"]) == 50
    assert len(ep["node_values"][0]) == swing.n_nodes and len(ep["frames"]) == 51
    assert ep["scene"]["x_limit"] == 2.4
    assert "0.1234567" not in text  # rounded


def test_biped_frames_and_nodes():
    biped = wann_viz.load_genome(ROOT / "saved_genomes" / "biped-authors.json")
    r = rollout(biped, "biped", [0, 1], weight=-1.87, max_steps=15, record_nodes=True, record_frames=True)
    assert r.node_values.shape == (15, 2, biped.n_nodes)
    np.testing.assert_array_equal(r.actions, np.clip(r.node_values[:, :, -4:], -1, 1))
    assert len(r.frames[1]) == 16 and len(r.frames[1][0]["bodies"]) == 5
    json.dumps(r.to_dict())


def test_bad_arguments(swing):
    with pytest.raises(ValueError, match="exactly one"):
        rollout(swing, "swingup", [0], weight=1.0, schedule=[(0, 1.0)])
    with pytest.raises(ValueError, match="exactly one"):
        rollout(swing, "swingup", [0])
    with pytest.raises(ValueError, match="step 0"):
        normalize_schedule([(5, 1.0)])
    with pytest.raises(ValueError, match="twice"):
        normalize_schedule([(0, 1.0), (0, 2.0)])
    with pytest.raises(ValueError, match="shape"):
        rollout(swing, "swingup", [0, 1], weight=np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        rollout(swing, "swingup", [0], connection_weights=np.ones(3))
    with pytest.raises(ValueError, match="inputs"):
        rollout(swing, "biped", [0], weight=1.0)
    with pytest.raises(ValueError, match="scalar engine"):
        rollout(swing, "swingup", [0, 1], weight=1.0, engine="scalar")
