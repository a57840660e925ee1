"""The fast CarRacing observation against Gymnasium's own frames on the same states."""

import numpy as np
import pytest
from PIL import Image

from wann_viz.tasks.carracing_render import Renderer

gym = pytest.importorskip("gymnasium")

TOLERANCE = 16  # per channel, out of 255: edges are blended differently by the two scalers


def drive(seed: int, steps: int, rng):
    """Yield (env, Gymnasium's observation) along a wobbly drive."""
    env = gym.make("CarRacing-v3").unwrapped
    try:
        env.reset(seed=seed)
        for _ in range(steps):
            obs, *_ = env.step(np.array([rng.uniform(-0.6, 0.6), rng.uniform(0.2, 0.8), 0.0]))
            yield env, obs
    finally:
        env.close()


def test_frames_agree_with_gymnasium_on_95_percent_of_pixels(tmp_path):
    rng = np.random.default_rng(0)
    renderer = Renderer()
    agree, pairs = [], []
    for seed in (1, 2):
        for t, (env, obs) in enumerate(drive(seed, 160, rng)):
            if t % 4:  # every fourth state: the zoom-in of the first second and the drive after it
                continue
            mine = renderer.frame(env)
            assert mine.shape == obs.shape == (96, 96, 3) and mine.dtype == np.uint8
            close = np.abs(mine.astype(int) - obs.astype(int)).max(axis=2) <= TOLERANCE
            agree.append(close.mean())
            if t in (4, 100):
                pairs.append(np.concatenate([obs, mine], axis=1))
    Image.fromarray(np.concatenate(pairs, axis=0)).save(tmp_path / "gymnasium-left-ours-right.png")
    assert min(agree) >= 0.95, f"worst frame: {min(agree):.3f} of pixels agree"
    assert np.mean(agree) >= 0.97


def test_the_renderer_follows_a_new_track_after_reset():
    env = gym.make("CarRacing-v3").unwrapped
    renderer = Renderer()
    frames = []
    for seed in (5, 6):
        env.reset(seed=seed)
        for _ in range(60):
            obs, *_ = env.step(np.array([0.0, 0.5, 0.0]))
        frames.append((renderer.frame(env), obs))
    env.close()
    for mine, obs in frames:
        assert (np.abs(mine.astype(int) - obs.astype(int)).max(axis=2) <= TOLERANCE).mean() >= 0.95
