"""Search settings: per-task defaults, overrides, validation.

A task's defaults are ``settings/common.json`` (the paper's common values),
then ``settings/TASK.json`` when the task has one (the built-in tasks hold the
paper's settings there), then the task's ``TaskSpec.search_settings``. A run's
settings are those defaults, then an optional user file (``--settings FILE``,
any subset of the keys), then command-line overrides. Unknown keys and
out-of-range values raise :class:`SettingsError` with a message that names
the key, the allowed range and where the bad value came from.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, Mapping

from ..activations import ACTIVATIONS
from ..tasks.registry import TASK_SPECS, find_spec, get_spec

SETTINGS_DIR = Path(__file__).resolve().parent / "settings"


class SettingsError(ValueError):
    """A setting is unknown or out of range. The message says which and why."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _int_range(lo: int, hi: int | None = None) -> tuple[Callable[[Any], bool], str]:
    text = f"a whole number >= {lo}" if hi is None else f"a whole number from {lo} to {hi}"
    return (lambda v: _is_int(v) and v >= lo and (hi is None or v <= hi)), text


def _num_range(lo: float, hi: float, lo_open: bool = False) -> tuple[Callable[[Any], bool], str]:
    text = f"a number {'>' if lo_open else '>='} {lo} and <= {hi}"
    return (lambda v: _is_num(v) and (v > lo if lo_open else v >= lo) and v <= hi), text


def _weights_ok(v: Any) -> bool:
    return isinstance(v, list) and 1 <= len(v) <= 64 and all(_is_num(x) and abs(x) <= 100 for x in v)


def _acts_ok(v: Any) -> bool:
    return (isinstance(v, list) and len(v) >= 1 and len(set(v)) == len(v)
            and all(_is_int(x) and x in ACTIVATIONS for x in v))


def _gens_ok(v: Any) -> bool:
    return isinstance(v, list) and len(v) <= 1000 and all(_is_int(x) and x >= 1 for x in v)


# key -> (check, description of the allowed values, help)
SCHEMA: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "task": (lambda v: find_spec(v) is not None, "the name of a registered task", "task name"),
    "seed": (*_int_range(0, 2**63 - 1), "seed of the run's one random generator"),
    "population": (*_int_range(2, 100_000), "genomes per generation"),
    "generations": (*_int_range(1, 1_000_000), "generations to run"),
    "prob_init_enable": (*_num_range(0.0, 1.0, lo_open=True),
                         "chance that each input->output connection starts enabled (prob_initEnable)"),
    "prob_change_activation": (*_num_range(0.0, 1.0), "operator weight: change a hidden node's activation"),
    "prob_add_node": (*_num_range(0.0, 1.0), "operator weight: insert a node into a connection"),
    "prob_add_connection": (*_num_range(0.0, 1.0), "operator weight: add a feed-forward connection"),
    "prob_enable": (*_num_range(0.0, 1.0), "operator weight: re-enable a disabled connection"),
    "weights": (_weights_ok, "a list of 1 to 64 finite numbers with |w| <= 100", "shared-weight series"),
    "episodes_per_weight": (*_int_range(1, 1000), "episodes per weight per genome (alg_nReps)"),
    "tournament_size": (*_int_range(1, 100_000), "entrants per tournament"),
    "elite_fraction": (*_num_range(0.0, 0.99), "share of the ranked population copied unchanged"),
    "cull_fraction": (*_num_range(0.0, 0.99), "share of the ranked population that may not breed"),
    "prob_objective_connections": (*_num_range(0.0, 1.0),
                                   "chance that ranking uses (mean, connections) rather than (mean, best)"),
    "max_steps": (*_int_range(1, 100_000), "episode step limit (at most the task's own)"),
    "hidden_activations": (_acts_ok, f"a list of distinct activation ids from {min(ACTIVATIONS)} to {max(ACTIVATIONS)}",
                           "activations a hidden node may get"),
    "output_activation": (lambda v: _is_int(v) and v in ACTIVATIONS,
                          f"an activation id from {min(ACTIVATIONS)} to {max(ACTIVATIONS)}", "activation of outputs"),
    "checkpoint_every": (*_int_range(1, 1_000_000), "generations between checkpoints"),
    "save_generations": (_gens_ok, "a list of generation numbers >= 1", "generations whose best genome is kept"),
    "save_populations": (_gens_ok, "a list of generation numbers >= 1",
                         "generations whose whole population is kept (generations/pop-GGGGGG.npz; optional)"),
    "champion_candidates": (*_int_range(1, 1000), "best distinct genomes re-tested at the end"),
    "champion_episodes": (*_int_range(1, 10_000), "episodes per weight when re-testing candidates"),
    "batch_size": (*_int_range(1, 60_000), "training images per fitness evaluation (tasks that take it: MNIST)"),
    "action_repeat": (*_int_range(1, 16), "frames each decision is held for (tasks that take it: CarRacing; "
                                          "max_steps still counts frames)"),
}
# Keys that only some tasks take (their TaskSpec.search_options).
TASK_OPTION_KEYS = ("batch_size", "action_repeat")
# Settings that may be left out (runs written before they existed resume unchanged).
OPTIONAL = {"save_populations": []}
REQUIRED = [k for k in SCHEMA if k not in TASK_OPTION_KEYS and k not in OPTIONAL]
OPERATOR_KEYS = ("prob_change_activation", "prob_add_node", "prob_add_connection", "prob_enable")


def default_settings_path(task: str) -> Path:
    return SETTINGS_DIR / f"{task}.json"


COMMON_SETTINGS = SETTINGS_DIR / "common.json"


def task_options(settings: Mapping[str, Any]) -> dict:
    """The task's own settings of a run (``TaskSpec.search_options``), e.g. ``{"batch_size": 1000}``."""
    return {k: settings[k] for k in get_spec(settings["task"]).search_options if k in settings}


def _read_json(path: Path, what: str) -> dict:
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise SettingsError(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None

    def no_constants(name: str) -> Any:
        raise SettingsError(f"{what} {path}: {name} is not allowed")

    try:
        doc = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{what} {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise SettingsError(f"{what} {path}: must be a JSON object of settings")
    return doc


def _check_keys(doc: Mapping[str, Any], origin: str) -> None:
    for key, value in doc.items():
        if key not in SCHEMA:
            close = [k for k in SCHEMA if k.split("_")[-1] in key or key in k]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SettingsError(f"{origin}: unknown setting {key!r}{hint}; known settings: {', '.join(SCHEMA)}")
        check, allowed, _ = SCHEMA[key]
        if not check(value):
            raise SettingsError(f"{origin}: {key} must be {allowed}, got {json.dumps(value)[:80]}")


def validate(settings: Mapping[str, Any], origin: str = "settings") -> dict:
    """Check a complete settings dict; return a plain copy.

    Raises:
        SettingsError: unknown key, missing key, bad value or inconsistent values.
    """
    s = dict(settings)
    _check_keys(s, origin)
    task_spec = find_spec(s.get("task"))
    own = task_spec.search_options if task_spec else ()
    missing = [k for k in REQUIRED if k not in s] + [k for k in own if k not in s]
    if missing:
        raise SettingsError(f"{origin}: missing setting(s) {', '.join(missing)}")
    task = s["task"]
    for key in TASK_OPTION_KEYS:
        if key in s and key not in own:
            takers = sorted(name for name, sp in TASK_SPECS.items() if key in sp.search_options)
            raise SettingsError(f"{origin}: {key} only applies to the task(s) {', '.join(takers)}, not {task}")
    if sum(s[k] for k in OPERATOR_KEYS) <= 0:
        raise SettingsError(f"{origin}: at least one operator probability ({', '.join(OPERATOR_KEYS)}) must be above 0")
    if s["elite_fraction"] + s["cull_fraction"] >= 1.0:
        raise SettingsError(f"{origin}: elite_fraction + cull_fraction must be below 1 "
                            f"(got {s['elite_fraction']} + {s['cull_fraction']})")
    if s["tournament_size"] > s["population"]:
        raise SettingsError(f"{origin}: tournament_size ({s['tournament_size']}) cannot exceed population ({s['population']})")
    limit = get_spec(task).max_steps
    if s["max_steps"] > limit:
        raise SettingsError(f"{origin}: max_steps must be at most {limit} for {task}, got {s['max_steps']}")
    s["weights"] = [float(w) for w in s["weights"]]
    for k in ("prob_init_enable", "elite_fraction", "cull_fraction", "prob_objective_connections", *OPERATOR_KEYS):
        s[k] = float(s[k])
    s["save_generations"] = sorted(set(s["save_generations"]))
    s["save_populations"] = sorted(set(s.get("save_populations", OPTIONAL["save_populations"])))
    return s


# Settings a resumed run may change (the search's state does not depend on them): a curriculum
# of longer episodes, more episodes, a wider set of shared weights, more checkpoints. The rest
# are fixed at the run's start.
RESUME_KEYS = ("max_steps", "episodes_per_weight", "weights", "champion_candidates", "champion_episodes",
               "checkpoint_every", "save_generations", "save_populations")


# Of those, the ones that change what a fitness means: the hall of fame the champion is picked
# from restarts when one changes, so that old and new records are never averaged or compared.
FITNESS_KEYS = ("max_steps", "weights")


def resume_changes(settings: Mapping[str, Any], file: str | Path) -> tuple[dict, dict]:
    """Read a settings file of changes for a resumed run.

    Args:
        settings: the run's current (validated) settings.
        file: JSON object with any of :data:`RESUME_KEYS`.

    Returns:
        (changes, new validated settings). Raises :class:`SettingsError` for a key
        that a resumed run cannot change, or a bad value.
    """
    doc = _read_json(Path(file), "settings file")
    _check_keys(doc, f"settings file {file}")
    fixed = [k for k, v in doc.items() if k not in RESUME_KEYS and settings.get(k) != v]
    if fixed:
        raise SettingsError(f"settings file {file}: {', '.join(fixed)} cannot change in a run being resumed; "
                            f"a resumed run may change only {', '.join(RESUME_KEYS)} (and --generations)")
    changes = {k: v for k, v in doc.items() if settings.get(k) != v}
    return changes, validate({**settings, **changes}, f"settings file {file}")


def load_settings(task: str, file: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Settings for a run: task defaults, then ``file``, then ``overrides``.

    Args:
        task: task name (``swingup``, ``biped``, ``mnist``, ``carracing``).
        file: optional JSON file with any subset of the settings.
        overrides: optional dict (``None`` values are ignored).

    Returns:
        A validated plain dict.
    """
    spec = find_spec(task)
    if spec is None:
        raise SettingsError(f"unknown task {task!r}; known tasks: {', '.join(sorted(TASK_SPECS))}")
    s = _read_json(COMMON_SETTINGS, "default settings")
    s.update({"task": task, "max_steps": spec.max_steps})
    path = default_settings_path(task)
    if path.is_file():
        own = _read_json(path, "default settings")
        _check_keys(own, f"default settings {path.name}")
        s.update(own)
    if spec.search_settings:
        _check_keys(dict(spec.search_settings), f"search_settings of task {task}")
        s.update(spec.search_settings)
    if file is not None:
        user = _read_json(Path(file), "settings file")
        _check_keys(user, f"settings file {file}")
        if "task" in user and user["task"] != task:
            raise SettingsError(f"settings file {file}: it is for task {user['task']!r}, but the run is for {task!r}")
        s.update(user)
    explicit = set(user) if file is not None else set()
    if overrides:
        given = {k: v for k, v in overrides.items() if v is not None}
        _check_keys(given, "command line")
        s.update(given)
        explicit |= set(given)
    # A small population with the default tournament: shrink the tournament, unless it was asked for.
    if "tournament_size" not in explicit and _is_int(s.get("population")) and _is_int(s.get("tournament_size")):
        s["tournament_size"] = max(1, min(s["tournament_size"], s["population"]))
    return validate(s, f"settings for {task}")
