"""Genomes the explorer can show: the saved ones on disk and user uploads.

Pure Python (no dash/plotly): the callbacks call these functions and the
tests call them directly.

Keys: a saved genome's key is its file stem (``"swingup-authors"``), which is
what share links carry. An uploaded genome's key is ``"upload-<sha>"``; the
genome itself is kept on the server (:mod:`wann_viz.ui.uploads`) and the
page's store holds only the key and this browser's credential for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..genome import Genome, GenomeError, load_genome
from ..tasks.registry import find_spec, genome_note, task_names, unavailable_reason
from .run_store import RunStore, is_run_key
from .short_links import ViewStore
from .uploads import UPLOAD_PREFIX, UploadStore

DEFAULT_GENOME_DIR = Path(__file__).resolve().parents[2] / "saved_genomes"
# Uploads are capped well below the loader's own limit: the document travels
# with every request of the page.
MAX_UPLOAD_BYTES = 1024 * 1024
UPLOAD_EXTENSIONS = (".out", ".json")
MAX_UPLOADS = 8  # per page; the oldest is dropped beyond this
MAX_KEY_CHARS = 120
_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,120}$")



def panels() -> tuple[str, ...]:
    """Panels in display order: one per listed task (``TaskSpec.listed``), in the registry's order."""
    return tuple(name for name in task_names() if find_spec(name).listed)


def panel_title(task: str | None) -> str:
    """The tab label of a task's panel (``"Swing-up"``), or the name itself for an unknown task."""
    spec = find_spec(task)
    return spec.panel_title if spec else str(task or "no task")


def is_live(task: str | None) -> bool:
    """Whether the task's episodes run and play in the browser here: ``TaskSpec.live`` and
    the task available in this installation (CarRacing needs a VAE file)."""
    spec = find_spec(task)
    return bool(spec and spec.live and unavailable_reason(spec.name) is None)


def not_live_note(task: str | None) -> str | None:
    """Why the task's episodes do not play here (``None`` when they do)."""
    spec = find_spec(task)
    if spec is None:
        return None
    if not spec.live:
        return spec.live_note or None
    return unavailable_reason(spec.name)


class UploadError(ValueError):
    """An upload was refused; the message is shown to the user as is."""


@dataclass(frozen=True)
class CatalogEntry:
    """One saved genome.

    Attributes:
        key: file stem, used in URLs.
        path: the file.
        genome: the parsed genome.
    """

    key: str
    path: Path
    genome: Genome

    @property
    def task(self) -> str | None:
        return self.genome.task

    @property
    def label(self) -> str:
        return self.genome.name or self.key


class Catalog:
    """The saved genomes of a folder, loaded once (read-only afterwards).

    Files that fail to load are kept in ``errors`` (file name -> message) so
    the page can say which files were skipped and why.
    """

    def __init__(self, folder: str | Path | None = None, uploads: UploadStore | None = None,
                 views: ViewStore | None = None, runs: RunStore | None = None):
        self.folder = Path(folder) if folder is not None else DEFAULT_GENOME_DIR
        self.runs = runs if runs is not None else RunStore()
        self.uploads = uploads if uploads is not None else UploadStore()
        self.views = views if views is not None else ViewStore(self.uploads.folder / "views")
        entries: dict[str, CatalogEntry] = {}
        errors: dict[str, str] = {}
        paths = sorted(self.folder.glob("*.json")) + sorted(self.folder.glob("*.out")) if self.folder.is_dir() else []
        for path in paths:
            key = path.stem
            if not _KEY_RE.match(key) or key.startswith(UPLOAD_PREFIX) or key in entries:
                errors[path.name] = "the file name cannot be used as a link key (letters, digits, . _ - only)"
                continue
            try:
                entries[key] = CatalogEntry(key, path, load_genome(path))
            except GenomeError as exc:
                errors[path.name] = str(exc)
        # Authors' champions first inside each task, then by key.
        self._entries = dict(sorted(entries.items(), key=lambda kv: (_panel_rank(kv[1].task), "authors" not in kv[0], kv[0])))
        self.errors = errors

    def __contains__(self, key: object) -> bool:
        return key in self._entries or self._run_entry(key) is not None

    def __getitem__(self, key: str) -> CatalogEntry:
        """A saved genome, or a search run's saved generation (``run:<name>:<generation>``)."""
        if key in self._entries:
            return self._entries[key]
        entry = self._run_entry(key)
        if entry is None:
            raise KeyError(key)
        return entry

    def _run_entry(self, key: object) -> CatalogEntry | None:
        if not is_run_key(key):
            return None
        try:
            genome = self.runs.genome(key)
        except GenomeError:
            return None
        return CatalogEntry(key, self.runs.path(key.split(":")[1]) or self.folder, genome)

    def keys(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> list[CatalogEntry]:
        return list(self._entries.values())

    def default_key(self) -> str | None:
        """The first genome of the first panel (the authors' swing-up champion); ``None`` when empty."""
        return next(iter(self._entries), None)

    def first_of_task(self, task: str) -> str | None:
        """Key of the first saved genome of ``task`` that behaves here as where it was made (no
        :func:`~wann_viz.tasks.registry.genome_note`), else the first of ``task``, else ``None``."""
        of_task = [e for e in self._entries.values() if e.task == task]
        for entry in of_task:
            if genome_note(entry.genome) is None:
                return entry.key
        return of_task[0].key if of_task else None


def _panel_rank(task: str | None) -> int:
    order = panels()
    return order.index(task) if task in order else len(order)


# ----- uploads ---------------------------------------------------------------------

def decode_upload(contents: Any, filename: Any, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """Bytes of a ``dcc.Upload`` data URL, refusing malformed or oversized input.

    Raises:
        UploadError: with a message for the page.
    """
    if not isinstance(filename, str) or not filename or len(filename) > 255:
        raise UploadError("the upload has no usable file name")
    if not isinstance(contents, str) or "," not in contents[:300]:
        raise UploadError(f"{filename}: the upload did not arrive as a file (expected a data URL)")
    header, payload = contents.split(",", 1)
    if ";base64" not in header:
        raise UploadError(f"{filename}: the upload is not base64-encoded")
    # base64 grows data by 4/3: refuse before decoding anything large.
    if len(payload) > (max_bytes * 4) // 3 + 8:
        raise UploadError(f"{filename}: the file is larger than {max_bytes // 1024} KB, the upload limit")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError(f"{filename}: the upload is corrupt (bad base64)") from None
    if len(data) > max_bytes:
        raise UploadError(f"{filename}: the file is {len(data) // 1024} KB; the upload limit is {max_bytes // 1024} KB")
    return data


def parse_upload(contents: Any, filename: Any, task: str | None = None,
                 max_bytes: int = MAX_UPLOAD_BYTES, store: UploadStore | None = None) -> tuple[str, str, Genome]:
    """Validate an uploaded ``.out`` or native ``.json`` genome with the core loader and keep it.

    Args:
        contents: ``dcc.Upload.contents`` (a base64 data URL).
        filename: ``dcc.Upload.filename``.
        task: task of a ``.out`` matrix (``None``: guessed from the file name).
        max_bytes: size cap.
        store: where it is kept (default: a store on the default folder).

    Returns:
        ``(key, this browser's secret, genome)``.

    Raises:
        UploadError: the message to show (the loader's own words for bad genomes).
    """
    data = decode_upload(contents, filename, max_bytes)
    if not filename.lower().endswith(UPLOAD_EXTENSIONS):
        raise UploadError(f"{filename}: expected a .out matrix or a .json genome file")
    if task is not None and find_spec(task) is None:
        raise UploadError(f"unknown task {task!r}")
    try:
        return (store if store is not None else UploadStore()).add(data, filename, task)
    except GenomeError as exc:
        raise UploadError(str(exc)) from None


def resolve_genome(catalog: Catalog, key: Any, uploads: Any) -> Genome:
    """The genome for a picker key, from the catalog or the server's upload store.

    Args:
        catalog: saved genomes (and the upload store).
        key: picker value.
        uploads: the page's uploads store, ``{key: {"secret": ...} or {"share": ...}}`` (or ``None``).

    Raises:
        GenomeError: unknown key, or an upload this browser may not run.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
        raise GenomeError("no genome is selected")
    if key in catalog._entries:
        return catalog[key].genome
    if is_run_key(key):
        return catalog.runs.genome(key)  # its own message when the run or generation is missing
    if not key.startswith(UPLOAD_PREFIX):
        raise GenomeError(f"unknown genome {key[:60]!r}")
    credential = uploads.get(key) if isinstance(uploads, dict) else None
    return catalog.uploads.genome(key, credential)


def genome_meta(key: str, genome: Genome) -> dict:
    """Facts the browser needs about the selected genome (JSON-able)."""
    return {
        "key": key,
        "task": genome.task,
        "name": genome.name,
        "n_nodes": genome.n_nodes,
        "n_connections": genome.n_connections,
        "has_tuned": genome.tuned_weights is not None,
        "best_shared_weight": genome.best_shared_weight,
        "live": is_live(genome.task),
    }
