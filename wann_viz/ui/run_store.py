"""Search runs the explorer can open: the shipped example, the CLI's runs and the app's own.

Pure Python (no dash/plotly). A run's saved generation champions are genomes
like any other: their key is ``run:<name>:<generation>`` (``champion`` for the
final champion), which the genome picker, links and the compare panel use.

Roots, searched in order (a name found in an earlier root wins):

1. ``data/runs/``: runs shipped with the project (see ``data/README.md``);
2. ``runs/``: where ``python -m wann_viz search --out runs/NAME`` writes;
3. ``$WANN_RUNS_DIR`` or ``var/runs/``: searches started from the app.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..cache import results
from ..genome import Genome, GenomeError
from ..search.runs import RunInfo, RunSummary, is_run, list_runs, open_run

ROOT = Path(__file__).resolve().parents[2]
RUN_PREFIX = "run:"
CHAMPION = "champion"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
_KEY_RE = re.compile(r"^run:([A-Za-z0-9_.\-]{1,80}):(\d{1,9}|champion)$")


def app_runs_dir() -> Path:
    """Where searches started from the app go: ``$WANN_RUNS_DIR`` or ``var/runs/``."""
    env = os.environ.get("WANN_RUNS_DIR")
    return Path(env) if env else ROOT / "var" / "runs"


def default_roots() -> list[Path]:
    return [ROOT / "data" / "runs", ROOT / "runs", app_runs_dir()]


def run_key(name: str, generation: int | str) -> str:
    """``run:<name>:<generation>`` (or ``run:<name>:champion``)."""
    return f"{RUN_PREFIX}{name}:{generation}"


def parse_run_key(key: Any) -> tuple[str, int | str] | None:
    """``(name, generation or "champion")`` of a run key, or ``None``."""
    if not isinstance(key, str):
        return None
    m = _KEY_RE.match(key)
    if m is None:
        return None
    gen = m.group(2)
    return m.group(1), (gen if gen == CHAMPION else int(gen))


def is_run_key(key: Any) -> bool:
    return parse_run_key(key) is not None


class RunStore:
    """Run folders under a few roots; an opened run stays in the one result cache
    (:data:`wann_viz.cache.results`) while its manifest and history do not change.

    Args:
        roots: folders holding run folders (default :func:`default_roots`).
    """

    def __init__(self, roots: list[Path] | None = None):
        self._roots = [Path(r) for r in roots] if roots is not None else None

    @property
    def roots(self) -> list[Path]:
        return self._roots if self._roots is not None else default_roots()

    def runs(self) -> list[RunSummary]:
        """Every run, one per name (earlier roots win), most recently updated first."""
        seen: dict[str, RunSummary] = {}
        for root in self.roots:
            for summary in list_runs(root):
                seen.setdefault(summary.name, summary)
        return sorted(seen.values(), key=lambda r: r.updated, reverse=True)

    def path(self, name: str) -> Path | None:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            return None
        for root in self.roots:
            if is_run(root / name):
                return root / name
        return None

    def open(self, name: str) -> RunInfo:
        """The run called ``name`` (re-read when its history or manifest changed).

        Raises:
            GenomeError: no such run, or a broken file in it.
        """
        path = self.path(name)
        if path is None:
            raise GenomeError(f"there is no search run called {str(name)[:60]!r}")
        stamp = max((p.stat().st_mtime_ns for p in (path / "run.json", path / "history.json") if p.exists()),
                    default=0)
        try:
            return results.get_or_compute(("run", str(path), stamp), lambda: open_run(path))
        except FileNotFoundError as exc:
            raise GenomeError(str(exc)) from None

    def genome(self, key: str) -> Genome:
        """The genome of a run key.

        Raises:
            GenomeError: malformed key, unknown run, or a generation that was not saved.
        """
        parsed = parse_run_key(key)
        if parsed is None:
            raise GenomeError(f"{str(key)[:60]!r} is not a run generation")
        name, gen = parsed
        info = self.open(name)
        if gen == CHAMPION:
            if info.champion is None:
                raise GenomeError(f"the run {name} has no champion yet (it is {info.status})")
            return info.champion
        if gen not in info.champions:
            saved = ", ".join(str(g) for g in sorted(info.champions)) or "none"
            raise GenomeError(f"the run {name} saved no champion of generation {gen} (saved: {saved})")
        return info.champions[gen]

    def label(self, key: str) -> str:
        parsed = parse_run_key(key)
        if parsed is None:
            return str(key)
        name, gen = parsed
        return f"{name}, champion" if gen == CHAMPION else f"{name}, generation {gen}"


__all__ = ["RUN_PREFIX", "RunStore", "app_runs_dir", "is_run_key", "parse_run_key", "run_key"]
