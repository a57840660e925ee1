"""Tasks: one module per task behind :class:`wann_viz.tasks.base.Task`."""

from .specs import TASK_SPECS, TaskSpec, get_spec

__all__ = ["TASK_SPECS", "TaskSpec", "get_spec"]
