"""The WANN search: population, ranking, selection, variation, state.

One generation (:meth:`Search.step`):

1. draw E episode seeds; evaluate every genome over the weight series x E
   episodes (returns (P, K, E));
2. per genome: mean return (over weights and episodes), best return (the mean
   of its best weight) and number of enabled connections;
3. rank by non-dominated sorting on (mean, -connections) with probability
   ``prob_objective_connections``, otherwise on (mean, best);
4. the top ``elite_fraction`` pass unchanged; the bottom ``cull_fraction`` may
   not breed; every other place is a tournament winner (``tournament_size``
   entrants from the rest) with one mutation.

All randomness comes from one ``numpy.random.Generator`` seeded with the
run's seed (initial population, episode seeds, objective choice,
tournaments, mutations), and its state is part of the checkpoint, so the same
seed and settings give the same run, interrupted or not.
"""

from __future__ import annotations

import copy
import math
import signal
import threading
import time
from typing import Any

import numpy as np

from ..genome import Genome
from ..tasks.registry import get_spec
from .config import task_options
from . import engine
from .genes import Individual, initial_individual, mutate
from .ranking import rank_order, tournament

HISTORY_KEYS = (
    "generation",        # 1-based generation number
    "best_fitness",      # highest mean return in the population
    "mean_fitness",      # population average of the mean return
    "median_fitness",
    "best_max_return",   # highest best-weight return
    "best_connections",  # enabled connections of the genome with the highest mean return
    "mean_connections",
    "best_hidden",       # hidden nodes of that genome
    "objective",         # 1: ranked on (mean, connections); 0: on (mean, best)
    "seconds",           # wall time of the generation
)
SEED_BOUND = 2**31 - 1


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


class Search:
    """State and steps of one run.

    Args:
        settings: validated settings (:func:`wann_viz.search.config.load_settings`).
        evaluator: where evaluations run (default: in-process).
    """

    def __init__(self, settings: dict, evaluator=None):
        self.settings = dict(settings)
        self.task = settings["task"]
        spec = get_spec(self.task)
        self.n_in, self.n_out = spec.n_in, spec.n_out
        self.evaluator = evaluator or engine.LocalEvaluator()
        self.rng = np.random.default_rng(int(settings["seed"]))
        self.population: list[Individual] = [
            initial_individual(self.n_in, self.n_out, settings["prob_init_enable"], settings["output_activation"], self.rng)
            for _ in range(settings["population"])
        ]
        self.generation = 0
        self.history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
        # Hall of fame: key -> {"individual", "sum", "count", "generation"}; a genome
        # that survives as an elite is re-evaluated each generation and its average sharpens.
        self.hall: dict[str, dict] = {}
        # Best genome of chosen generations: generation -> {"individual", "fitness", "max_return"}.
        self.saved: dict[int, dict] = {}
        self.last: dict[str, Any] = {}

    # ----- one generation ---------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.generation >= self.settings["generations"]

    def step(self) -> dict:
        """Evaluate, rank and replace the population once.

        The state changes only when the generation completes: an exception
        (Ctrl-C included) leaves the search as it was before the call.

        Returns:
            this generation's history row (dict).
        """
        s = self.settings
        rng_state = copy.deepcopy(self.rng.bit_generator.state)
        t0 = time.perf_counter()
        try:
            seeds = self.rng.integers(0, SEED_BOUND, size=s["episodes_per_weight"])
            genomes = [ind.to_genome(self.task) for ind in self.population]
            returns = engine.evaluate_genomes(self.evaluator, self.task, genomes, s["weights"], seeds,
                                              s["max_steps"], task_options(s))
            per_weight = returns.mean(axis=2)  # (P, K)
            mean = per_weight.mean(axis=1)
            best = per_weight.max(axis=1)
            conns = np.array([ind.n_enabled for ind in self.population], float)
            by_conns = bool(self.rng.random() < s["prob_objective_connections"])
            objectives = np.stack([mean, -conns if by_conns else best], axis=1)
            order = rank_order(objectives)
            rank_of = np.empty_like(order)
            rank_of[order] = np.arange(order.size)
            children = self._reproduce(order, rank_of)
        except BaseException:
            self.rng.bit_generator.state = rng_state
            raise
        # Build the new state, then commit it in one guarded block.
        gen = self.generation + 1
        top = int(np.argmax(mean))
        hall = self._updated_hall(genomes, mean, gen)
        saved = dict(self.saved)
        if gen in s["save_generations"] or gen == s["generations"]:
            saved[gen] = {"individual": self.population[top], "fitness": float(mean[top]),
                          "max_return": float(best[top]), "per_weight": [float(v) for v in per_weight[top]]}
        row = {
            "generation": gen,
            "best_fitness": float(mean[top]),
            "mean_fitness": float(mean.mean()),
            "median_fitness": float(np.median(mean)),
            "best_max_return": float(best.max()),
            "best_connections": int(conns[top]),
            "mean_connections": float(conns.mean()),
            "best_hidden": int(self.population[top].n_nodes - self.population[top].first_hidden),
            "objective": int(by_conns),
            "seconds": time.perf_counter() - t0,
        }
        history = {k: self.history[k] + [row[k]] for k in HISTORY_KEYS}
        last = {"genome": genomes[top], "fitness": float(mean[top]), "per_weight": per_weight[top].tolist(),
                "max_return": float(best[top])}
        with _deferred_interrupt():
            self.history, self.hall, self.saved, self.population, self.generation, self.last = (
                history, hall, saved, children, gen, last)
        return row

    def _reproduce(self, order: np.ndarray, rank_of: np.ndarray) -> list[Individual]:
        s = self.settings
        p = len(self.population)
        n_elite = min(p, int(round(s["elite_fraction"] * p)))
        n_cull = min(p - 1, int(round(s["cull_fraction"] * p)))
        pool = order[: p - n_cull]
        probs = {"change_activation": s["prob_change_activation"], "add_node": s["prob_add_node"],
                 "add_connection": s["prob_add_connection"], "enable": s["prob_enable"]}
        acts = tuple(s["hidden_activations"])
        children = [self.population[i] for i in order[:n_elite]]
        for _ in range(p - n_elite):
            parent = tournament(rank_of, pool, s["tournament_size"], self.rng)
            child, _ = mutate(self.population[parent], self.rng, probs, acts)
            children.append(child)
        return children

    def _updated_hall(self, genomes: list[Genome], mean: np.ndarray, gen: int) -> dict:
        size = self.settings["champion_candidates"]
        hall = {k: dict(v) for k, v in self.hall.items()}
        for i in np.argsort(-mean, kind="stable")[: 2 * size].tolist():
            g = genomes[i]
            key = _genome_key(g)
            entry = hall.get(key)
            if entry is None:
                hall[key] = {"individual": self.population[i], "sum": float(mean[i]), "count": 1, "generation": gen}
            elif entry.get("seen") != gen:  # duplicates inside one generation count once
                entry["sum"] += float(mean[i])
                entry["count"] += 1
            hall[key]["seen"] = gen
        ranked = sorted(hall.items(), key=lambda kv: (-kv[1]["sum"] / kv[1]["count"], kv[1]["generation"], kv[0]))
        return dict(ranked[:size])

    # ----- the end of a run ---------------------------------------------------------------
    def pick_champion(self) -> tuple[Genome, dict]:
        """Re-test the hall of fame with ``champion_episodes`` episodes per weight; best mean wins.

        Returns:
            ``(genome, result)`` with result ``{"fitness", "per_weight", "episodes", "candidates"}``.
        """
        s = self.settings
        entries = list(self.hall.values())
        if not entries:
            raise ValueError("no generation has been run yet")
        genomes = [e["individual"].to_genome(self.task) for e in entries]
        rng_state = copy.deepcopy(self.rng.bit_generator.state)
        try:
            seeds = self.rng.integers(0, SEED_BOUND, size=s["champion_episodes"])
            returns = engine.evaluate_genomes(self.evaluator, self.task, genomes, s["weights"], seeds,
                                              s["max_steps"], task_options(s))
        except BaseException:
            self.rng.bit_generator.state = rng_state  # an interrupted re-test repeats identically
            raise
        per_weight = returns.mean(axis=2)
        mean = per_weight.mean(axis=1)
        i = int(np.argmax(mean))
        result = {
            "fitness": float(mean[i]),
            "per_weight": [float(v) for v in per_weight[i]],
            "episodes_per_weight": int(s["champion_episodes"]),
            "search_fitness": entries[i]["sum"] / entries[i]["count"],
            "candidates": [float(v) for v in mean],
            "generation_found": int(entries[i]["generation"]),
        }
        return genomes[i], result

    def annotate(self, genome: Genome, result: dict, generation: int | None = None, name: str = "",
                 history: bool = True) -> Genome:
        """A copy of ``genome`` carrying the run's settings, fitness and (optionally) history in ``extra``."""
        weights = self.settings["weights"]
        per_weight = result.get("per_weight")
        best_w = None
        if per_weight:
            best_w = float(weights[int(np.argmax(per_weight))])
        hist = {k: [(_json_float(v) if isinstance(v, float) else v) for v in self.history[k]] for k in HISTORY_KEYS}
        extra = dict(genome.extra)
        extra["search"] = {
            "settings": self.settings,
            "generation": generation if generation is not None else self.generation,
            "fitness": {k: v for k, v in result.items()},
        }
        if history:
            extra["search"]["history"] = hist
        return genome.with_changes(
            name=name or f"{self.task} search champion (seed {self.settings['seed']})",
            source="wann_viz search",
            notes=f"Found by the WANN search after {generation if generation is not None else self.generation} generations "
                  f"(population {self.settings['population']}).",
            best_shared_weight=best_w,
            extra=extra,
        )

    # ----- state ----------------------------------------------------------------------------
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The checkpoint: ``(json_doc, arrays)``; arrays go to an ``.npz`` (no pickle)."""
        inds = list(self.population)
        hall_items = list(self.hall.items())
        saved_items = sorted(self.saved.items())
        everyone = inds + [v["individual"] for _, v in hall_items] + [v["individual"] for _, v in saved_items]
        arrays = pack_individuals(everyone)
        doc = {
            "format": "wann-search-checkpoint",
            "version": 1,
            "settings": self.settings,
            "generation": self.generation,
            "rng_state": _jsonable(self.rng.bit_generator.state),
            "population_size": len(inds),
            "hall": [{"key": k, "sum": v["sum"], "count": v["count"], "generation": v["generation"],
                      "seen": v.get("seen")} for k, v in hall_items],
            "saved": [{"generation": g, "fitness": v["fitness"], "max_return": v["max_return"],
                       "per_weight": v["per_weight"]} for g, v in saved_items],
            "history": self.history,
        }
        return doc, arrays

    @classmethod
    def from_state(cls, doc: dict, arrays: dict[str, np.ndarray], evaluator=None) -> "Search":
        """Rebuild a search from :meth:`state` output."""
        if doc.get("format") != "wann-search-checkpoint" or doc.get("version") != 1:
            raise ValueError("not a WANN search checkpoint (format wann-search-checkpoint, version 1)")
        from .config import validate

        search = cls.__new__(cls)
        search.settings = validate(doc["settings"], "checkpoint settings")
        search.task = search.settings["task"]
        spec = get_spec(search.task)
        search.n_in, search.n_out = spec.n_in, spec.n_out
        search.evaluator = evaluator or engine.LocalEvaluator()
        search.rng = np.random.default_rng()
        search.rng.bit_generator.state = doc["rng_state"]
        everyone = unpack_individuals(arrays)
        p = int(doc["population_size"])
        search.population = everyone[:p]
        rest = everyone[p:]
        search.hall = {}
        for h, ind in zip(doc["hall"], rest[: len(doc["hall"])]):
            search.hall[h["key"]] = {"individual": ind, "sum": float(h["sum"]), "count": int(h["count"]),
                                     "generation": int(h["generation"]), "seen": h.get("seen")}
        rest = rest[len(doc["hall"]):]
        search.saved = {}
        for sv, ind in zip(doc["saved"], rest):
            search.saved[int(sv["generation"])] = {"individual": ind, "fitness": sv["fitness"],
                                                   "max_return": sv["max_return"], "per_weight": sv["per_weight"]}
        search.generation = int(doc["generation"])
        search.history = {k: list(doc["history"].get(k, [])) for k in HISTORY_KEYS}
        search.last = {}
        return search


class _deferred_interrupt:
    """Hold back Ctrl-C while a few assignments run, so state is never half-updated.

    Only in the main thread (signal handlers cannot be set elsewhere).
    """

    def __enter__(self):
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._hit = False

            def handler(signum, frame):
                self._hit = True

            self._old = signal.signal(signal.SIGINT, handler)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            if self._hit:
                raise KeyboardInterrupt
        return False


def _genome_key(g: Genome) -> str:
    return ",".join(map(str, g.activations.tolist())) + "|" + ",".join(map(str, g.connections.ravel().tolist()))


def _jsonable(x: Any) -> Any:
    """Convert numpy scalars inside a (bit generator state) structure to plain JSON types."""
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def pack_individuals(inds: list[Individual]) -> dict[str, np.ndarray]:
    """Flat int arrays for an ``.npz``: sizes, activations and connections of every individual."""
    n_nodes = np.array([i.n_nodes for i in inds], np.int64)
    n_conns = np.array([len(i.connections) for i in inds], np.int64)
    return {
        "io": np.array([[i.n_in, i.n_out] for i in inds], np.int64).reshape(-1, 2),
        "n_nodes": n_nodes,
        "n_connections": n_conns,
        "activations": np.concatenate([i.activations for i in inds]) if inds else np.zeros(0, np.int64),
        "connections": (np.concatenate([i.connections for i in inds]) if inds else np.zeros((0, 3), np.int64)).astype(np.int32),
    }


def unpack_individuals(arrays: dict[str, np.ndarray]) -> list[Individual]:
    """Inverse of :func:`pack_individuals` (each individual is checked)."""
    out = []
    a0 = c0 = 0
    acts, conns = arrays["activations"], arrays["connections"].astype(np.int64)
    for (n_in, n_out), nn, nc in zip(arrays["io"].tolist(), arrays["n_nodes"].tolist(), arrays["n_connections"].tolist()):
        ind = Individual(n_in, n_out, acts[a0: a0 + nn], conns[c0: c0 + nc])
        ind.check()
        out.append(ind)
        a0 += nn
        c0 += nc
    return out


