"""Weight fine-tuning, the paper's fourth condition: one weight per connection, by CMA-ES.

``python -m wann_viz tune GENOME --out tuned.json`` starts every connection at the genome's best
shared weight and tunes them with pycma's CMA-ES (separable, diagonal covariance, for genomes of
more than 100 connections, where the full matrix costs more than it gives). Each generation
evaluates every candidate on the same ``episodes`` seeds (common random numbers), all candidates
x episodes in one lock-step batch of the one episode loop. The result is the genome with the best
candidate attached as ``tuned_weights`` and the settings and history recorded in ``extra["tuning"]``.

With ``fresh_episodes`` every generation draws new episodes instead. Candidates are then compared
only within their generation, so no single lucky candidate is handed back: the result is CMA-ES's
distribution mean, scored on the fixed training episodes for the record. On a noisy task this
generalises better (measured on the biped: see the README's tuning section).

Checkpoints hold no pickle: ``tune-checkpoint.json`` keeps the settings and every fitness told to
CMA-ES so far. CMA-ES is deterministic for its seed, so resuming replays ``ask``/``tell`` with
the stored fitness (no episode is run again) and lands in exactly the state it was in.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .genome import Genome
from .rollout import rollout

CHECKPOINT = "tune-checkpoint.json"
FORMAT = "wann-tune-checkpoint"
WEIGHT_BOUND = 10.0  # the explorer's weight range


def _cma():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not import matplotlib": plotting is not used
        import cma
    return cma


def default_settings(genome: Genome, task: str) -> dict:
    """The settings of a tuning run (all JSON)."""
    w0 = genome.best_shared_weight if genome.best_shared_weight is not None else 1.0
    return {"task": task, "generations": 100, "episodes": 8, "seed": 0, "sigma0": 0.5, "popsize": None,
            "start_weight": float(w0), "max_steps": None, "processes": None, "fresh_episodes": False}


def editable_extra(genome: Genome) -> dict:
    """A plain, writable copy of ``genome.extra`` (its nested read-only mappings made dicts), for a
    tuner to record its settings and history in."""
    return json.loads(json.dumps(dict(genome.extra or {}), default=lambda o: dict(o)))


def start_point(genome: Genome, settings: dict) -> np.ndarray:
    """(C,) where CMA-ES starts: every connection at ``start_weight``, or, with ``start_tuned``,
    the genome's own tuned weights (to go on from an earlier tuning with other settings)."""
    if settings.get("start_tuned"):
        if genome.tuned_weights is None:
            raise ValueError("this genome has no tuned weights to start from; leave out --from-tuned")
        return np.clip(np.asarray(genome.tuned_weights, float), -WEIGHT_BOUND, WEIGHT_BOUND)
    return np.full(genome.n_connections, float(settings["start_weight"]))


def _strategy(settings: dict, x0: np.ndarray):
    cma = _cma()
    n = len(x0)
    options = {"seed": int(settings["seed"]) + 1, "verbose": -9, "bounds": [-WEIGHT_BOUND, WEIGHT_BOUND],
               "CMA_diagonal": n > 100}
    if settings.get("popsize"):
        options["popsize"] = int(settings["popsize"])
    return cma.CMAEvolutionStrategy(x0, float(settings["sigma0"]), options)


def training_seeds(settings: dict) -> np.ndarray:
    """(E,) the episodes candidates are scored on: far from ``evaluate``'s seeds 0, 1, ... so that
    a tuned genome is then checked on episodes it never saw."""
    return 1_000_000 + int(settings["seed"]) * 1000 + np.arange(int(settings["episodes"]), dtype=np.int64)


def generation_seeds(settings: dict, g: int) -> np.ndarray:
    """(E,) the episodes of generation ``g`` (0-based): the fixed :func:`training_seeds`, or with
    ``fresh_episodes`` a new block per generation, far from both those and ``evaluate``'s seeds."""
    if not settings.get("fresh_episodes"):
        return training_seeds(settings)
    e = int(settings["episodes"])
    return 10_000_000 + int(settings["seed"]) * 1_000_000 + g * e + np.arange(e, dtype=np.int64)


def evaluate_weights(genome: Genome, task: str, candidates: np.ndarray, seeds: np.ndarray,
                     max_steps: int | None = None, processes: int | None = None) -> np.ndarray:
    """Mean return of each candidate (P, C) over the episodes ``seeds`` (E,): (P,) float64.

    ``processes`` > 1 spreads a Gym task's episodes over a process pool
    (:func:`wann_viz.evaluate.run_episodes`); otherwise all run in one lock-step batch here.
    """
    p, e = candidates.shape[0], len(seeds)
    if processes is not None and processes > 1:
        from .evaluate import run_episodes

        returns = run_episodes(genome, task, np.tile(seeds, p), connection_weights=np.repeat(candidates, e, axis=0),
                               max_steps=max_steps, processes=processes)
        return returns.reshape(p, e).mean(axis=1)
    res = rollout(genome, task, np.tile(seeds, p), connection_weights=np.repeat(candidates, e, axis=0),
                  max_steps=max_steps, record=False, engine="batch")
    return res.returns.reshape(p, e).mean(axis=1)


def tune(genome: Genome, settings: dict, folder: str | Path | None = None, *, resume: bool = False,
         progress: Callable[[dict], None] | None = None, time_limit: float | None = None) -> Genome:
    """Tune one weight per connection.

    Args:
        genome: the network (its ``best_shared_weight`` is the start unless the settings say otherwise).
        settings: from :func:`default_settings` (changed as needed).
        folder: where the checkpoint goes (after every generation); ``None`` keeps none.
        resume: continue the run whose checkpoint is in ``folder``.
        progress: called after each generation with ``{"generation", "generations", "best", "mean", "seconds"}``.
        time_limit: seconds after which no new generation starts (the app's bounded job); the
            generations done are recorded in ``extra["tuning"]``.

    Returns:
        ``genome`` with ``tuned_weights`` (the best candidate seen) and ``extra["tuning"]``.
    """
    folder = Path(folder) if folder is not None else None
    told: list[list[float]] = []
    if resume:
        if folder is None or not (folder / CHECKPOINT).is_file():
            raise ValueError(f"cannot resume: {folder} holds no {CHECKPOINT}")
        doc = json.loads((folder / CHECKPOINT).read_text("utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"{folder / CHECKPOINT} is not a tuning checkpoint")
        settings = {**doc["settings"], "generations": max(int(settings["generations"]), len(doc["told"]))}
        told = [[float(f) for f in row] for row in doc["told"]]
    n = genome.n_connections
    x0 = start_point(genome, settings)
    es = _strategy(settings, x0)
    seeds = training_seeds(settings)
    best = {"x": x0.copy(), "f": -math.inf}
    history = {"generation": [], "best": [], "mean": []}

    def generation(g: int, fitness: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        xs = np.array(es.ask())
        f = fitness(xs)
        es.tell(list(xs), list(-f))  # CMA-ES minimizes
        if f.max() > best["f"]:
            best["f"], best["x"] = float(f.max()), xs[int(f.argmax())].copy()
        history["generation"].append(g + 1)
        history["best"].append(float(f.max()))
        history["mean"].append(float(f.mean()))
        return f

    def run_episodes(xs: np.ndarray, on: np.ndarray = seeds) -> np.ndarray:
        f = evaluate_weights(genome, settings["task"], xs, on, settings.get("max_steps"),
                             settings.get("processes"))
        return np.where(np.isfinite(f), f, -1e9)

    fresh = bool(settings.get("fresh_episodes"))
    f_start = -math.inf
    if settings.get("start_tuned"):  # the start is a real candidate: never hand back worse weights
        best["f"] = f_start = float(run_episodes(x0[None])[0])

    for g, row in enumerate(told):  # replay: the same asks, told the same fitness
        generation(g, lambda xs, row=row: np.array(row))

    started = time.perf_counter()
    for g in range(len(told), int(settings["generations"])):
        if time_limit is not None and time.perf_counter() - started > time_limit:
            break
        t0 = time.perf_counter()
        f = generation(g, lambda xs, g=g: run_episodes(xs, generation_seeds(settings, g)))
        told.append([float(v) for v in f])
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / (CHECKPOINT + ".tmp")
            tmp.write_text(json.dumps({"format": FORMAT, "version": 1, "settings": settings, "told": told}))
            tmp.replace(folder / CHECKPOINT)
        if progress is not None:
            progress({"generation": g + 1, "generations": int(settings["generations"]), "best": float(f.max()),
                      "mean": float(f.mean()), "seconds": time.perf_counter() - t0})
    if fresh:  # the distribution mean, unless the start (``start_tuned``) does better on the same episodes
        mean = np.clip(np.asarray(es.result.xfavorite, float), -WEIGHT_BOUND, WEIGHT_BOUND)
        f_mean = float(run_episodes(mean[None])[0])
        best["f"], best["x"] = (f_mean, mean) if f_mean >= f_start else (f_start, x0.copy())
    extra = editable_extra(genome)
    previous = extra.get("tuning") if settings.get("start_tuned") else None
    extra["tuning"] = {"settings": settings, "best_training_return": best["f"], "history": history,
                       "method": "pycma CMA-ES" + (" (separable)" if n > 100 else "")
                       + (", fresh episodes each generation, the distribution mean handed back" if fresh else "")}
    if previous:  # the stages that led to the start, newest first
        extra["tuning"]["previous"] = previous
    extra["tuned_weights_score"] = {"mean": best["f"], "sd": None, "episodes": int(settings["episodes"])}
    return genome.with_changes(tuned_weights=[float(v) for v in best["x"]], extra=extra)
