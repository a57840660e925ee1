"""``check_task(task)``: the task interface's contract, checked on a live task.

In the spirit of Gymnasium's ``env_checker``: run it on a new task before
registering it; the tests run it over every registered task. It checks that

* ``reset`` and ``step`` are deterministic for a seed, and an episode does not
  depend on the rest of its batch;
* observations, rewards and done flags have the declared shapes and kinds;
* finished episodes earn 0 and stay finished;
* frames and scenes are JSON-able, and ``pack_frames`` gives one row per frame;
* actions are clipped the same way everywhere: ``to_actions`` keeps the
  shape and, for tasks whose actions are clipped outputs
  (``Task.actions_are_clipped_outputs``, all but CarRacing's gas mapping),
  is idempotent, and ``step`` applies exactly it (stepping with
  ``to_actions(outputs)`` changes nothing).

A failed check raises :class:`TaskCheckError` naming the check and the task.
"""

from __future__ import annotations

import json
from typing import Sequence

import numpy as np

from .base import Task

SEEDS = (3, 9, 11)


class TaskCheckError(AssertionError):
    """A task breaks the interface's contract; the message says how."""


def _fail(task: Task, what: str) -> None:
    raise TaskCheckError(f"task {task.name!r}: {what}")


def _outputs(task: Task, t: int, seeds: Sequence[int]) -> np.ndarray:
    """(B, n_out) outputs that depend on the episode's seed and the step only.

    Beyond [-1, 1] on purpose: clipping must happen inside the task.
    """
    return np.stack([np.random.default_rng([1000 + t, abs(int(s))]).uniform(-1.5, 1.5, task.spec.n_out)
                     for s in seeds])


def _episode(task: Task, seeds: Sequence[int], steps: int, convert: bool = False) -> dict:
    """Run ``steps`` steps with fixed outputs; keep every array and every frame."""
    b = len(seeds)
    state, obs = task.reset(list(seeds))
    trace = {"obs": [np.array(obs, copy=True)], "rewards": [], "done": [],
             "frames": [[task.frame(state, i) for i in range(b)]], "scenes": [task.scene(state, i) for i in range(b)]}
    after = 2  # steps taken once every episode is done: they must earn nothing
    try:
        for t in range(steps + after):
            out = _outputs(task, t, seeds)
            if convert:
                out = task.to_actions(out)
            state, obs, rewards, done = task.step(state, out)
            trace["obs"].append(np.array(obs, copy=True))
            trace["rewards"].append(np.array(rewards, copy=True))
            trace["done"].append(np.array(done, copy=True))
            trace["frames"].append([task.frame(state, i) for i in range(b)])
            if np.all(done):
                after -= 1
                if after < 0:
                    break
            elif t + 1 >= steps:
                break
    finally:
        task.close(state)
    return trace


def _same(a: dict, b: dict) -> bool:
    if len(a["obs"]) != len(b["obs"]):
        return False
    for key in ("obs", "rewards", "done"):
        if not all(np.array_equal(x, y, equal_nan=x.dtype.kind == "f") for x, y in zip(a[key], b[key])):
            return False
    return a["frames"] == b["frames"] and a["scenes"] == b["scenes"]


def check_task(task: Task, steps: int = 40, seeds: Sequence[int] = SEEDS) -> dict:
    """Check ``task`` against the interface's contract.

    Args:
        task: a task object (its own ``max_steps`` bounds the episodes).
        steps: steps per checked episode (at most the task's ``max_steps``).
        seeds: episode seeds of the checked batch.

    Returns:
        ``{"steps": steps run, "finished": episodes that ended, "checks": [names passed]}``.

    Raises:
        TaskCheckError: the first broken rule.
    """
    spec = task.spec
    steps = max(1, min(int(steps), task.max_steps))
    b = len(seeds)
    passed = []
    if task.name != spec.name or (spec.n_in, spec.n_out) != (len(task.input_labels), len(task.output_labels)):
        _fail(task, "its name and labels must be those of its spec")
    passed.append("spec")

    first = _episode(task, seeds, steps)
    for k, obs in enumerate(first["obs"]):
        if obs.shape != (b, spec.n_in) or obs.dtype.kind != "f":
            _fail(task, f"observations must be float with shape ({b}, {spec.n_in}); got {obs.dtype} {obs.shape} "
                        f"after {k} steps")
    for rewards, done in zip(first["rewards"], first["done"]):
        if rewards.shape != (b,) or rewards.dtype.kind != "f":
            _fail(task, f"rewards must be float with shape ({b},); got {rewards.dtype} {rewards.shape}")
        if done.shape != (b,) or done.dtype != bool:
            _fail(task, f"done must be bool with shape ({b},); got {done.dtype} {done.shape}")
    passed.append("shapes")

    if not _same(first, _episode(task, seeds, steps)):
        _fail(task, "reset and step are not deterministic: the same seeds and outputs gave different episodes")
    passed.append("deterministic")

    alone = _episode(task, [seeds[-1]], steps)
    together = first["obs"][: len(alone["obs"])]
    if not all(np.array_equal(a[0], t[-1], equal_nan=True) for a, t in zip(alone["obs"], together)):
        _fail(task, "an episode depends on the other episodes of its batch")
    passed.append("independent episodes")

    finished = np.zeros(b, bool)
    for rewards, done in zip(first["rewards"], first["done"]):
        if np.any(rewards[finished] != 0):
            _fail(task, "an episode earned a reward after it had finished")
        if np.any(finished & ~done):
            _fail(task, "an episode that had finished was running again")
        finished |= done
    passed.append("finished episodes earn 0")

    try:
        json.dumps(first["frames"], allow_nan=False)
        json.dumps(first["scenes"], allow_nan=False)
    except (TypeError, ValueError) as exc:
        _fail(task, f"frames and scenes must be JSON-able ({exc})")
    packed = task.pack_frames([frames[0] for frames in first["frames"]])
    for key, arr in packed.items():
        if arr.ndim != 2 or arr.shape[0] != len(first["frames"]):
            _fail(task, f"pack_frames must give (T + 1, k) per field; {key!r} has shape {arr.shape}")
    passed.append("frames")

    out = _outputs(task, 0, seeds)
    act = task.to_actions(out)
    if np.shape(act) != (b, spec.n_out):
        _fail(task, f"to_actions must keep the shape ({b}, {spec.n_out}); got {np.shape(act)}")
    if not np.array_equal(task.to_actions(out), act):
        _fail(task, "to_actions must give the same actions for the same outputs")
    if task.actions_are_clipped_outputs:
        if not np.array_equal(task.to_actions(act), act):
            _fail(task, "to_actions must be idempotent (clipping twice changes nothing)")
        if not _same(first, _episode(task, seeds, steps, convert=True)):
            _fail(task, "step must apply exactly to_actions: stepping with to_actions(outputs) gave another episode")
    passed.append("actions")
    return {"steps": len(first["rewards"]), "finished": int(finished.sum()), "checks": passed}
