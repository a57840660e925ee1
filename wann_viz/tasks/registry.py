"""Tasks by name. Task modules are imported only when a task is made.

Each task module named in :data:`wann_viz.tasks.specs.TASK_SPECS` exposes a
``TASK_CLASS`` (a :class:`wann_viz.tasks.base.Task` subclass).
"""

from __future__ import annotations

import importlib

from .base import Task
from .specs import TASK_SPECS, get_spec


def task_names() -> list[str]:
    """Names of all known tasks (some may need optional extras to run)."""
    return sorted(TASK_SPECS)


def available_task_names() -> list[str]:
    """Names of tasks whose module can be imported in this installation."""
    return [name for name in task_names() if _module(name) is not None]


def _module(name: str):
    try:
        return importlib.import_module(get_spec(name).module)
    except ModuleNotFoundError as exc:
        # Only a missing task module means "not available"; a broken import inside it must surface.
        if exc.name == get_spec(name).module:
            return None
        raise


def make_task(name: str, **kwargs) -> Task:
    """Create the task ``name`` (``"swingup"``, ``"biped"``, ...).

    Keyword arguments go to the task class (for example ``max_steps``).
    Raises ``KeyError`` for unknown names and ``NotImplementedError`` when the
    task's module is not part of this installation yet.
    """
    module = _module(name)
    if module is None:
        raise NotImplementedError(f"the task {name!r} is not available: module {get_spec(name).module} is missing")
    return module.TASK_CLASS(**kwargs)
