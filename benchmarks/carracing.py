"""CarRacing speed: the observation renderer, the numpy VAE encoder, and an episode with the network.

    python benchmarks/carracing.py [--quick]

Prints one table; every ratio compares numbers measured in this run.

* renderer: Gymnasium's own drawing of the 96 x 96 observation
  (``CarRacing._render("state_pixels")``) against
  :class:`wann_viz.tasks.carracing_render.Renderer` on the same states of a
  seeded drive (target: at least 10x faster). The target row drives twice
  with the same seed and actions, each renderer in its own environment as in
  use (ours in the task's, which skips Gymnasium's drawing); the row under it
  draws both on every state of one drive, where each runs after the other's
  (and the plain step's own) drawing has churned the caches;
* encoder: :func:`wann_viz.vae.encode` of one frame, alone and in a batch of
  32, with random weights of the VAE's architecture (a trained VAE costs the
  same), against the 2 ms target;
* episode: one 1000-frame episode of the authors' racer through the
  project's task (renderer, frame pipeline, encoder, network) with the same
  random-weight VAE, against the 5 s target, and Gymnasium's bare
  environment stepping the same number of frames.

Times are CPU seconds of this process (``time.process_time``): the machine
may be shared. The targets are absolute, so their rows print the ratio to
the target (below 1 meets it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from wann_viz import load_genome
from wann_viz.rollout import rollout
from wann_viz.tasks.carracing import CarRacingTask
from wann_viz.tasks.carracing_render import Renderer
from wann_viz.vae import encode, model

ROOT = Path(__file__).resolve().parents[1]
_clock = time.process_time


def _drive(steps: int, env, draw) -> float:
    """Seconds per ``draw(env)`` over a seeded wobbly drive (the same states for the same seed)."""
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(steps):
        env.step(np.array([rng.uniform(-0.5, 0.5), 0.5, 0.0]))
        t = _clock()
        draw(env)
        total += _clock() - t
    return total / steps


def renderer_times(steps: int) -> dict:
    """Seconds per observation over the same states of a drive, measured two ways.

    ``gym`` / ``ours``: one drive each, Gymnasium's drawing in the plain environment, ours in
    the task's (which skips Gymnasium's drawing), as each runs in use. ``gym_mixed`` /
    ``ours_mixed``: both on every state of one drive (each then runs with the other's memory
    traffic in between; the plain environment's step draws its own frame too).
    """
    import gymnasium as gym

    from wann_viz.tasks.carracing import make_env

    plain = gym.make("CarRacing-v3").unwrapped
    gym_alone = _drive(steps, plain, lambda env: env._render("state_pixels"))
    theirs_pos = tuple(plain.car.hull.position)
    task_env = make_env()
    ours_alone = _drive(steps, task_env, Renderer().frame)
    assert tuple(task_env.car.hull.position) == theirs_pos, "the two drives left the same states"
    task_env.close()
    mine, mixed = Renderer(), {"gym": 0.0, "ours": 0.0}

    def both(env):
        t = _clock()
        env._render("state_pixels")
        mixed["gym"] += _clock() - t
        t = _clock()
        mine.frame(env)
        mixed["ours"] += _clock() - t

    _drive(steps, plain, both)
    plain.close()
    return {"gym": gym_alone, "ours": ours_alone, "gym_mixed": mixed["gym"] / steps, "ours_mixed": mixed["ours"] / steps}


def encoder_times(params: dict, repeat: int) -> tuple[float, float]:
    """(single, batched of 32) seconds per frame, best of ``repeat``."""
    rng = np.random.default_rng(1)
    one, batch = rng.uniform(0, 1, (64, 64, 3)), rng.uniform(0, 1, (32, 64, 64, 3))
    encode(params, one)
    best_one = best_batch = float("inf")
    for _ in range(repeat):
        t = _clock()
        for _ in range(10):
            encode(params, one)
        best_one = min(best_one, (_clock() - t) / 10)
        t = _clock()
        encode(params, batch)
        best_batch = min(best_batch, (_clock() - t) / 32)
    return best_one, best_batch


def episode_times(params: dict, frames: int) -> tuple[float, float, float]:
    """(task episode with the network, bare Gymnasium stepping, return) for one episode."""
    import gymnasium as gym

    task = CarRacingTask(max_steps=frames, vae=(params, {"pipeline": "wann"}))
    racer = load_genome(ROOT / "saved_genomes" / "carracing-authors.json")
    t = _clock()
    result = rollout(racer, task, [0], weight=racer.best_shared_weight or 1.0, record=False, engine="batch")
    t_task = _clock() - t
    env = gym.make("CarRacing-v3").unwrapped
    env.reset(seed=0)
    t = _clock()
    for _ in range(frames):
        env.step(np.array([0.0, 0.3, 0.0]))
    t_gym = _clock() - t
    env.close()
    return t_task, t_gym, float(np.asarray(result.returns).ravel()[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer states and a 300-frame episode")
    args = ap.parse_args()
    steps = 100 if args.quick else 300
    frames = 300 if args.quick else 1000
    params = model.random_params()
    r = renderer_times(steps)
    one, batched = encoder_times(params, 3 if args.quick else 7)
    t_task, t_gym, ret = episode_times(params, frames)
    scale = 1000 / frames
    print(f"{'measure':<62}{'value':>12}{'ratio':>12}")
    alone = f"{r['gym'] * 1e3:.2f} / {r['ours'] * 1e3:.2f} ms"
    mixed = f"{r['gym_mixed'] * 1e3:.2f} / {r['ours_mixed'] * 1e3:.2f} ms"
    print(f"{'observation: Gymnasium drawing / ours (target >= 10x)':<62}{alone:>12}{r['gym'] / r['ours']:>11.1f}x")
    print(f"{'  the same, both drawn on every state of one drive':<62}{mixed:>12}"
          f"{r['gym_mixed'] / r['ours_mixed']:>11.1f}x")
    print(f"{'encode one frame alone (target <= 2 ms)':<62}{f'{one * 1e3:.2f} ms':>12}{one / 2e-3:>11.2f} of target")
    print(f"{'encode one frame in a batch of 32 (target <= 2 ms)':<62}{f'{batched * 1e3:.2f} ms':>12}"
          f"{batched / 2e-3:>11.2f} of target")
    print(f"{f'episode with the network, {frames} frames, scaled to 1000 (target <= 5 s)':<62}"
          f"{f'{t_task * scale:.2f} s':>12}{t_task * scale / 5.0:>11.2f} of target")
    print(f"{'  the same frames, bare Gymnasium (its own drawing included)':<62}{f'{t_gym * scale:.2f} s':>12}"
          f"{t_gym / t_task:>11.1f}x ours")
    print(f"(the racer's return with a random-weight VAE: {ret:.0f}; it only shows the episode ran)")


if __name__ == "__main__":
    main()
