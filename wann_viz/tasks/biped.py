"""BipedalWalker through Gymnasium's ``BipedalWalker-v3``.

B environments run in lock-step inside one process so that one batched
network forward serves all of them; evaluation spreads such batches over
processes (see :mod:`wann_viz.evaluate`). Actions are the network outputs
clipped to [-1, 1]. An episode is fully determined by its seed
(``env.reset(seed=seed)`` draws the terrain and the initial push).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .base import Task
from .registry import get_spec

ENV_ID = "BipedalWalker-v3"
# Drawing constants of the Gymnasium environment (world units are pixels / SCALE).
SCALE = 30.0
VIEWPORT_W = 600 / SCALE
VIEWPORT_H = 400 / SCALE
BODY_NAMES = ("hull", "thigh_1", "shin_1", "thigh_2", "shin_2")


def make_env(lidar: str = "v3"):
    """One raw ``BipedalWalker-v3`` environment (wrappers removed: the task counts steps).

    Args:
        lidar: ``"v3"`` (Gymnasium's: each ray keeps the closest hit) or ``"v2"`` (the paper's
            gym v2: each ray keeps the first hit Box2D reports).
    """
    import gymnasium  # heavy; imported only when a biped is actually run

    if lidar == "v2":
        return _v2_lidar_class()()
    if lidar != "v3":
        raise ValueError(f"lidar must be 'v2' or 'v3', got {lidar!r}")
    return gymnasium.make(ENV_ID).unwrapped


_V2_CLASS = None


def _v2_lidar_class():
    """Gymnasium's walker with gym v2's lidar: a subclass that swaps the ray callbacks, nothing copied."""
    global _V2_CLASS
    if _V2_CLASS is None:
        import Box2D
        from gymnasium.envs.box2d.bipedal_walker import BipedalWalker

        class FirstHitLidar(Box2D.b2.rayCastCallback):
            def ReportFixture(self, fixture, point, normal, fraction):
                if (fixture.filterData.categoryBits & 1) == 0:
                    return -1  # not ground: ignore and go on
                self.p2 = point
                self.fraction = fraction
                return 0  # v2 stops at the first ground fixture reported (v3 returns fraction: the closest)

        class BipedalWalkerV2Lidar(BipedalWalker):
            def step(self, action):
                # reset() makes v3's callbacks and then steps once: swap them before any ray is cast.
                if not isinstance(self.lidar[0], FirstHitLidar):
                    self.lidar = [FirstHitLidar() for _ in range(10)]
                return super().step(action)

        _V2_CLASS = BipedalWalkerV2Lidar
    return _V2_CLASS


def _bodies(env) -> list:
    """Hull then (thigh, shin) of leg 1 and leg 2, the order of ``BODY_NAMES``."""
    return [env.hull, *env.legs]


@dataclass
class BipedState:
    """Batch state of :class:`BipedTask`.

    Attributes:
        envs: B live environments.
        t: steps taken so far.
        done: (B,) bool.
        obs: (B, 24) float, latest observation of each episode.
        seeds: the B seeds.
    """

    envs: list
    t: int
    done: np.ndarray
    obs: np.ndarray
    seeds: list = field(default_factory=list)


class BipedTask(Task):
    """BipedalWalker through Gymnasium, B environments in lock-step.

    Description: a two-legged walker must cross rough terrain to the far end.
    Observation: (24,) hull angle and speeds, joint angles and speeds, leg
    contacts, then 10 lidar ranges (Gymnasium's ``BipedalWalker-v3``).
    Action: (4,) hip and knee torques, the outputs clipped to [-1, 1].
    Reward: Gymnasium's: forward progress, minus torque cost and hull tilt; -100 for a fall.
    Start: ``env.reset(seed=seed)`` draws the terrain and the first push.
    Episode end: a fall, the end of the course, or 1,600 steps.
    Differences from the paper's version: the paper ran gym's ``BipedalWalker-v2``,
    whose lidar keeps the first hit Box2D reports; v3 (here) keeps the closest
    hit. Everything else the walker sees is the same. The random-weight
    conditions score below the paper's here; the tuned ones match.

    Args:
        max_steps: episode limit (default 1600, the environment's own).
    """

    spec = get_spec("biped")

    lidar = "v3"

    def __init__(self, max_steps: int | None = None):
        super().__init__(max_steps)

    def reset(self, seeds: Sequence[int]) -> tuple[BipedState, np.ndarray]:
        envs = [make_env(self.lidar) for _ in seeds]  # cheap (under 1 ms) next to an episode
        obs = np.empty((len(envs), self.spec.n_in))
        for i, (env, seed) in enumerate(zip(envs, seeds)):
            obs[i], _ = env.reset(seed=int(seed))
        return BipedState(envs, 0, np.zeros(len(envs), bool), obs, [int(s) for s in seeds]), obs.copy()

    def to_actions(self, outputs: np.ndarray) -> np.ndarray:
        """(B, 4) raw outputs -> (B, 4) actions clipped to [-1, 1]."""
        return np.clip(outputs, -1.0, 1.0)

    def step(self, state: BipedState, outputs: np.ndarray):
        actions = np.clip(np.asarray(outputs, dtype=float), -1.0, 1.0)
        rewards = np.zeros(len(state.envs))
        done = state.done.copy()
        obs = state.obs
        for i in np.flatnonzero(~state.done):
            o, r, terminated, truncated, _ = state.envs[i].step(actions[i])
            obs[i] = o
            rewards[i] = r
            done[i] = terminated or truncated
        state.t += 1
        if state.t >= self._max_steps:
            done[:] = True
        state.done = done
        return state, obs.copy(), rewards, done.copy()

    def frame(self, state: BipedState, index: int) -> dict:
        """Pose of episode ``index``: ``bodies`` is [x, y, angle] per body of ``BODY_NAMES``."""
        env = state.envs[index]
        return {
            "bodies": [
                [round(float(b.position[0]), 3), round(float(b.position[1]), 3), round(float(b.angle), 3)]
                for b in _bodies(env)
            ],
        }

    def scene(self, state: BipedState, index: int) -> dict:
        """Terrain profile and the bodies' polygons in body coordinates (world units)."""
        env = state.envs[index]
        return {
            "viewport": [VIEWPORT_W, VIEWPORT_H],
            "terrain_x": [round(float(v), 3) for v in env.terrain_x],
            "terrain_y": [round(float(v), 3) for v in env.terrain_y],
            "body_names": list(BODY_NAMES),
            "body_shapes": [
                [[round(float(x), 4), round(float(y), 4)] for x, y in b.fixtures[0].shape.vertices]
                for b in _bodies(env)
            ],
        }

    def draw_frame(self, frames: dict, scene: dict, t: int):
        """The walker on its terrain at frame ``t`` (480 x 320, as the player draws it)."""
        from PIL import Image, ImageDraw

        size = w, h = (480, 320)
        img = Image.new("RGB", size, (236, 241, 255))
        d = ImageDraw.Draw(img)
        vw = float((scene.get("viewport") or [20, 13.333])[0])
        s = w / vw
        bodies = frames["bodies"][t]
        scroll = float(bodies[0]) - vw / 4

        def px(x, y):
            return ((x - scroll) * s, h - y * s)

        tx, ty = scene.get("terrain_x") or [], scene.get("terrain_y") or []
        pts = [px(a, b) for a, b in zip(tx, ty) if scroll - 1 <= a <= scroll + vw + 1]
        if pts:
            d.polygon([(pts[0][0], h)] + pts + [(pts[-1][0], h)], fill=(127, 179, 106), outline=(78, 125, 62))
        shapes = scene.get("body_shapes") or []
        colours = {0: (128, 102, 230), 1: (159, 140, 230), 2: (159, 140, 230), 3: (124, 105, 199), 4: (124, 105, 199)}
        for k in (3, 4, 1, 2, 0):
            if k >= len(bodies) // 3 or k >= len(shapes) or not shapes[k]:
                continue
            bx, by, ba = (float(v) for v in bodies[3 * k:3 * k + 3])
            c, sn = math.cos(ba), math.sin(ba)
            poly = [px(bx + c * vx - sn * vy, by + sn * vx + c * vy) for vx, vy in shapes[k]]
            d.polygon(poly, fill=colours.get(k, (128, 102, 230)), outline=(64, 48, 111))
        return img

    def close(self, state: BipedState) -> None:
        for env in state.envs:
            env.close()
        state.envs = []


def frame_polygons(frame: dict, scene: dict) -> list[list[tuple[float, float]]]:
    """World-coordinate polygons (one per body) from a frame and its scene, for drawing."""
    polys = []
    for (x, y, a), shape in zip(frame["bodies"], scene["body_shapes"]):
        c, s = np.cos(a), np.sin(a)
        polys.append([(x + c * px - s * py, y + s * px + c * py) for px, py in shape])
    return polys


class BipedV2LidarTask(BipedTask):
    """BipedalWalker with the lidar of the paper's gym v2, everything else Gymnasium's v3.

    Description, Observation, Action, Reward, Start, Episode end: as :class:`BipedTask`.
    Differences from the paper's version: none known. Each lidar ray keeps the first ground
    fixture Box2D reports (gym v2) instead of the closest (v3). Measured on the shipped champion
    (3 episodes at its shared weight, 16 with random weights, 16 with random shared weights), no
    lidar reading differed from v3's: on this terrain the first fixture reported is the closest.
    """

    spec = get_spec("biped-v2")
    lidar = "v2"

