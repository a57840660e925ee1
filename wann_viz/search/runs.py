"""Run folders: layout, writing helpers and the read-only API the app uses.

A run folder (``runs/NAME``) holds::

    run.json                 manifest: task, status, generation, times
    settings.json            the run's resolved settings
    history.json             per-generation columns (see HISTORY_KEYS), updated every generation
    checkpoint.json          resumable state (settings, RNG state, history, ...)
    checkpoint-GGGGGG.npz    population arrays of that checkpoint (no pickle)
    generations/gen-GGGGGG.json   best genome of chosen generations (native genome files)
    generations/pop-GGGGGG.npz    every genome of chosen generations (save_populations; no pickle)
    champion.json            the final champion (native genome with settings and history in extra)

:func:`list_runs` and :func:`open_run` only read; they never import the
search machinery or a physics engine.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..genome import Genome, GenomeError, load_genome

RUN_FORMAT = "wann-search-run"
GEN_PATTERN = re.compile(r"^gen-(\d{6,})\.json$")


def write_json(path: Path, doc: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, allow_nan=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def generation_file(run: Path, generation: int) -> Path:
    return Path(run) / "generations" / f"gen-{generation:06d}.json"


def population_file(run: Path, generation: int) -> Path:
    return Path(run) / "generations" / f"pop-{generation:06d}.npz"


def save_population(genomes: list[Genome], path: Path) -> None:
    """Write genomes as flat int arrays (``io``, ``n_nodes``, ``n_connections``,
    ``activations``, ``connections``: genome node order, enabled connections only)."""
    path = Path(path)
    if not genomes:
        raise ValueError("no genomes to save")
    arrays = {
        "io": np.array([[g.n_in, g.n_out] for g in genomes], np.int64).reshape(-1, 2),
        "n_nodes": np.array([g.n_nodes for g in genomes], np.int64),
        "n_connections": np.array([g.n_connections for g in genomes], np.int64),
        "activations": np.concatenate([g.activations for g in genomes]).astype(np.int8),
        "connections": np.concatenate([g.connections.reshape(-1, 2) for g in genomes]).astype(np.int32),
    }
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def load_population(path: Path, task: str | None = None) -> list[Genome]:
    """Genomes written by :func:`save_population` (each one validated)."""
    out = []
    with np.load(Path(path), allow_pickle=False) as z:
        acts, conns = z["activations"].astype(np.int64), z["connections"].astype(np.int64)
        a0 = c0 = 0
        for (n_in, n_out), nn, nc in zip(z["io"].tolist(), z["n_nodes"].tolist(), z["n_connections"].tolist()):
            out.append(Genome(activations=acts[a0: a0 + nn], connections=conns[c0: c0 + nc],
                              n_in=n_in, n_out=n_out, task=task))
            a0 += nn
            c0 += nc
    return out


@dataclass
class RunSummary:
    """One line of :func:`list_runs`.

    Attributes:
        path: the run folder.
        name: folder name.
        task: task name.
        status: ``running``, ``interrupted``, ``paused``, ``finished`` or ``unknown``.
        generation: generations completed.
        generations: generations planned.
        best_fitness: highest mean return of any generation so far (None before the first).
        champion_fitness: the champion's re-tested mean return (None until finished).
        updated: ISO time of the last write.
    """

    path: Path
    name: str
    task: str
    status: str
    generation: int
    generations: int
    best_fitness: float | None
    champion_fitness: float | None
    updated: str


@dataclass
class RunInfo:
    """Everything :func:`open_run` reads from a run folder.

    Attributes:
        path, name, task, status: as in :class:`RunSummary`.
        settings: the run's settings dict.
        history: column name -> (G,) array, one entry per completed generation
            (``generation``, ``best_fitness``, ``mean_fitness``, ``median_fitness``,
            ``best_max_return``, ``best_connections``, ``mean_connections``,
            ``best_hidden``, ``objective``, ``seconds``).
        champions: generation -> best genome of that generation (saved generations).
        champion: the final champion, or None while the run is not finished.
    """

    path: Path
    name: str
    task: str
    status: str
    settings: dict
    history: dict[str, np.ndarray]
    champions: dict[int, Genome] = field(default_factory=dict)
    champion: Genome | None = None

    @property
    def generation(self) -> int:
        g = self.history.get("generation")
        return int(g[-1]) if g is not None and len(g) else 0


def _read(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def is_run(path: str | os.PathLike) -> bool:
    """Whether ``path`` looks like a run folder (has a ``run.json`` manifest)."""
    doc = _read(Path(path) / "run.json")
    return isinstance(doc, dict) and doc.get("format") == RUN_FORMAT


def list_runs(root: str | os.PathLike) -> list[RunSummary]:
    """Run folders directly inside ``root``, most recently updated first."""
    root = Path(root)
    out = []
    if not root.is_dir():
        return out
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        doc = _read(sub / "run.json")
        if not (isinstance(doc, dict) and doc.get("format") == RUN_FORMAT):
            continue
        out.append(RunSummary(
            path=sub, name=sub.name, task=str(doc.get("task", "")), status=str(doc.get("status", "unknown")),
            generation=int(doc.get("generation", 0)), generations=int(doc.get("generations", 0)),
            best_fitness=doc.get("best_fitness"), champion_fitness=doc.get("champion_fitness"),
            updated=str(doc.get("updated", "")),
        ))
    out.sort(key=lambda r: r.updated, reverse=True)
    return out


def read_history(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """History columns of a run as arrays (empty dict if none yet)."""
    doc = _read(Path(path) / "history.json")
    if not isinstance(doc, dict):
        return {}
    cols = doc.get("columns", {})
    return {k: np.array([np.nan if v is None else v for v in vals], dtype=float if k != "generation" else np.int64)
            for k, vals in cols.items()}


def open_run(path: str | os.PathLike) -> RunInfo:
    """Read a run folder: settings, fitness history, saved generation champions, champion.

    Raises:
        FileNotFoundError: ``path`` is not a run folder.
        GenomeError: a genome file in it is broken (the message names it).
    """
    path = Path(path)
    doc = _read(path / "run.json")
    if not (isinstance(doc, dict) and doc.get("format") == RUN_FORMAT):
        raise FileNotFoundError(f"{path} is not a search run folder (no run.json)")
    settings = _read(path / "settings.json") or {}
    champions: dict[int, Genome] = {}
    gen_dir = path / "generations"
    if gen_dir.is_dir():
        for f in sorted(gen_dir.iterdir()):
            m = GEN_PATTERN.match(f.name)
            if m:
                champions[int(m.group(1))] = load_genome(f)
    champion = load_genome(path / "champion.json") if (path / "champion.json").is_file() else None
    return RunInfo(path=path, name=path.name, task=str(doc.get("task", "")), status=str(doc.get("status", "unknown")),
                   settings=settings, history=read_history(path), champions=champions, champion=champion)


__all__ = ["RunInfo", "RunSummary", "GenomeError", "list_runs", "open_run", "read_history", "is_run"]
