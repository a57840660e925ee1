"""The analysis panels' work: weight profiles and the four conditions, checked, bounded and cached.

Pure Python (no dash/plotly): the callbacks (:mod:`wann_viz.ui.callbacks_analysis`)
run these in Dash background jobs, and tests call them directly.

Every result is kept in the disk tier of :mod:`wann_viz.cache` under the
genome's content digest and the settings, so a second visit (from any tab,
worker process or restart) is instant. Knocked-out connections are applied
by removing them from the genome first (:func:`wann_viz.graph.knock_out`):
a profile of a broken network is the profile of another genome.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cache import disk
from ..evaluate import CONDITIONS, evaluate_conditions, weight_profile
from ..genome import Genome, genome_digest
from ..graph import knock_out
from ..tasks.registry import find_spec, results_key
from .url_state import SLIDER_MAX, SLIDER_MIN

Progress = Callable[[int, int], None]

# What one job may ask for: a class shares one server.
MAX_EPISODES = {True: 200, False: 50}  # per weight; keyed by TaskSpec.vectorized
MAX_CONDITION_EPISODES = {True: 1000, False: 100}  # per condition
MAX_TOTAL_EPISODES = {True: 50_000, False: 600}
WEIGHT_CHOICES = {"fine": "41 weights, -2 to 2 by 0.1", "coarse": "9 weights, -2 to 2 by 0.5",
                  "task": "the task's default series"}
CONDITION_EPISODES = 100  # the paper's


class AnalysisError(ValueError):
    """Settings refused; the message is shown to the user as is."""


@dataclass(frozen=True)
class ProfileSettings:
    """A checked profile request.

    Attributes:
        weights: (K,) shared weights, increasing.
        n_episodes: episodes per weight.
        seed: first episode seed.
    """

    weights: tuple[float, ...]
    n_episodes: int
    seed: int


def default_episodes(task: str | None, kind: str = "profile") -> int:
    """Episodes per weight (profile) or per condition: fewer for tasks that step Gym environments."""
    spec = find_spec(task)
    vectorized = bool(spec and spec.vectorized)
    if kind == "conditions":
        return CONDITION_EPISODES  # the paper's 100, for every task (a Gym task takes minutes)
    return 20 if vectorized else 5


def sweep(task: str | None, choice: str) -> tuple[float, ...]:
    """The shared weights of a profile: ``"fine"``, ``"coarse"`` or ``"task"`` (see :data:`WEIGHT_CHOICES`)."""
    if choice == "fine":
        return tuple(float(round(-2 + 0.1 * i, 10)) for i in range(41))
    if choice == "coarse":
        return tuple(float(round(-2 + 0.5 * i, 10)) for i in range(9))
    spec = find_spec(task)
    return tuple(sorted(spec.default_weights)) if spec else sweep(task, "coarse")


def whole_number(value: Any, what: str, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` out of a text box or a JSON number.

    Raises:
        AnalysisError: "<what> must be a whole number from <lo> to <hi>".
    """
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise AnalysisError(f"{what} must be a whole number from {lo} to {hi}")
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise AnalysisError(f"{what} must be a whole number from {lo} to {hi}")
    return value


def check_profile(task: str | None, choice: Any, episodes: Any, seed: Any = 0) -> ProfileSettings:
    """Validate the profile controls for ``task``.

    Raises:
        AnalysisError: with the sentence to show.
    """
    if not isinstance(choice, str) or choice not in WEIGHT_CHOICES:
        raise AnalysisError("choose which weights to sweep")
    spec = find_spec(task)
    vectorized = bool(spec and spec.vectorized)
    weights = sweep(task, choice)
    n = whole_number(episodes, "Episodes per weight", 1, MAX_EPISODES[vectorized])
    if n * len(weights) > MAX_TOTAL_EPISODES[vectorized]:
        raise AnalysisError(f"{n} episodes at {len(weights)} weights is {n * len(weights):,} episodes; this server "
                            f"runs at most {MAX_TOTAL_EPISODES[vectorized]:,} in one profile of this task. "
                            "Choose fewer episodes or fewer weights.")
    return ProfileSettings(weights, n, whole_number(seed, "The seed", 0, 2**31 - 1))


def check_conditions(task: str | None, episodes: Any, seed: Any = 0) -> tuple[int, int]:
    """Validate the four conditions' controls: ``(episodes per condition, seed)``."""
    spec = find_spec(task)
    vectorized = bool(spec and spec.vectorized)
    return (whole_number(episodes, "Episodes per condition", 1, MAX_CONDITION_EPISODES[vectorized]),
            whole_number(seed, "The seed", 0, 2**31 - 1))


def knocked(genome: Genome, off: Any) -> Genome:
    """``genome`` without the weights store's knocked-out connections (``off``: list of indices)."""
    ks = sorted({k for k in (off if isinstance(off, list) else [])
                 if isinstance(k, int) and not isinstance(k, bool) and 0 <= k < genome.n_connections})
    return knock_out(genome, connections=ks) if ks else genome


def profile_key(genome: Genome, settings: ProfileSettings) -> tuple:
    return ("profile", genome_digest(genome), genome.task, list(settings.weights), settings.n_episodes,
            settings.seed, *results_key(genome.task))


def cached_profile(genome: Genome, settings: ProfileSettings) -> list[dict] | None:
    """The stored profile, or ``None`` when it has not been computed yet."""
    return disk.get(profile_key(genome, settings))


def compute_profile(genome: Genome, settings: ProfileSettings, progress: Progress | None = None,
                    processes: int | None = None) -> list[dict]:
    """``[{"weight", "mean", "sd"}]`` (see :func:`wann_viz.evaluate.weight_profile`), stored on disk."""
    return disk.get_or_compute(profile_key(genome, settings), lambda: weight_profile(
        genome, settings.weights, settings.n_episodes, settings.seed, progress=progress, processes=processes))


def conditions_key(genome: Genome, n_episodes: int, seed: int) -> tuple:
    return ("conditions", genome_digest(genome), genome.task, genome.best_shared_weight, n_episodes, seed,
            *results_key(genome.task))


def cached_conditions(genome: Genome, n_episodes: int, seed: int) -> dict | None:
    return disk.get(conditions_key(genome, n_episodes, seed))


def compute_conditions(genome: Genome, n_episodes: int, seed: int, progress: Progress | None = None,
                       processes: int | None = None) -> dict:
    """The paper's four conditions (see :func:`wann_viz.evaluate.evaluate_conditions`), stored on disk."""
    def run() -> dict:
        res = evaluate_conditions(genome, n_episodes=n_episodes, seed=seed, progress=progress, processes=processes)
        return {"conditions": res["conditions"], "profile": res.get("profile", []), "n_episodes": n_episodes,
                "seed": seed}

    return disk.get_or_compute(conditions_key(genome, n_episodes, seed), run)


def current_store(cached: Any, computed: Any, field: str) -> dict | None:
    """The store a panel shows: the lookup (``cached``, always for the current genome and settings),
    or the job's result (``computed``) when the lookup found nothing and the job ran those settings.

    Args:
        field: where the stores hold their result (``"profile"`` or ``"result"``).
    """
    if not isinstance(cached, dict):
        return None
    if cached.get(field) is None and isinstance(computed, dict) and computed.get("key") == cached.get("key"):
        return computed
    return cached


def best_of(profile: list[dict]) -> dict | None:
    """The profile's best point strictly inside the slider's range (-2, 2), or ``None``."""
    inside = [p for p in profile if SLIDER_MIN < p["weight"] < SLIDER_MAX and p["mean"] is not None
              and math.isfinite(p["mean"])]
    return max(inside, key=lambda p: p["mean"]) if inside else None


def profile_csv(profile: list[dict], score: str) -> str:
    """The profile as CSV: ``weight,mean_<score>,sd_<score>``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["weight", f"mean_{score}", f"sd_{score}"])
    for p in profile:
        w.writerow([repr(float(p["weight"])), repr(float(p["mean"])), repr(float(p["sd"]))])
    return buf.getvalue()


def conditions_rows(result: dict, paper: Any) -> list[dict]:
    """One row per condition: ``{"condition", "mean", "sd", "weight", "paper_mean", "paper_sd"}``."""
    conds = result.get("conditions", {}) if isinstance(result, dict) else {}
    paper = paper if isinstance(paper, dict) else {}
    rows = []
    for name in CONDITIONS + (("ensemble",) if "ensemble" in conds else ()):
        c = conds.get(name) or {}
        p = paper.get(name) or (None, None)
        rows.append({"condition": name, "mean": c.get("mean"), "sd": c.get("sd"), "weight": c.get("weight"),
                     "paper_mean": p[0], "paper_sd": p[1] if len(p) > 1 else None})
    return rows


def conditions_csv(rows: list[dict], score: str) -> str:
    """The conditions table as CSV (ours beside the paper's, where given)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["condition", f"mean_{score}", f"sd_{score}", "weight", f"paper_mean_{score}", f"paper_sd_{score}"])
    for r in rows:
        w.writerow([r["condition"]] + ["" if r[k] is None else repr(float(r[k]))
                                       for k in ("mean", "sd", "weight", "paper_mean", "paper_sd")])
    return buf.getvalue()


def finite_profile(profile: Any) -> list[dict]:
    """A stored profile as clean rows (JSON keeps numbers; anything else is dropped)."""
    out = []
    for p in profile if isinstance(profile, list) else []:
        try:
            row = {"weight": float(p["weight"]), "mean": float(p["mean"]), "sd": float(p["sd"])}
        except (TypeError, KeyError, ValueError):
            continue
        if all(math.isfinite(v) for v in row.values()):
            out.append(row)
    return out


def as_array(profile: list[dict]) -> np.ndarray:
    """(K, 3) weight, mean, sd."""
    return np.array([[p["weight"], p["mean"], p["sd"]] for p in profile], dtype=float).reshape(-1, 3)
