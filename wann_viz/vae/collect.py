"""Frames for training the VAE: random and steering-heuristic drives on CarRacing.

``python -m wann_viz.vae collect --out FOLDER`` writes one ``episode-SSSS.npz``
per drive (``frames``: (T, 64, 64, 3) uint8 after this project's frame
pipeline; ``kind``: ``random`` or ``heuristic``). Drives that are already in
the folder are skipped, so an interrupted collection resumes where it stopped.

Two kinds of drive, alternating by seed, so the VAE sees both the track ahead
and the grass beside it:

* ``heuristic``: steers toward a point a few tiles ahead on the track, with
  noise on steering and gas, so the car mostly follows the road and sometimes
  slides off it;
* ``random``: actions held for a random number of frames (as the World Models
  data collection did), which leaves the road often.

The observations come from :mod:`wann_viz.tasks.carracing_render`, the same
drawing the task uses.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..tasks.carracing import make_env
from ..tasks.carracing_render import Renderer
from .frames import prepare


def heuristic_action(env, rng: np.random.Generator, ahead: int = 6) -> np.ndarray:
    """(3,) steer toward the track point ``ahead`` tiles past the nearest one, with noise."""
    car = env.car.hull
    px, py = car.position
    track = np.asarray([(t[2], t[3]) for t in env.track])
    nearest = int(np.argmin(((track - (px, py)) ** 2).sum(axis=1)))
    tx, ty = track[(nearest + ahead) % len(track)]
    heading = car.angle + math.pi / 2  # the car's nose points along body +y
    want = math.atan2(ty - py, tx - px)
    err = (want - heading + math.pi) % (2 * math.pi) - math.pi
    speed = math.hypot(*car.linearVelocity)
    steer = float(np.clip(-2.0 * err + rng.normal(0, 0.15), -1, 1))  # Gymnasium steers with -action[0]
    gas = float(np.clip(0.35 + rng.normal(0, 0.1) - (0.3 if speed > 45 else 0.0), 0, 1))
    brake = 0.3 if speed > 60 else 0.0
    return np.array([steer, gas, brake])


def drive(seed: int, frames: int, kind: str) -> np.ndarray:
    """One drive's frames: (frames, 64, 64, 3) uint8 (the frame pipeline's output x 255)."""
    rng = np.random.default_rng(seed)
    env = make_env()
    renderer = Renderer()
    out = np.empty((frames, 64, 64, 3), np.uint8)
    try:
        env.reset(seed=int(seed))
        action, hold = np.zeros(3), 0
        for t in range(frames):
            if kind == "heuristic":
                action = heuristic_action(env, rng)
            elif hold <= 0:
                action = np.array([rng.uniform(-1, 1), rng.uniform(0, 1), rng.uniform(0, 0.3)])
                hold = int(rng.integers(1, 20))
            hold -= 1
            _, _, terminated, truncated, _ = env.step(action)
            out[t] = np.rint(prepare(renderer.frame(env), "wann") * 255).astype(np.uint8)
            if terminated or truncated:
                return out[: t + 1]
    finally:
        env.close()
    return out


def collect(folder: str | Path, episodes: int, frames: int, seed: int = 0, progress=None) -> list[Path]:
    """Write ``episodes`` drives into ``folder`` (skipping those already there).

    Returns:
        The episode files, old and new.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(int(episodes)):
        s = int(seed) + i
        path = folder / f"episode-{s:04d}.npz"
        if not path.is_file():
            kind = "heuristic" if i % 2 == 0 else "random"
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez_compressed(tmp, frames=drive(s, frames, kind), kind=np.array(kind), seed=np.array(s))
            tmp.replace(path)
        files.append(path)
        if progress is not None:
            progress(i + 1, int(episodes))
    return files


def load_frames(folder: str | Path) -> np.ndarray:
    """All collected frames of a folder: (N, 64, 64, 3) uint8."""
    parts = []
    for path in sorted(Path(folder).glob("episode-*.npz")):
        with np.load(path, allow_pickle=False) as z:
            parts.append(z["frames"])
    if not parts:
        raise FileNotFoundError(f"{folder} holds no episode-*.npz frames: run python -m wann_viz.vae collect first")
    return np.concatenate(parts)
