"""CarRacing as the paper ran it: a racer that reads a VAE's 16-number code of each frame.

Gymnasium's ``CarRacing-v3`` supplies the car physics and the track. Its own
drawing of the observation (about 5 ms of its 6 ms step) is switched off by
a subclass, and :mod:`wann_viz.tasks.carracing_render` draws the same
96 x 96 view at a fraction of the cost. Each frame goes through the VAE's
frame pipeline and encoder (:mod:`wann_viz.vae`, numpy, one batched encode
for all lock-step episodes); the network reads the latent mean.

Which VAE: ``CarRacingTask(vae=...)`` (a path or loaded parameters), else the
file named by ``$WANN_VAE``, else this project's own VAE in ``data/vae/``
when it is there. The authors' ``vae_16.json`` (google/brain-tokyo-workshop,
``WANNRelease/vae/vae_16.json``; published, not shipped here) works through
either route and selects the authors' frame pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .base import Task
from .carracing_render import GRASS_DIM, PLAYFIELD, SCALE, WINDOW_H, WINDOW_W, ZOOM, Renderer
from .registry import get_spec

ENV_ID = "CarRacing-v3"
DATA_VAE = Path(__file__).resolve().parents[2] / "data" / "vae" / "carracing-vae16.npz"
VAE_ENV = "WANN_VAE"


def vae_path() -> Path | None:
    """The VAE file the task uses by default: ``$WANN_VAE``, else the project's own, else None."""
    given = os.environ.get(VAE_ENV)
    if given:
        return Path(given)
    return DATA_VAE if DATA_VAE.is_file() else None


def load_vae_cached(path) -> tuple[dict, dict]:
    """``wann_viz.vae.load_vae`` kept in the one result cache, keyed by the file's path, time and size:
    every search chunk and every explorer episode builds a task, and the authors' file is 20 MB of JSON."""
    from ..cache import results
    from ..vae import load_vae

    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return load_vae(p)  # the loader says, in plain words, what is wrong with the path
    return results.get_or_compute(("vae", str(p), st.st_mtime_ns, st.st_size), lambda: load_vae(p))


def vae_identity(path) -> dict:
    """``{"file", "sha256", "format"}`` of a VAE file (kept in the results cache like the weights)."""
    import hashlib

    from ..cache import results

    p = Path(path).resolve()
    st = p.stat()

    def compute() -> dict:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        return {"file": p.name, "sha256": digest, "format": load_vae_cached(p)[1].get("format")}

    return results.get_or_compute(("vae-id", str(p), st.st_mtime_ns, st.st_size), compute)


def installed_vae_identity() -> dict | None:
    """:func:`vae_identity` of the VAE the task would read, or ``None`` when there is none or it cannot
    be read (that is reported, in plain words, when the task starts)."""
    path = vae_path()
    if path is None or not path.is_file():
        return None
    try:
        return vae_identity(path)
    except Exception:  # noqa: BLE001 - any unreadable file: the task's start says what is wrong
        return None


_ENV_CLASS = None


def _env_class():
    """Gymnasium's CarRacing without its own drawing of the observation (a subclass, nothing copied)."""
    global _ENV_CLASS
    if _ENV_CLASS is None:
        from gymnasium.envs.box2d.car_racing import CarRacing

        class CarRacingNoDraw(CarRacing):
            def _render(self, mode: str):
                if mode == "state_pixels":
                    return None  # the task draws the observation itself (carracing_render)
                return super()._render(mode)

        _ENV_CLASS = CarRacingNoDraw
    return _ENV_CLASS


def make_env():
    """One raw environment whose step returns no picture."""
    return _env_class()()


def to_actions(outputs: np.ndarray) -> np.ndarray:
    """(B, 3) raw outputs -> (B, 3) actions: steer in [-1, 1], gas from [-1, 1] to [0, 1], brake in [0, 1]."""
    out = np.asarray(outputs, dtype=float)
    return np.stack([np.clip(out[:, 0], -1.0, 1.0), (np.clip(out[:, 1], -1.0, 1.0) + 1.0) / 2.0,
                     np.clip(out[:, 2], 0.0, 1.0)], axis=1)


@dataclass
class CarRacingState:
    """Batch state of :class:`CarRacingTask`.

    Attributes:
        envs: B environments; renderers: one per environment.
        t: decisions taken so far (each repeats its action ``action_repeat`` times).
        done: (B,) bool; obs: (B, 16) latest latent means; pictures: (B, 96, 96, 3) uint8 latest frames.
    """

    envs: list
    renderers: list
    t: int
    done: np.ndarray
    obs: np.ndarray
    pictures: np.ndarray
    seeds: list = field(default_factory=list)


class CarRacingTask(Task):
    """CarRacing through Gymnasium's physics, the project's renderer and a VAE.

    Description: drive a car round a random track; a tile of the track counts
    once when the car first covers it.
    Observation: (16,) the VAE's latent mean of the current 96 x 96 frame
    (top 84 rows, resized to 64 x 64).
    Action: (3,) steer clipped to [-1, 1]; gas clipped to [-1, 1] then mapped
    to [0, 1]; brake clipped to [0, 1].
    Reward: Gymnasium's: +1000 / N for each of the track's N tiles visited,
    -0.1 per frame, -100 for leaving the playfield.
    Start: ``env.reset(seed=seed)`` draws the track.
    Episode end: every tile visited, the car off the playfield, or 1,000 frames.
    Differences from the paper's version: the paper ran gym's ``CarRacing-v0``
    and its authors' VAE; here Gymnasium's v3 (the same physics and track
    generator) with the project's renderer, and this project's VAE unless the
    authors' file is supplied.

    Args:
        max_steps: frames per episode (default 1000); :attr:`max_steps` then counts decisions.
        vae: a VAE file path or ``(params, meta)`` from :func:`wann_viz.vae.load_vae`
            (default: :func:`vae_path`).
        action_repeat: frames each decision is held for (1: every frame, as the paper).
    """

    spec = get_spec("carracing")
    actions_are_clipped_outputs = False  # gas maps [-1, 1] to [0, 1]

    def __init__(self, max_steps: int | None = None, vae=None, action_repeat: int = 1):
        super().__init__(max_steps)
        if vae is None:
            vae = vae_path()
            if vae is None or not Path(vae).is_file():
                raise RuntimeError(self.unavailable_reason())
        self.params, self.meta = load_vae_cached(vae) if not isinstance(vae, tuple) else vae
        self.pipeline = self.meta.get("pipeline", "wann")
        self.action_repeat = int(action_repeat)
        if self.action_repeat < 1:
            raise ValueError("action_repeat must be at least 1")
        # The episode loop counts decisions; the environment counts frames.
        self.frame_limit = self._max_steps
        self._max_steps = -(-self.frame_limit // self.action_repeat)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        path = vae_path()
        if path is None:
            return ("CarRacing needs a VAE to turn frames into the racer's 16 inputs: none was found "
                    f"(set {VAE_ENV} to a VAE file, e.g. the authors' vae_16.json)")
        if not path.is_file():
            return f"CarRacing's VAE file {path} ({VAE_ENV}) does not exist"
        return None

    @classmethod
    def results_key(cls) -> tuple:
        """The installed VAE's sha256 (``None`` without one): returns depend on the latent code it gives."""
        here = installed_vae_identity()
        return (here["sha256"] if here else None,)

    @classmethod
    def genome_note(cls, genome) -> str | None:
        """A racer drives only with the VAE it was evolved against: its ``extra["vae"]`` names that
        file's sha256; a racer without one (the authors') reads the authors' ``vae_16.json``."""
        here = installed_vae_identity()
        if here is None:
            return None
        made_for = genome.extra.get("vae")
        if isinstance(made_for, Mapping) and made_for.get("sha256"):
            if made_for["sha256"] == here["sha256"]:
                return None
            return (f"This racer was evolved against the VAE {made_for.get('file', '')} (sha256 "
                    f"{str(made_for['sha256'])[:12]}...), but the installed one is {here['file']}: it reads "
                    "another latent code and will not drive as it did.")
        if here["format"] == "authors":
            return None
        return ("This racer reads the latent code of the authors' VAE (vae_16.json), but the installed VAE "
                f"is {here['file']}, so it leaves the road. Set {VAE_ENV} to the authors' file to see it drive.")

    def encode(self, pictures: np.ndarray) -> np.ndarray:
        """(B, 96, 96, 3) uint8 frames -> (B, 16) latent means (one batched encode)."""
        from ..vae import encode, prepare

        mu, _ = encode(self.params, prepare(pictures, self.pipeline))
        return np.asarray(mu, dtype=np.float64)

    def reset(self, seeds: Sequence[int]) -> tuple[CarRacingState, np.ndarray]:
        envs = [make_env() for _ in seeds]
        renderers = [Renderer() for _ in seeds]
        pictures = np.empty((len(envs), 96, 96, 3), np.uint8)
        for i, (env, seed) in enumerate(zip(envs, seeds)):
            env.reset(seed=int(seed))
            pictures[i] = renderers[i].frame(env)
        obs = self.encode(pictures)
        state = CarRacingState(envs, renderers, 0, np.zeros(len(envs), bool), obs, pictures, [int(s) for s in seeds])
        return state, obs.copy()

    def to_actions(self, outputs: np.ndarray) -> np.ndarray:
        return to_actions(outputs)

    def step(self, state: CarRacingState, outputs: np.ndarray):
        actions = to_actions(outputs)
        rewards = np.zeros(len(state.envs))
        done = state.done.copy()
        frames = min(self.action_repeat, self.frame_limit - state.t * self.action_repeat)
        for i in np.flatnonzero(~state.done).tolist():
            env = state.envs[i]
            for _ in range(frames):
                _, r, terminated, truncated, _ = env.step(actions[i])
                rewards[i] += r
                if terminated or truncated:
                    done[i] = True
                    break
            state.pictures[i] = state.renderers[i].frame(env)
        state.t += 1
        if state.t >= self._max_steps:
            done[:] = True
        live = np.flatnonzero(~state.done)
        if live.size:
            state.obs[live] = self.encode(state.pictures[live])
        state.done = done
        return state, state.obs.copy(), rewards, done.copy()

    def frame(self, state: CarRacingState, index: int) -> dict:
        """The car of episode ``index``: ``car`` is [x, y, angle] of the hull then of the 4 wheels,
        then the clock (s; the camera zooms in over the first second)."""
        env = state.envs[index]
        bodies = [env.car.hull, *env.car.wheels]
        pose = [round(float(v), 4) for b in bodies for v in (b.position[0], b.position[1], b.angle)]
        return {"car": pose + [round(float(env.t), 4)]}

    def scene(self, state: CarRacingState, index: int) -> dict:
        """The track and the car's shapes, in world units (the player draws Gymnasium's view)."""
        env = state.envs[index]
        renderer = state.renderers[index]
        track = renderer._ensure_track(env)
        return {
            "tiles": np.round(track.road, 2).reshape(len(track.road), -1).tolist(),
            "tile_colors": [[int(c[0]), int(c[1]), int(c[2])] for c in track.road_colors],
            "bg": list(track.bg), "grass": list(track.grass_color),
            "grass_dim": GRASS_DIM, "playfield": PLAYFIELD, "zoom": ZOOM * SCALE, "start_zoom": 0.1 * SCALE,
            "window": [WINDOW_W, WINDOW_H],
            "hull": [np.round(v, 4).tolist() for v in renderer._shapes(env.car.hull)],
            "wheel": np.round(renderer._shapes(env.car.wheels[0])[0], 4).tolist(),
        }

    def close(self, state: CarRacingState) -> None:
        for env in state.envs:
            env.close()
        state.envs = []
