"""CartPoleSwingUp, the paper's version, in numpy and vectorized over episodes.

State per episode: ``(x, x_dot, theta, theta_dot)``; ``theta = 0`` is upright,
``pi`` hangs down. Constants and equations are those of the paper's
environment (Gaier & Ha 2019): explicit Euler with positions updated from the
*old* velocities, reward from the *new* state. Checked against transitions
computed by the authors' environment (``tests/golden/swingup_transitions.npz``).

:func:`transition` is the pure batched physics (:func:`advance` on columns);
:func:`advance_scalar` is the same step on Python floats, operation for
operation, so the two give the same bits (the tests check it over the
authors' golden transitions and random states). :class:`SwingUpTask` steps
batches with :func:`advance` and offers a single-episode fast path on floats
built on :func:`advance_scalar`.
Seeds must be non-negative integers (``np.random.default_rng(seed)``).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..nn import run_program
from .base import Task
from .registry import get_spec

GRAVITY = 9.82
CART_MASS = 0.5
POLE_MASS = 0.5
TOTAL_MASS = CART_MASS + POLE_MASS
POLE_LENGTH = 0.6
FORCE_MAG = 10.0
DT = 0.01
FRICTION = 0.1
X_LIMIT = 2.4
MAX_STEPS = 1000
RESET_MEAN = (0.0, 0.0, math.pi, 0.0)
RESET_SD = 0.2
WORLD_WIDTH = 5.0  # metres shown by the article's 600 x 600 view

# Short names for the formulas below.
_M, _MT, _L, _G, _B = POLE_MASS, TOTAL_MASS, POLE_LENGTH, GRAVITY, FRICTION


def observe(states: np.ndarray) -> np.ndarray:
    """Observations of states.

    Args:
        states: (B, 4) ``(x, x_dot, theta, theta_dot)``.

    Returns:
        (B, 5) ``(x, x_dot, cos(theta), sin(theta), theta_dot)``.
    """
    states = np.asarray(states, dtype=float)
    theta = states[:, 2]
    return np.stack([states[:, 0], states[:, 1], np.cos(theta), np.sin(theta), states[:, 3]], axis=1)


def transition(states: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One physics step for a batch of episodes (pure: inputs are not modified).

    Args:
        states: (B, 4) float ``(x, x_dot, theta, theta_dot)``.
        actions: (B,) float; clipped to [-1, 1] and scaled by ``FORCE_MAG``.

    Returns:
        ``(next_states (B, 4), observations (B, 5), rewards (B,), terminated (B,) bool)``.
        ``terminated`` is True where the cart left the track (|x| > 2.4); the
        1000-step limit is the caller's business.
    """
    st = np.asarray(states, dtype=float)
    x, x_dot, theta, theta_dot = (np.ascontiguousarray(st[:, i]) for i in range(4))
    cols, s, c, rewards, terminated = advance(x, x_dot, theta, theta_dot, np.sin(theta), np.cos(theta),
                                               np.asarray(actions, dtype=float).reshape(-1))
    return np.stack(cols, axis=1), _observe_cols(cols, s, c), rewards, terminated


# Coefficients of the two accelerations: the paper's formulas with the constants folded in.
_XA_TD2_S = -2 * _M * _L
_XA_SC = 3 * _M * _G
_XA_DEN0, _XA_DEN_CC = 4 * _MT, 3 * _M
_TA_TD2_SC = -3 * _M * _L
_TA_S = 6 * _MT * _G
_TA_DEN0, _TA_DEN_CC = 4 * _L * _MT, 3 * _M * _L
_X_TO_ANGLE = np.pi / (2 * X_LIMIT)


def advance(x, x_dot, theta, theta_dot, s, c, actions):
    """The step on contiguous (B,) columns, given s = sin(theta), c = cos(theta).

    Returns:
        ``((x, x_dot, theta, theta_dot) next, sin, cos of the next theta, rewards, terminated)``.
    """
    force = np.clip(actions, -1.0, 1.0)
    force *= FORCE_MAG
    fb = x_dot * (-_B)
    fb += force  # F - b x_dot
    td2_s = theta_dot * theta_dot
    td2_s *= s  # theta_dot^2 sin
    sc = s * c
    cc = c * c
    x_acc = td2_s * _XA_TD2_S
    x_acc += sc * _XA_SC
    x_acc += fb * 4.0
    den = cc * (-_XA_DEN_CC)
    den += _XA_DEN0
    x_acc /= den
    theta_acc = td2_s * c
    theta_acc *= _TA_TD2_SC
    theta_acc += s * _TA_S
    fb *= c
    fb *= 6.0
    theta_acc += fb
    den = cc * (-_TA_DEN_CC)
    den += _TA_DEN0
    theta_acc /= den
    nx = x_dot * DT
    nx += x
    ntheta = theta_dot * DT
    ntheta += theta
    x_acc *= DT
    x_acc += x_dot
    theta_acc *= DT
    theta_acc += theta_dot
    ns = np.sin(ntheta)
    nc = np.cos(ntheta)
    rewards = nx * _X_TO_ANGLE
    np.cos(rewards, out=rewards)
    rewards *= nc + 1.0
    rewards *= 0.5
    terminated = np.abs(nx) > X_LIMIT
    return (nx, x_acc, ntheta, theta_acc), ns, nc, rewards, terminated


def _observe_cols(cols, s, c) -> np.ndarray:
    obs = np.empty((len(s), 5))
    obs[:, 0] = cols[0]
    obs[:, 1] = cols[1]
    obs[:, 2] = c
    obs[:, 3] = s
    obs[:, 4] = cols[3]
    return obs


# numpy's float64 sin and cos are the C library's, as math's are: the same bits as on arrays
# (tests/tasks/test_swingup.py checks the whole step bit for bit).
_SIN, _COS = math.sin, math.cos


def advance_scalar(x: float, x_dot: float, theta: float, theta_dot: float, s: float, c: float, action: float):
    """:func:`advance` on Python floats for one episode, bit for bit: the same
    operations in the same order, and the same ``sin`` and ``cos``.

    Returns:
        ``(x, x_dot, theta, theta_dot, sin, cos, reward, terminated)`` after the step.
    """
    force = (-1.0 if action < -1.0 else min(action, 1.0)) * FORCE_MAG
    fb = x_dot * (-_B) + force  # F - b x_dot
    td2_s = (theta_dot * theta_dot) * s  # theta_dot^2 sin
    sc = s * c
    cc = c * c
    x_acc = ((td2_s * _XA_TD2_S + sc * _XA_SC) + fb * 4.0) / (cc * (-_XA_DEN_CC) + _XA_DEN0)
    theta_acc = (((td2_s * c) * _TA_TD2_SC + s * _TA_S) + (fb * c) * 6.0) / (cc * (-_TA_DEN_CC) + _TA_DEN0)
    nx = x_dot * DT + x
    ntheta = theta_dot * DT + theta
    nx_dot = x_acc * DT + x_dot
    ntheta_dot = theta_acc * DT + theta_dot
    try:
        ns = _SIN(ntheta)
        nc = _COS(ntheta)
    except ValueError:  # math refuses inf where numpy gives nan
        ns = nc = math.nan
    try:
        reward = (_COS(nx * _X_TO_ANGLE) * (nc + 1.0)) * 0.5
    except ValueError:
        reward = math.nan
    return nx, nx_dot, ntheta, ntheta_dot, ns, nc, reward, abs(nx) > X_LIMIT


def step_scalar(x: float, x_dot: float, theta: float, theta_dot: float, action: float):
    """The same step as :func:`transition` on Python floats, for one episode (bit for bit).

    Returns:
        ``(x, x_dot, theta, theta_dot, reward, terminated)``.
    """
    try:
        s, c = _SIN(theta), _COS(theta)
    except ValueError:
        s = c = math.nan
    nx, nxd, nth, nthd, _, _, r, term = advance_scalar(x, x_dot, theta, theta_dot, s, c, action)
    return nx, nxd, nth, nthd, r, term


def initial_states(seeds: Sequence[int]) -> np.ndarray:
    """Reset states, one per seed, each from its own ``np.random.default_rng(seed)``.

    So an episode's start depends only on its seed, never on the rest of the batch.

    Returns:
        (B, 4) float ``(x, x_dot, theta, theta_dot)`` ~ N((0, 0, pi, 0), 0.2).
    """
    seeds = np.asarray([int(s) for s in seeds], dtype=np.int64)
    # Sweeps repeat each seed once per weight: draw each distinct seed once (a generator costs ~50 us).
    unique, inverse = np.unique(seeds, return_inverse=True)
    draws = np.empty((len(unique), 4))
    for i, seed in enumerate(unique.tolist()):
        draws[i] = np.random.default_rng(seed).normal(RESET_MEAN, RESET_SD)
    return draws[inverse.reshape(-1)]


@dataclass
class SwingUpState:
    """Batch state of :class:`SwingUpTask`.

    Attributes:
        cols: four (B,) arrays ``x, x_dot, theta, theta_dot``; frozen once an episode is done.
        sin, cos: (B,) sin and cos of theta (kept: the next step needs them).
        t: steps taken so far.
        done: (B,) bool, episodes that have ended.
    """

    cols: tuple
    sin: np.ndarray
    cos: np.ndarray
    t: int
    done: np.ndarray

    @property
    def states(self) -> np.ndarray:
        """(B, 4) ``(x, x_dot, theta, theta_dot)``."""
        return np.stack(self.cols, axis=1)


class SwingUpTask(Task):
    """CartPoleSwingUp as in the paper, batched in numpy.

    Description: a pole hinged on a cart hangs down; pushing the cart left and
    right must swing it up and balance it, with the cart kept near the centre.
    Observation: (5,) ``x, x_dot, cos(theta), sin(theta), theta_dot``; theta = 0 is upright.
    Action: (1,) force, the output clipped to [-1, 1] and scaled by 10 N.
    Reward: ``(cos(theta) + 1) / 2 * cos(x * pi / 4.8)`` per step, from the new state.
    Start: ``(x, x_dot, theta, theta_dot) ~ N((0, 0, pi, 0), 0.2)`` from ``default_rng(seed)``.
    Episode end: the cart leaves the track (|x| > 2.4), or 1,000 steps.
    Differences from the paper's version: none (checked against the authors'
    transitions); seeds draw from numpy's ``default_rng`` instead of the global generator.

    Args:
        max_steps: episode limit (default 1000, the paper's).
    """

    spec = get_spec("swingup")
    # Once this fraction of the batch has finished, only the running episodes are stepped.
    compact_fraction = 0.1

    def __init__(self, max_steps: int = MAX_STEPS):
        super().__init__(max_steps)

    def reset(self, seeds: Sequence[int]) -> tuple[SwingUpState, np.ndarray]:
        states = initial_states(seeds)
        cols = tuple(np.ascontiguousarray(states[:, i]) for i in range(4))
        s, c = np.sin(cols[2]), np.cos(cols[2])
        return SwingUpState(cols, s, c, 0, np.zeros(len(states), bool)), _observe_cols(cols, s, c)

    def to_actions(self, outputs: np.ndarray) -> np.ndarray:
        """(B, 1) raw outputs -> (B, 1) actions clipped to [-1, 1]."""
        return np.clip(outputs, -1.0, 1.0)

    def step(self, state: SwingUpState, outputs: np.ndarray):
        was_done = state.done
        actions = np.asarray(outputs, dtype=float)[:, 0]
        n_done = int(np.count_nonzero(was_done))
        if n_done == 0:
            cols, s, c, rewards, terminated = advance(*state.cols, state.sin, state.cos, actions)
        else:
            # Finished episodes stay where they ended and earn nothing.
            cols = tuple(a.copy() for a in state.cols)
            s, c = state.sin.copy(), state.cos.copy()
            rewards = np.zeros(len(was_done))
            terminated = np.zeros(len(was_done), bool)
            if n_done >= self.compact_fraction * len(was_done):
                run = np.flatnonzero(~was_done)  # step only the running episodes
                new = advance(*(a[run] for a in state.cols), state.sin[run], state.cos[run], actions[run])
                for dst, src in zip(cols, new[0]):
                    dst[run] = src
                s[run], c[run], rewards[run], terminated[run] = new[1:]
            else:
                new = advance(*state.cols, state.sin, state.cos, actions)
                run = ~was_done
                for dst, src in zip(cols, new[0]):
                    dst[run] = src[run]
                s[run], c[run], rewards[run], terminated[run] = (a[run] for a in new[1:])
        t = state.t + 1
        done = was_done | terminated
        if t >= self._max_steps:
            done = np.ones_like(done)
        return SwingUpState(cols, s, c, t, done), _observe_cols(cols, s, c), rewards, done

    def single_episode(self, program, schedule, seed, limit, record_frames, on_step):
        """One episode on Python floats (see :meth:`Task.single_episode`): the exact
        float program of the network and :func:`advance_scalar`, bit for bit the
        batched loop, several times faster at B = 1."""
        with np.errstate(all="ignore"):  # inf and nan carry on, as in the batched loop
            return _single_episode(program, schedule, int(seed), min(int(limit), self._max_steps),
                                   record_frames, on_step)

    def preview_setup(self, seed: int) -> dict:
        """The start state of episode ``seed`` and the physics constants, for
        ``assets/wann_preview.js`` (which mirrors :func:`advance_scalar`)."""
        return {
            "start": initial_states([seed])[0].tolist(),
            "constants": {
                "force_mag": FORCE_MAG, "friction": _B, "dt": DT, "x_limit": X_LIMIT, "max_steps": self._max_steps,
                "xa_td2_s": _XA_TD2_S, "xa_sc": _XA_SC, "xa_den0": _XA_DEN0, "xa_den_cc": _XA_DEN_CC,
                "ta_td2_sc": _TA_TD2_SC, "ta_s": _TA_S, "ta_den0": _TA_DEN0, "ta_den_cc": _TA_DEN_CC,
                "x_to_angle": float(_X_TO_ANGLE),
            },
        }

    def frame(self, state: SwingUpState, index: int) -> dict:
        x, theta = state.cols[0][index], state.cols[2][index]
        return {"x": round(float(x), 4), "theta": round(float(theta), 4)}

    def scene(self, state: SwingUpState | None = None, index: int = 0) -> dict:
        return {
            "world_width": WORLD_WIDTH,
            "x_limit": X_LIMIT,
            "pole_length": POLE_LENGTH,
        }

    def draw_frame(self, frames: dict, scene: dict, t: int):
        """The cart and pole at frame ``t`` (360 x 360, as the player draws them)."""
        from PIL import Image, ImageDraw

        size = w, h = (360, 360)
        img = Image.new("RGB", size, (251, 251, 248))
        d = ImageDraw.Draw(img)
        s = w / float(scene.get("world_width") or 5.0)
        length = float(scene.get("pole_length") or 0.6)
        limit = float(scene.get("x_limit") or 2.4)
        x, th = float(frames["x"][t, 0]), float(frames["theta"][t, 0])
        track = h * 0.62
        cart_w, cart_h, wheel = 0.5 * s, 0.25 * s, 0.06 * s
        cx, cy = w / 2 + x * s, track - 2 * wheel - cart_h / 2
        d.line([(0, track), (w, track)], fill=(85, 85, 85), width=2)
        for lim in (-limit, limit):
            px = w / 2 + lim * s
            d.line([(px, track - 12), (px, track + 4)], fill=(192, 57, 43), width=3)
        d.rectangle([cx - cart_w / 2, cy - cart_h / 2, cx + cart_w / 2, cy + cart_h / 2], fill=(45, 62, 80))
        for k in (-0.3, 0.3):
            ex = cx + k * cart_w
            d.ellipse([ex - wheel, track - 2 * wheel, ex + wheel, track], fill=(17, 17, 17))
        tx, ty = cx + math.sin(th) * length * s, cy - math.cos(th) * length * s
        d.line([(cx, cy), (tx, ty)], fill=(200, 161, 101), width=max(3, int(0.03 * s)))
        r = 0.06 * s
        d.ellipse([tx - r, ty - r, tx + r, ty + r], fill=(142, 90, 43))
        return img


def _single_episode(program, schedule, seed, limit, record_frames, on_step) -> dict:
    n_nodes, entries = program
    out_node = n_nodes - 1  # the one output is the genome's last node
    x, x_dot, theta, theta_dot = initial_states([seed])[0].tolist()
    s, c = _SIN(theta), _COS(theta)
    v = [0.0] * (n_nodes + 1)  # the last slot is the constant 0.0 of nodes without inputs
    v[0] = 1.0
    history = array("d")  # node values (and the 0.0 slot), flat: cheaper to grow than lists
    rewards = array("d")
    states = [(x, theta)]
    changes = list(schedule or [])[::-1]  # pop the next weight change from the end
    w = None
    next_change = changes[-1][0] if changes else limit
    for t in range(limit):
        if t == next_change:
            w = changes.pop()[1]
            next_change = changes[-1][0] if changes else limit
        v[1] = x
        v[2] = x_dot
        v[3] = c
        v[4] = s
        v[5] = theta_dot
        run_program(entries, v, w)
        history.extend(v)
        a = v[out_node]
        if a != a:  # the episode loop's rule: a nan output acts as 0
            a = 0.0
        x, x_dot, theta, theta_dot, s, c, r, terminated = advance_scalar(x, x_dot, theta, theta_dot, s, c, a)
        rewards.append(r)
        if record_frames:
            states.append((x, theta))
        if on_step is not None:
            on_step(t)
        if terminated:
            break
    n = len(rewards)
    nodes = np.frombuffer(history, dtype=np.float64).reshape(n, n_nodes + 1)[:, :n_nodes]
    frames = [{"x": round(px, 4), "theta": round(pt, 4)} for px, pt in states] if record_frames else None
    return {"rewards": np.frombuffer(rewards, dtype=np.float64), "nodes": nodes, "frames": frames}
