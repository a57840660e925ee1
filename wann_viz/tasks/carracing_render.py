"""A fast drawing of CarRacing's 96 x 96 observation, straight at its final size.

Gymnasium's ``CarRacing-v3`` draws every step on a 1000 x 800 pygame surface
(about 800 polygons, each rotated and culled in Python, while only about 60
are on screen), flips it, adds the indicator bar and smooth-scales it to
96 x 96: about 5 ms of its 6 ms step. This module draws the same view:

* the polygons' world coordinates are numpy arrays made once per track
  (:class:`TrackArrays`); each frame transforms all of them in one array
  operation and keeps those whose box meets the screen;
* pillow fills the survivors on a small canvas (``supersample`` x 96 on a
  side) that a box filter then reduces to 96 x 96, in place of the big
  surface and its smooth-scale (the scale factors differ in x and y, 1000 -> 96
  and 800 -> 96, as Gymnasium's do);
* the car (hull and wheels, with the wheels' turning stripes) and the
  indicator bar (speed, four wheel speeds, steering, rotation) follow
  Gymnasium's geometry and colours.

The skid particles are left out, as Gymnasium leaves them out of the
observation. ``tests/tasks/test_carracing_render.py`` compares the frames
with Gymnasium's own on the same states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

# Gymnasium's drawing constants (gymnasium/envs/box2d/car_racing.py and car_dynamics.py).
WINDOW_W, WINDOW_H = 1000, 800
STATE_SIZE = 96
SCALE = 6.0
ZOOM = 2.7
PLAYFIELD = 2000 / SCALE
GRASS_DIM = PLAYFIELD / 20.0
CAR_SIZE = 0.02
WHEEL_R, WHEEL_W = 27, 14
WHEEL_WHITE = (77, 77, 77)
_CORNERS = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])  # the canvas' corners, in sides
FIELD = np.array([(PLAYFIELD, PLAYFIELD), (PLAYFIELD, -PLAYFIELD), (-PLAYFIELD, -PLAYFIELD), (-PLAYFIELD, PLAYFIELD)])


@dataclass
class TrackArrays:
    """One track's polygons as arrays (made once per episode).

    Attributes:
        grass: (G, 4, 2) float64 world vertices of the grass squares.
        road: (T, 4, 2) float64 world vertices of the road tiles and kerbs.
        road_colors: the tiles' colour arrays (Gymnasium's own objects: a visited tile changes colour).
        bg: (3,) int background colour; grass_color: (3,) int.
    """

    grass: np.ndarray
    road: np.ndarray
    road_colors: list
    bg: tuple
    grass_color: tuple

    def __post_init__(self):
        # Each polygon's centre and radius: a frame culls by transforming centres only.
        self.shapes = np.concatenate([self.grass, self.road])
        self.centres = self.shapes.mean(axis=1)
        self.radii = np.sqrt(((self.shapes - self.centres[:, None]) ** 2).sum(axis=2)).max(axis=1)

    @classmethod
    def from_env(cls, env) -> "TrackArrays":
        squares = []
        for x in range(-20, 20, 2):
            for y in range(-20, 20, 2):
                x0, y0 = GRASS_DIM * x, GRASS_DIM * y
                squares.append([(x0 + GRASS_DIM, y0), (x0, y0), (x0, y0 + GRASS_DIM), (x0 + GRASS_DIM, y0 + GRASS_DIM)])
        road = np.array([[(p[0], p[1]) for p in poly] for poly, _ in env.road_poly], np.float64).reshape(-1, 4, 2)
        return cls(np.array(squares, np.float64), road, [c for _, c in env.road_poly],
                   tuple(int(c) for c in env.bg_color), tuple(int(c) for c in env.grass_color))


def camera(env) -> tuple[float, float, np.ndarray]:
    """(angle, zoom, (2,) translation) of Gymnasium's view for the car's current state."""
    angle = -float(env.car.hull.angle)
    t = float(env.t)
    zoom = 0.1 * SCALE * max(1.0 - t, 0.0) + ZOOM * SCALE * min(t, 1.0)
    px, py = env.car.hull.position
    c, s = math.cos(angle), math.sin(angle)
    sx, sy = -px * zoom, -py * zoom
    trans = np.array([WINDOW_W / 2 + (c * sx - s * sy), WINDOW_H / 4 + (s * sx + c * sy)])
    return angle, zoom, trans


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


class Renderer:
    """Draws observations of one environment (rebuild its track arrays after each reset).

    Args:
        size: output side in pixels (96 for the observation).
        supersample: canvas side = size x supersample before the box filter.
    """

    def __init__(self, size: int = STATE_SIZE, supersample: int = 2):
        self.size, self.supersample = int(size), int(supersample)
        self.track: TrackArrays | None = None
        self._track_key = None
        self._bodies: dict = {}
        self._car = None

    def _ensure_track(self, env) -> TrackArrays:
        key = id(env.road_poly), len(env.road_poly)
        if self.track is None or self._track_key != key:
            self.track, self._track_key = TrackArrays.from_env(env), key
        return self.track

    def _affine(self, angle: float, zoom: float, trans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(M (2, 2), b (2,)) with canvas = world @ M.T + b: Gymnasium's rotate, zoom, shift, flip, scale
        as one affine map (one matrix product per array instead of elementwise passes)."""
        c, s = math.cos(angle), math.sin(angle)
        side = self.size * self.supersample
        kx, ky = side / WINDOW_W, side / WINDOW_H
        m = np.array([[kx * c * zoom, -kx * s * zoom], [-ky * s * zoom, -ky * c * zoom]])
        return m, np.array([kx * trans[0], ky * (WINDOW_H - trans[1])])

    def frame(self, env) -> np.ndarray:
        """The observation for the environment's current state.

        Returns:
            (size, size, 3) uint8 (rows top to bottom, as Gymnasium's observation).
        """
        track = self._ensure_track(env)
        angle, zoom, trans = camera(env)
        m, b = self._affine(angle, zoom, trans)
        side = self.size * self.supersample
        # The playfield is a square: when the canvas' corners all lie inside it, so does the canvas,
        # and the background fill is the canvas' own colour (one polygon fewer, the same pixels).
        corners = (_CORNERS * side - b) @ np.linalg.inv(m).T
        inside = bool(np.all(np.abs(corners) < PLAYFIELD))
        img = Image.new("RGB", (side, side), track.bg if inside else (0, 0, 0))  # beyond the playfield: black
        draw = ImageDraw.Draw(img)
        if not inside:
            draw.polygon((FIELD @ m.T + b).ravel().tolist(), fill=track.bg)

        # Cull on centres: a shape is drawn when its circle meets the canvas (the canvas scale
        # differs in x and y, so the larger one bounds the radius).
        centres = track.centres @ m.T + b
        reach = track.radii * zoom * side / min(WINDOW_W, WINDOW_H) + 2.0
        on = np.flatnonzero((centres[:, 0] + reach >= 0) & (centres[:, 0] - reach <= side) &
                            (centres[:, 1] + reach >= 0) & (centres[:, 1] - reach <= side))
        n_grass = len(track.grass)
        polys = (track.shapes[on] @ m.T + b).reshape(len(on), 8).tolist()
        k = int(np.searchsorted(on, n_grass))  # shapes before k are grass (grass comes first)
        grass = track.grass_color
        for flat in polys[:k]:
            draw.polygon(flat, fill=grass)
        # Tile colours are read each frame: Gymnasium recolours a tile when the car visits it.
        if k < len(on):
            colors = np.array([track.road_colors[i] for i in (on[k:] - n_grass).tolist()]).astype(np.int64)
            for flat, color in zip(polys[k:], map(tuple, colors.tolist())):
                draw.polygon(flat, fill=color)
        self._draw_car(draw, env, m, b)
        self._draw_indicators(draw, env)
        if self.supersample > 1:
            img = img.reduce(self.supersample)
        return np.asarray(img)

    def _shapes(self, body) -> list[np.ndarray]:
        """(V, 2) body-frame vertices of each fixture of a car body (fixed; kept per body)."""
        key = id(body)
        got = self._bodies.get(key)
        if got is None or got[0] is not body:
            got = (body, [np.array([tuple(v) for v in f.shape.vertices], np.float64) for f in body.fixtures])
            if len(self._bodies) > 64:  # a new car every reset: keep only recent ones
                self._bodies.clear()
            self._bodies[key] = got
        return got[1]

    def _car_layout(self, car) -> tuple:
        """The car's polygons in drawing order (made once per car): body-frame vertices (P, 8, 2)
        (each padded to 8 by repeating its last vertex), the body of each (P,), colours, wheel bodies."""
        if self._car is not None and self._car[0] is car:
            return self._car[1]
        polys, owner, colors, wheels = [], [], [], []
        for b, obj in enumerate(car.drawlist):
            color = tuple(int(c * 255) for c in obj.color)
            for local in self._shapes(obj):
                pad = np.concatenate([local, np.repeat(local[-1:], max(0, 8 - len(local)), axis=0)])[:8]
                polys.append(pad)
                owner.append(b)
                colors.append(color)
            if "phase" in obj.__dict__:
                wheels.append(b)
        layout = (np.array(polys), np.array(owner), colors, np.array(wheels))
        self._car = (car, layout)
        return layout

    def _draw_car(self, draw, env, m: np.ndarray, b: np.ndarray) -> None:
        """Hull and wheels with their stripes; ``m``, ``b``: the frame's world-to-canvas map."""
        car = env.car
        polys, owner, colors, wheels = self._car_layout(car)
        bodies = car.drawlist
        tf = [body.transform for body in bodies]
        cs = np.array([(t.q.c, t.q.s) + tuple(t.position) for t in tf])  # (B, 4): cos, sin, x, y
        # Each body's body-to-canvas map: A_b = M R_b (B, 2, 2), t_b = M p_b + b (B, 2).
        r = np.empty((len(tf), 2, 2))
        r[:, 0, 0], r[:, 0, 1], r[:, 1, 0], r[:, 1, 1] = cs[:, 0], -cs[:, 1], cs[:, 1], cs[:, 0]
        a = m @ r
        t = cs[:, 2:] @ m.T + b
        canvas = np.einsum("pij,pvj->pvi", a[owner], polys) + t[owner][:, None, :]
        flat = canvas.reshape(len(polys), 16).tolist()
        a_l, t_l = a.tolist(), t.tolist()
        ww, wr = WHEEL_W * CAR_SIZE, WHEEL_R * CAR_SIZE
        stripes = {}
        for w in wheels.tolist():
            # The wheel's turning stripe, as Gymnasium draws it (not when both edges face away).
            phase = bodies[w].phase
            s1, s2 = math.sin(phase), math.sin(phase + 1.2)
            if s1 > 0 and s2 > 0:
                continue
            c1, c2 = math.cos(phase), math.cos(phase + 1.2)
            c1 = _sign(c1) if s1 > 0 else c1
            c2 = _sign(c2) if s2 > 0 else c2
            (m00, m01), (m10, m11) = a_l[w]
            tx, ty = t_l[w]
            quad = []
            for x, y in ((-ww, wr * c1), (ww, wr * c1), (ww, wr * c2), (-ww, wr * c2)):
                quad += [m00 * x + m01 * y + tx, m10 * x + m11 * y + ty]
            stripes[w] = quad
        # Gymnasium draws each wheel's stripe right after the wheel.
        for i, body in enumerate(owner.tolist()):
            draw.polygon(flat[i], fill=colors[i])
            quad = stripes.get(body)
            if quad is not None:
                draw.polygon(quad, fill=WHEEL_WHITE)

    def _draw_indicators(self, draw, env) -> None:
        """The black bar at the bottom with Gymnasium's bars (drawn after its flip, in window units)."""
        side = self.size * self.supersample
        kx, ky = side / WINDOW_W, side / WINDOW_H
        W, H = WINDOW_W, WINDOW_H
        s, h = W / 40.0, H / 40.0

        def poly(points, color):
            draw.polygon([(x * kx, y * ky) for x, y in points], fill=color)

        poly([(W, H), (W, H - 5 * h), (0, H - 5 * h), (0, H)], (0, 0, 0))

        def vertical(place, val):
            return [(place * s, H - (h + h * val)), ((place + 1) * s, H - (h + h * val)),
                    ((place + 1) * s, H - h), (place * s, H - h)]

        def horizontal(place, val):
            return [(place * s, H - 4 * h), ((place + val) * s, H - 4 * h),
                    ((place + val) * s, H - 2 * h), (place * s, H - 2 * h)]

        car = env.car
        vx, vy = car.hull.linearVelocity
        speed = math.sqrt(vx * vx + vy * vy)
        bars = [(speed, vertical(5, 0.02 * speed), (255, 255, 255))]
        for k, color in ((0, (0, 0, 255)), (1, (0, 0, 255)), (2, (51, 0, 255)), (3, (51, 0, 255))):
            omega = car.wheels[k].omega
            bars.append((omega, vertical(7 + k, 0.01 * omega), color))
        steer = car.wheels[0].joint.angle
        bars.append((steer, horizontal(20, -10.0 * steer), (0, 255, 0)))
        spin = car.hull.angularVelocity
        bars.append((spin, horizontal(30, -0.8 * spin), (255, 0, 0)))
        for value, points, color in bars:
            if abs(value) > 1e-4:
                poly(points, color)
