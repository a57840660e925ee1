"""The task registry: names -> task classes, in the spirit of Gymnasium's.

Built-in tasks are listed in :data:`wann_viz.tasks.specs.BUILTIN_SPECS` and
their modules are imported only when a task is made. Others join with
:func:`register`::

    class PointMass(Task):
        spec = TaskSpec("pointmass", "Point mass", ("x", "v"), ("force",), 200)
        ...

    wann_viz.tasks.register(PointMass)

Installed packages can declare tasks in the entry-point group
``wann_viz.tasks`` (each entry point names a :class:`Task` subclass); they are
registered the first time the registry is asked for its names or for an
unknown name, so the CLI and the app find them too.
"""

from __future__ import annotations

import importlib
import threading
from importlib import metadata

from .base import Task
from .specs import BUILTIN_SPECS, TaskSpec

ENTRY_POINT_GROUP = "wann_viz.tasks"

# Every known task's spec, by name, in display order: the built-in ones, then the registered.
TASK_SPECS: dict[str, TaskSpec] = {spec.name: spec for spec in BUILTIN_SPECS}

_CLASSES: dict[str, type[Task]] = {}  # registered or imported classes, by name
_LOCK = threading.Lock()
_ENTRY_POINTS_LOADED = False


class TaskUnavailable(NotImplementedError):
    """A known task that cannot run in this installation; the message says why."""


def register(task_class: type[Task], *, replace: bool = False) -> type[Task]:
    """Add a task class to the registry (usable as a class decorator).

    Args:
        task_class: a :class:`Task` subclass whose ``spec`` attribute is its :class:`TaskSpec`.
        replace: allow replacing a task of the same name.

    Returns:
        ``task_class``.

    Raises:
        TypeError: not a Task subclass, or no spec.
        ValueError: the name is taken (and ``replace`` is False).
    """
    if not isinstance(task_class, type) or not issubclass(task_class, Task):
        raise TypeError(f"register() takes a Task subclass, got {task_class!r}")
    spec = getattr(task_class, "spec", None)
    if not isinstance(spec, TaskSpec):
        raise TypeError(f"{task_class.__name__} needs a class attribute spec = TaskSpec(...)")
    with _LOCK:
        known = _CLASSES.get(spec.name)
        if not replace and spec.name in TASK_SPECS and known is not task_class \
                and not _is_builtin_class(spec, task_class):
            raise ValueError(f"a task named {spec.name!r} is already registered; pass replace=True to replace it")
        TASK_SPECS[spec.name] = spec
        _CLASSES[spec.name] = task_class
    return task_class


def unregister(name: str) -> None:
    """Remove a registered task (tests use this to clean up)."""
    with _LOCK:
        _CLASSES.pop(name, None)
        TASK_SPECS.pop(name, None)


def _is_builtin_class(spec: TaskSpec, task_class: type) -> bool:
    # A built-in module registering its own class while it is imported.
    ep = TASK_SPECS[spec.name].entry_point
    return ep is not None and ep == f"{task_class.__module__}:{task_class.__qualname__}"


def load_entry_points() -> None:
    """Register the tasks of installed packages (group ``wann_viz.tasks``), once per process."""
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in TASK_SPECS:
            continue
        try:
            register(ep.load())
        except Exception as exc:  # a broken plug-in must not take the app down
            import warnings

            warnings.warn(f"the task entry point {ep.name!r} ({ep.value}) could not be loaded: {exc}",
                          stacklevel=2)


def get_spec(name: str) -> TaskSpec:
    """The spec of a task by name (installed entry points included); ``KeyError`` names the known tasks."""
    if name not in TASK_SPECS:
        load_entry_points()
    try:
        return TASK_SPECS[name]
    except KeyError:
        known = ", ".join(sorted(TASK_SPECS))
        raise KeyError(f"unknown task {name!r}; known tasks: {known}") from None


def find_spec(name) -> TaskSpec | None:
    """The spec of ``name``, or ``None`` for an unknown (or non-string) name."""
    if not isinstance(name, str):
        return None
    try:
        return get_spec(name)
    except KeyError:
        return None


def guess_task(file_name: str) -> str | None:
    """The task a file name suggests (``biped.out`` -> ``"biped"``), from the specs' ``file_hints``."""
    stem = file_name.lower()
    for spec in TASK_SPECS.values():
        if any(hint in stem for hint in spec.file_hints):
            return spec.name
    return None


def task_names() -> list[str]:
    """Names of all known tasks (some may be unavailable here), in the registry's order."""
    load_entry_points()
    return list(TASK_SPECS)


def task_class(name: str) -> type[Task]:
    """The class of task ``name``.

    Raises:
        KeyError: unknown name (the message lists the known tasks).
        TaskUnavailable: the task's module is missing here (the message says why).
    """
    spec = get_spec(name)
    cls = _CLASSES.get(name)
    if cls is not None:
        return cls
    module_name, _, attr = (spec.entry_point or "").partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only a missing task module means "not available"; a broken import inside it must surface.
        if exc.name != module_name:
            raise
        note = f" {spec.unavailable_note}" if spec.unavailable_note else ""
        raise TaskUnavailable(f"the task {name!r} is not available: its module is missing ({module_name}).{note}") \
            from None
    cls = getattr(module, attr)
    with _LOCK:
        _CLASSES.setdefault(name, cls)
    return cls


def unavailable_reason(name: str) -> str | None:
    """``None`` when task ``name`` can run here, else a sentence saying why not."""
    try:
        cls = task_class(name)
    except TaskUnavailable as exc:
        return str(exc)
    return cls.unavailable_reason()


def genome_note(genome) -> str | None:
    """The genome's task's :meth:`~wann_viz.tasks.base.Task.genome_note` (``None`` for an unknown
    or unavailable task: those say so elsewhere)."""
    name = getattr(genome, "task", None)
    if not name or find_spec(name) is None or unavailable_reason(name) is not None:
        return None
    return task_class(name).genome_note(genome)


def results_key(name: str | None) -> tuple:
    """The task's :meth:`~wann_viz.tasks.base.Task.results_key` (``()`` for an unknown or unavailable task)."""
    if not name or find_spec(name) is None or unavailable_reason(name) is not None:
        return ()
    return tuple(task_class(name).results_key())


def available_task_names() -> list[str]:
    """Names of the tasks that can run in this installation."""
    return [name for name in task_names() if unavailable_reason(name) is None]


def make_task(name: str, **kwargs) -> Task:
    """Create the task ``name`` (``"swingup"``, ``"biped"``, ...).

    Keyword arguments go to the task class (for example ``max_steps``).
    Raises ``KeyError`` for unknown names and :class:`TaskUnavailable` (a
    ``NotImplementedError``) when the task cannot run here.
    """
    cls = task_class(name)
    reason = cls.unavailable_reason()
    if reason:
        raise TaskUnavailable(f"the task {name!r} is not available: {reason}")
    return cls(**kwargs)
