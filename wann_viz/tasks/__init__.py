"""Tasks: one module per task behind :class:`wann_viz.tasks.base.Task`.

A new task is one class with a :class:`TaskSpec`, registered with
:func:`register` (or declared by an installed package in the entry-point
group ``wann_viz.tasks``); :func:`wann_viz.tasks.check.check_task` checks it.
"""

from .base import Task
from .registry import TASK_SPECS, available_task_names, get_spec, make_task, register, task_names, unregister
from .specs import TaskSpec

__all__ = ["TASK_SPECS", "Task", "TaskSpec", "available_task_names", "get_spec", "make_task", "register",
           "task_names", "unregister"]
