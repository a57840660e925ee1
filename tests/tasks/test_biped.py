"""BipedalWalker through Gymnasium: the wrapper must equal the raw environment."""

import json

import gymnasium
import numpy as np

from wann_viz.tasks.biped import BODY_NAMES, BipedTask, frame_polygons


def _actions(t: int, b: int) -> np.ndarray:
    """Deterministic, partly out-of-range outputs, (b, 4)."""
    rng = np.random.default_rng(t)
    return rng.uniform(-3, 3, (b, 4))


def test_matches_gymnasium_with_clipped_actions():
    task = BipedTask()
    state, obs = task.reset([11, 12])
    env = gymnasium.make("BipedalWalker-v3")
    ref_obs, _ = env.reset(seed=12)
    np.testing.assert_allclose(obs[1], ref_obs)
    for t in range(40):
        outputs = _actions(t, 2)
        state, obs, rewards, done = task.step(state, outputs)
        ref_obs, ref_r, term, trunc, _ = env.step(np.clip(outputs[1], -1, 1))
        np.testing.assert_array_equal(obs[1], ref_obs)
        assert rewards[1] == ref_r
        assert done[1] == (term or trunc)
    env.close()
    task.close(state)


def test_out_of_range_outputs_act_like_the_clipped_ones():
    task = BipedTask()
    sa, _ = task.reset([5])
    sb, _ = task.reset([5])
    for t in range(30):
        out = _actions(t, 1)
        _, oa, ra, _ = task.step(sa, out)
        _, ob, rb, _ = task.step(sb, np.clip(out, -1, 1))
        np.testing.assert_array_equal(oa, ob)
        np.testing.assert_array_equal(ra, rb)
    np.testing.assert_array_equal(task.to_actions(np.array([[3.0, -3.0, 0.5, -0.2]])), [[1.0, -1.0, 0.5, -0.2]])
    task.close(sa)
    task.close(sb)


def test_episode_limit_and_no_reward_after_done():
    task = BipedTask(max_steps=5)
    state, _ = task.reset([1, 2, 3])
    for _ in range(5):
        state, obs, rewards, done = task.step(state, np.zeros((3, 4)))
    assert done.all()
    last = obs.copy()
    state, obs, rewards, done = task.step(state, np.ones((3, 4)))
    np.testing.assert_array_equal(rewards, 0.0)
    np.testing.assert_array_equal(obs, last)
    task.close(state)


def test_frame_and_scene_draw_the_walker():
    task = BipedTask()
    state, _ = task.reset([3])
    frame, scene = task.frame(state, 0), task.scene(state, 0)
    text = json.dumps([frame, scene])
    assert len(text) < 20_000  # small enough to send every frame's pose
    assert len(frame["bodies"]) == len(BODY_NAMES) == len(scene["body_shapes"])
    assert len(scene["terrain_x"]) == len(scene["terrain_y"]) > 10
    polys = frame_polygons(frame, scene)
    hull = np.array(polys[0])
    env = state.envs[0]
    # The hull polygon surrounds the hull's position, above the terrain at the start pad.
    assert hull[:, 0].min() < env.hull.position[0] < hull[:, 0].max()
    assert hull[:, 1].min() > scene["terrain_y"][0]
    assert [len(p) for p in polys] == [5, 4, 4, 4, 4]
    task.close(state)
