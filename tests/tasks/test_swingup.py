"""CartPoleSwingUp physics against the authors' environment and its own invariants."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wann_viz.tasks import swingup
from wann_viz.tasks.swingup import SwingUpTask, initial_states, observe, step_scalar, transition

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "swingup_transitions.npz"


@pytest.fixture(scope="module")
def golden():
    with np.load(GOLDEN) as d:
        return {k: d[k] for k in d.files}


def test_transition_matches_the_authors_environment(golden):
    states = golden["initial_states"]
    for t in range(golden["actions"].shape[0]):
        states, obs, rewards, terminated = transition(states, golden["actions"][t])
        np.testing.assert_allclose(states, golden["states"][t], rtol=0, atol=1e-9)
        np.testing.assert_allclose(obs, golden["observations"][t], rtol=0, atol=1e-9)
        np.testing.assert_allclose(rewards, golden["rewards"][t], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(terminated, golden["done"][t])


def test_golden_covers_termination_and_clipping(golden):
    # The golden file is only a strong check if it exercises both edge cases.
    assert golden["done"].any() and not golden["done"].all()
    assert np.abs(golden["actions"]).max() > 1.0


def test_transition_is_pure_and_shapes(golden):
    states = golden["initial_states"].copy()
    actions = golden["actions"][0].copy()
    out = transition(states, actions)
    np.testing.assert_array_equal(states, golden["initial_states"])
    np.testing.assert_array_equal(actions, golden["actions"][0])
    assert [a.shape for a in out] == [(32, 4), (32, 5), (32,), (32,)]
    assert out[3].dtype == bool


def test_actions_are_clipped_to_unit_force():
    s = np.array([[0.1, 0.2, 3.0, -0.4]] * 2)
    big = transition(s, np.array([7.0, -7.0]))
    unit = transition(s, np.array([1.0, -1.0]))
    for a, b in zip(big, unit):
        np.testing.assert_array_equal(a, b)


def test_hanging_still_pole_stays_and_earns_nothing():
    # Pole straight down at rest, no force: nothing moves; reward (cos(pi) + 1) / 2 = 0.
    s = np.array([[0.0, 0.0, math.pi, 0.0]])
    nxt, obs, r, term = transition(s, np.zeros(1))
    np.testing.assert_allclose(nxt, s, atol=1e-12)
    assert abs(r[0]) < 1e-12 and not term[0]


def test_upright_centred_pole_earns_one():
    _, _, r, _ = transition(np.array([[0.0, 0.0, 0.0, 0.0]]), np.zeros(1))
    assert r[0] == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(-2.4, 2.4), x_dot=st.floats(-10, 10), theta=st.floats(-10, 10),
    theta_dot=st.floats(-30, 30), action=st.floats(-3, 3),
)
def test_scalar_step_equals_batched_step(x, x_dot, theta, theta_dot, action):
    nxt, _, r, term = transition(np.array([[x, x_dot, theta, theta_dot]]), np.array([action]))
    sx, sxd, sth, sthd, sr, sterm = step_scalar(x, x_dot, theta, theta_dot, action)
    np.testing.assert_allclose([sx, sxd, sth, sthd], nxt[0], rtol=1e-12, atol=1e-12)
    assert sr == pytest.approx(r[0], abs=1e-12)
    assert sterm == term[0]


def test_reset_depends_only_on_the_seed():
    np.testing.assert_array_equal(initial_states([7]), initial_states([3, 5, 7])[2:])
    np.testing.assert_array_equal(initial_states([7, 7])[0], initial_states([7, 7])[1])
    assert not np.array_equal(initial_states([1]), initial_states([2]))


def test_reset_distribution():
    s = initial_states(range(4000))
    np.testing.assert_allclose(s.mean(0), [0, 0, math.pi, 0], atol=0.02)
    np.testing.assert_allclose(s.std(0), [0.2] * 4, atol=0.01)


def test_task_steps_until_limit_and_freezes_finished_episodes():
    task = SwingUpTask(max_steps=300)
    state, obs = task.reset([0, 1])
    np.testing.assert_array_equal(obs, observe(initial_states([0, 1])))
    # Episode 0 is pushed hard right and leaves the track; episode 1 rests.
    pushes = np.array([[1.0], [0.0]])
    for t in range(300):
        state, obs, rewards, done = task.step(state, pushes)
        if done[0]:
            break
    assert done[0] and not done[1] and t < 299
    assert state.states[0, 0] > 2.4
    frozen = state.states[0].copy()
    state, obs, rewards, done = task.step(state, pushes)
    np.testing.assert_array_equal(state.states[0], frozen)
    assert rewards[0] == 0.0 and rewards[1] != 0.0
    while not done.all():
        state, obs, rewards, done = task.step(state, pushes)
    assert state.t == 300


def test_frame_and_scene_are_small_json():
    task = SwingUpTask()
    state, _ = task.reset([4])
    frame = task.frame(state, 0)
    assert set(frame) == {"x", "theta"}
    assert frame["x"] == pytest.approx(initial_states([4])[0, 0], abs=1e-4)
    scene = task.scene(state, 0)
    assert scene["x_limit"] == 2.4 and scene["pole_length"] == 0.6
    json.dumps([frame, scene])


def test_constants_are_the_papers():
    assert (swingup.GRAVITY, swingup.CART_MASS, swingup.POLE_MASS, swingup.POLE_LENGTH) == (9.82, 0.5, 0.5, 0.6)
    assert (swingup.FORCE_MAG, swingup.DT, swingup.FRICTION, swingup.X_LIMIT) == (10.0, 0.01, 0.1, 2.4)
    assert SwingUpTask().max_steps == 1000


def test_scalar_step_is_the_batched_step_bit_for_bit_on_the_golden_transitions(golden):
    # The scalar driver's physics (advance_scalar, through step_scalar) and the batched one
    # (transition) give the same bits on every golden transition of the authors' environment.
    states = golden["initial_states"]
    for t in range(golden["actions"].shape[0]):
        nxt, obs, rewards, terminated = transition(states, golden["actions"][t])
        for b in range(states.shape[0]):
            sx, sxd, sth, sthd, sr, sterm = step_scalar(*states[b].tolist(), float(golden["actions"][t][b]))
            assert [sx, sxd, sth, sthd] == nxt[b].tolist() and sr == rewards[b] and sterm == terminated[b]
        np.testing.assert_allclose(nxt, golden["states"][t], rtol=0, atol=1e-9)
        states = nxt


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(-3, 3), x_dot=st.floats(-50, 50), theta=st.floats(-100, 100),
    theta_dot=st.floats(-100, 100), action=st.floats(-5, 5),
)
def test_scalar_step_is_bit_exact(x, x_dot, theta, theta_dot, action):
    nxt, _, r, term = transition(np.array([[x, x_dot, theta, theta_dot]]), np.array([action]))
    sx, sxd, sth, sthd, sr, sterm = step_scalar(x, x_dot, theta, theta_dot, action)
    assert [sx, sxd, sth, sthd, sr] == nxt[0].tolist() + [r[0]]
    assert sterm == term[0]
