"""The current rollout as an animated GIF, drawn with pillow.

Each task draws its own frames (:meth:`~wann_viz.tasks.base.Task.draw_frame`,
mirroring the player's drawing in ``assets/wann_player.js``); a task without
one gets the generic drawing, its observations over time. Frames are thinned to at most
:data:`MAX_FRAMES` so a 1,600-step walk stays a few megabytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

MAX_FRAMES = 200
FRAME_MS = 60
BACKGROUND = (251, 251, 248)
GENERIC_SIZE = (480, 320)


def _generic(nodes: np.ndarray, n_in: int, t: int, size: tuple[int, int]) -> Image.Image:
    """Observations (input node values) over time up to step ``t``."""
    w, h = size
    img = Image.new("RGB", size, BACKGROUND)
    d = ImageDraw.Draw(img)
    obs = nodes[:, 1:1 + min(n_in, 8)].astype(float)
    lim = float(np.nanmax(np.abs(obs))) if obs.size and np.isfinite(obs).any() else 1.0
    lim = lim or 1.0
    steps = max(len(obs) - 1, 1)
    palette = [(27, 158, 119), (217, 95, 2), (117, 112, 179), (231, 41, 138), (102, 166, 30), (230, 171, 2),
               (166, 118, 29), (102, 102, 102)]
    d.line([(0, h / 2), (w, h / 2)], fill=(200, 200, 200))
    upto = min(t, len(obs) - 1)
    for j in range(obs.shape[1]):
        pts = [(w * i / steps, h / 2 - obs[i, j] / lim * h * 0.45) for i in range(upto + 1) if np.isfinite(obs[i, j])]
        if len(pts) > 1:
            d.line(pts, fill=palette[j % len(palette)], width=2)
    return img


def rollout_gif(frames: dict, scene: dict, nodes: np.ndarray, cum_return: np.ndarray,
                draw: Callable | None, n_in: int, title: str = "") -> bytes:
    """An animated GIF of one episode.

    Args:
        frames: ``{field: (T+1, k)}`` packed frames (see :mod:`wann_viz.ui.episodes`).
        scene: the task's constant drawing data.
        nodes: (T, N) node values (the generic drawing plots the inputs).
        cum_return: (T,) return after each step (printed on each frame).
        draw: the task's :meth:`~wann_viz.tasks.base.Task.draw_frame` (``None`` or an answer of
            ``None``: the generic drawing).

    Returns:
        GIF bytes, at most :data:`MAX_FRAMES` frames.
    """
    steps = len(cum_return)
    every = max(1, math.ceil((steps + 1) / MAX_FRAMES))
    images = []
    for t in range(0, steps + 1, every):
        img = draw(frames, scene, t) if draw else None
        img = img if img is not None else _generic(nodes, n_in, t, GENERIC_SIZE)
        ret = float(cum_return[t - 1]) if t > 0 else 0.0
        ImageDraw.Draw(img).text((8, 6), f"{title}  step {t}  return {ret:.1f}".strip(), fill=(31, 35, 40))
        images.append(img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0,
                   optimize=False)
    return buf.getvalue()
