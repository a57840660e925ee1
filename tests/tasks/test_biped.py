"""BipedalWalker through Gymnasium: the wrapper must equal the raw environment."""

import json

import gymnasium
import numpy as np
import pytest

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


def test_v2_lidar_keeps_the_first_hit_v3_the_closest():
    from types import SimpleNamespace

    from wann_viz.tasks.biped import make_env

    ground = SimpleNamespace(filterData=SimpleNamespace(categoryBits=1))
    body = SimpleNamespace(filterData=SimpleNamespace(categoryBits=2))
    v2, v3 = make_env("v2"), make_env("v3")
    v2.reset(seed=1)
    v3.reset(seed=1)
    assert v2.lidar[0].ReportFixture(ground, (1.0, 2.0), (0, 1), 0.7) == 0  # stop at this hit
    assert v3.lidar[0].ReportFixture(ground, (1.0, 2.0), (0, 1), 0.7) == 0.7  # clip the ray: keep the closest
    assert v2.lidar[0].ReportFixture(body, (1.0, 2.0), (0, 1), 0.3) == -1  # the walker's own parts are ignored
    with pytest.raises(ValueError, match="lidar"):
        make_env("v4")


def test_on_this_terrain_the_v2_lidar_reads_what_v3_reads(authors_genomes):
    # The measured answer to "does v2's lidar explain the gap to the paper's random-weight figures?": no.
    from wann_viz.rollout import rollout
    from wann_viz.tasks.biped import BipedTask, BipedV2LidarTask

    biped = authors_genomes["biped"]
    cw = np.random.default_rng(0).uniform(-2, 2, (2, biped.n_connections))
    a = rollout(biped, BipedTask(max_steps=300), [0, 1], connection_weights=cw)
    b = rollout(biped, BipedV2LidarTask(max_steps=300), [0, 1], connection_weights=cw)
    np.testing.assert_array_equal(a.observations, b.observations)
    assert a.returns.tolist() == b.returns.tolist()
