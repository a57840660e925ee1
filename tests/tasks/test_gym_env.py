"""The swing-up as a Gymnasium environment: registered by ``import wann_viz``."""

from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import wann_viz
from wann_viz.rollout import rollout
from wann_viz.tasks.gym_env import SWINGUP_ID

ROOT = Path(__file__).resolve().parents[2]


def test_make_returns_the_paper_swingup_and_passes_the_env_checker():
    env = gymnasium.make(SWINGUP_ID)
    assert env.observation_space.shape == (5,) and env.action_space.shape == (1,)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_seeds_mean_what_they_mean_in_the_project():
    genome = wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")
    ref = rollout(genome, "swingup", [5], weight=0.8, record=True)
    env = gymnasium.make(SWINGUP_ID)
    obs, info = env.reset(seed=5)
    assert info["seed"] == 5
    np.testing.assert_allclose(obs, ref.observations[0, 0], atol=1e-6)  # recorded as float32
    total, steps, terminated, truncated = 0.0, 0, False, False
    while not (terminated or truncated):
        action = wann_viz.forward(genome, obs[None], 0.8)[0]
        obs, reward, terminated, truncated, _ = env.step(action[0])
        total += reward
        steps += 1
    assert steps == ref.lengths[0] == 1000 and truncated and not terminated
    assert total == pytest.approx(ref.returns[0], rel=1e-6)
    env.close()


def test_make_vec_runs_lockstep_episodes():
    envs = gymnasium.make_vec(SWINGUP_ID, num_envs=3, vectorization_mode="sync")
    obs, _ = envs.reset(seed=[1, 2, 3])
    assert obs.shape == (3, 5)
    single = gymnasium.make(SWINGUP_ID)
    np.testing.assert_array_equal(obs[1], single.reset(seed=2)[0])
    obs, rewards, terminated, truncated, _ = envs.step(np.zeros((3, 1), np.float32))
    assert obs.shape == (3, 5) and rewards.shape == (3,) and not terminated.any()
    envs.close()
