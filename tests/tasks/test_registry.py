"""The task registry, and determinism of every task it can make."""

import json

import numpy as np
import pytest

from wann_viz.tasks import TASK_SPECS, TaskSpec, register, unregister
from wann_viz.tasks import registry as reg
from wann_viz.tasks.base import Task
from wann_viz.tasks.registry import available_task_names, make_task, task_names
from wann_viz.tasks.swingup import SwingUpTask

AVAILABLE = available_task_names()
# Short episodes keep the Gym tasks quick; the checks do not need long ones.
STEPS = 25


def test_names():
    assert set(task_names()) == set(TASK_SPECS) >= {"swingup", "biped", "carracing", "mnist"}
    assert {"swingup", "biped"} <= set(AVAILABLE)


def test_unknown_task():
    with pytest.raises(KeyError, match="known tasks"):
        make_task("pong")


@pytest.mark.parametrize("name", sorted(set(task_names()) - set(AVAILABLE)))
def test_missing_module_is_reported(name):
    with pytest.raises(NotImplementedError, match=name):
        make_task(name)


def _outputs(task: Task, t: int, b: int) -> np.ndarray:
    return np.random.default_rng(1000 + t).uniform(-1.5, 1.5, (b, task.spec.n_out))


def _run(task: Task, seeds):
    state, obs = task.reset(seeds)
    trace = [obs.copy()]
    frames = [task.frame(state, i) for i in range(len(seeds))]
    for t in range(min(STEPS, task.max_steps)):
        state, obs, rewards, done = task.step(state, _outputs(task, t, len(seeds)))
        assert obs.shape == (len(seeds), task.spec.n_in)
        assert rewards.shape == (len(seeds),) and done.shape == (len(seeds),)
        trace += [obs.copy(), rewards.copy(), done.copy()]
        if done.all():
            break
    frames += [task.frame(state, i) for i in range(len(seeds))]
    scenes = [task.scene(state, i) for i in range(len(seeds))]
    task.close(state)
    return trace, frames, scenes


@pytest.mark.parametrize("name", AVAILABLE)
def test_same_seeds_same_episodes(name):
    task = make_task(name)
    a = _run(task, [3, 9])
    b = _run(make_task(name), [3, 9])
    for x, y in zip(a[0], b[0]):
        np.testing.assert_array_equal(x, y)
    assert a[1:] == b[1:]
    json.dumps(a[1:])  # frames and scenes are JSON-able


@pytest.mark.parametrize("name", AVAILABLE)
def test_episode_does_not_depend_on_the_batch(name):
    task = make_task(name)
    alone, _, _ = _run(task, [9])
    state, obs = task.reset([3, 9])
    np.testing.assert_array_equal(obs[1:], alone[0])
    task.close(state)


@pytest.mark.parametrize("name", AVAILABLE)
def test_labels_and_sizes(name):
    task = make_task(name)
    spec = TASK_SPECS[name]
    assert task.name == name
    assert task.input_labels == spec.input_labels and task.output_labels == spec.output_labels
    state, obs = task.reset([0])
    assert obs.shape == (1, spec.n_in)
    assert task.to_actions(np.zeros((1, spec.n_out))).shape == (1, spec.n_out)
    task.close(state)


# ----- registering tasks ---------------------------------------------------------

class _Plugin(SwingUpTask):
    """A swing-up under another name, as a third-party package would ship it."""

    spec = TaskSpec("plugin-swingup", "Plug-in swing-up", SwingUpTask.spec.input_labels, ("force",), 1000)


def test_register_checks_what_it_is_given():
    with pytest.raises(TypeError, match="Task subclass"):
        register(object)

    class NoSpec(Task):
        def reset(self, seeds):
            pass

        def step(self, state, outputs):
            pass

    with pytest.raises(TypeError, match="spec"):
        register(NoSpec)

    class Clash(SwingUpTask):
        spec = TaskSpec("swingup", "Another swing-up", SwingUpTask.spec.input_labels, ("force",), 10)

    with pytest.raises(ValueError, match="already registered"):
        register(Clash)
    assert reg.get_spec("swingup").title == "CartPoleSwingUp"


def test_specs_refuse_nonsense():
    with pytest.raises(ValueError, match="letters"):
        TaskSpec("bad name!", "x", ("a",), ("b",), 5)
    with pytest.raises(ValueError, match="max_steps"):
        TaskSpec("ok", "x", ("a",), ("b",), 0)
    with pytest.raises(ValueError, match="panel"):
        TaskSpec("ok", "x", ("a",), ("b",), 5, panel="tabs")


class _EntryPoint:
    def __init__(self, name, target):
        self.name, self.value, self._target = name, f"plugin:{name}", target

    def load(self):
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_installed_packages_add_tasks_through_entry_points(monkeypatch):
    eps = [_EntryPoint("plugin-swingup", _Plugin), _EntryPoint("broken", ImportError("no module named broken"))]
    monkeypatch.setattr(reg.metadata, "entry_points", lambda group: eps if group == reg.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(reg, "_ENTRY_POINTS_LOADED", False)
    try:
        with pytest.warns(UserWarning, match="broken"):
            names = task_names()
        assert "plugin-swingup" in names and "broken" not in names
        task = make_task("plugin-swingup", max_steps=5)
        assert isinstance(task, _Plugin) and task.max_steps == 5
        assert "plugin-swingup" in available_task_names()
    finally:
        unregister("plugin-swingup")


def test_unavailable_tasks_say_why():
    reason = reg.unavailable_reason("carracing")
    if reason is None:
        pytest.skip("a VAE is installed here")
    assert "VAE" in reason and "WANN_VAE" in reason
    assert "carracing" in task_names() and "carracing" not in available_task_names()
