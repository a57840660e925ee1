"""check_task over every registered task, and on tasks that break the contract."""

import numpy as np
import pytest

from wann_viz.tasks import TaskSpec, available_task_names, make_task
from wann_viz.tasks.check import TaskCheckError, check_task
from wann_viz.tasks.swingup import SwingUpTask


@pytest.mark.parametrize("name", available_task_names())
def test_every_registered_task_passes(name):
    report = check_task(make_task(name), steps=30)
    assert report["checks"] == ["spec", "shapes", "deterministic", "independent episodes",
                                "finished episodes earn 0", "frames", "actions"]


def test_short_swingup_episodes_end_and_earn_nothing_after():
    # 5-step episodes end inside the check, so the "earn 0 once finished" rule is exercised.
    report = check_task(SwingUpTask(max_steps=5), steps=20)
    assert report["steps"] == 5 + 2 and report["finished"] == 3  # 2 more steps after the end


class _Leaky(SwingUpTask):
    """Keeps paying after the end: the checker must catch it."""

    spec = TaskSpec("leaky", "Leaky", SwingUpTask.spec.input_labels, ("force",), 3)

    def step(self, state, outputs):
        state, obs, rewards, done = super().step(state, outputs)
        return state, obs, rewards + 1.0, done


class _Unclipped(SwingUpTask):
    """Records clipped actions but steps with something else."""

    spec = TaskSpec("unclipped", "Unclipped", SwingUpTask.spec.input_labels, ("force",), 1000)

    def to_actions(self, outputs):
        return np.clip(outputs, -0.5, 0.5)


class _Random(SwingUpTask):
    spec = TaskSpec("random", "Random", SwingUpTask.spec.input_labels, ("force",), 1000)

    def reset(self, seeds):
        return super().reset([int(s) + int(np.random.default_rng().integers(1000)) for s in seeds])


@pytest.mark.parametrize("cls, words", [(_Leaky, "after it had finished"), (_Unclipped, "to_actions"),
                                        (_Random, "deterministic")])
def test_broken_tasks_are_caught(cls, words):
    with pytest.raises(TaskCheckError, match=words):
        check_task(cls(), steps=10)
