"""Uploaded genomes, stored on the server: durable, shared by every worker, private to a browser.

An upload is stored once per content, under ``upload-<sha256 of its raw bytes and task>``, in a
folder (default ``var/uploads/`` in the project, or ``$WANN_UPLOAD_DIR``):

* ``<key>.genome.json``: the native genome document (never changes);
* ``<key>.access.json``: who may run it: hashes of the per-browser secrets of the browsers that
  uploaded it, and its share token once its uploader made a share link.

The browser keeps only ``{key: {"secret": s}}`` (or ``{"share": t}`` for a link it opened) in
local storage; no genome document travels back in callbacks. A secret lets a browser run and share
its upload; a share token lets anyone run it, and nothing more (read-only). The folder is capped in
count and bytes; the least recently used uploads go first. Writes are atomic (``os.replace``) and
the access file is updated under a file lock, so several workers can share the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from ..cache import results
from ..genome import Genome, GenomeError, genome_from_dict, genome_to_dict, parse_genome

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "var" / "uploads"
UPLOAD_PREFIX = "upload-"
MAX_COUNT = 500
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_SECRETS = 64  # browsers that uploaded the same file (the oldest forgets first)
_KEY_RE = re.compile(r"^upload-[0-9a-f]{16}$")
NOT_AVAILABLE = ("the uploaded genome is not available in this browser (it was uploaded elsewhere, or the server "
                 "forgot it); upload it again or open its share link")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def upload_dir() -> Path:
    """Where uploads live: ``$WANN_UPLOAD_DIR`` or ``var/uploads/`` in the project."""
    env = os.environ.get("WANN_UPLOAD_DIR")
    return Path(env) if env else DEFAULT_DIR


def is_upload_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_KEY_RE.match(key))


class UploadStore:
    """The upload folder.

    Args:
        folder: default :func:`upload_dir`.
        max_count: uploads kept at most.
        max_bytes: bytes of genome documents kept at most.
    """

    def __init__(self, folder: str | Path | None = None, max_count: int = MAX_COUNT,
                 max_bytes: int = MAX_TOTAL_BYTES):
        self.folder = Path(folder) if folder is not None else upload_dir()
        self.max_count, self.max_bytes = int(max_count), int(max_bytes)

    # ----- files -------------------------------------------------------------------------
    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.genome.json", self.folder / f"{key}.access.json"

    def _write(self, path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)

    @contextlib.contextmanager
    def _locked(self, key: str):
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".{key}.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _access(self, key: str) -> dict:
        try:
            doc = json.loads(self._paths(key)[1].read_text("utf-8"))
        except (OSError, ValueError):
            return {"secrets": [], "share": None}
        return doc if isinstance(doc, dict) else {"secrets": [], "share": None}

    # ----- public ------------------------------------------------------------------------
    def add(self, raw: bytes, filename: str, task: str | None = None) -> tuple[str, str, Genome]:
        """Parse and keep an upload; returns ``(key, this browser's secret, genome)``.

        Raises:
            GenomeError: the file is not a usable genome (the loader's own words).
        """
        genome = parse_genome(raw, filename, task)
        if genome.task is None:
            raise GenomeError(f"{filename}: the genome does not say which task it solves; choose the task and "
                              "upload again")
        doc = genome_to_dict(genome)
        if not doc.get("source"):
            doc["source"] = f"uploaded file {filename}"
        key = UPLOAD_PREFIX + hashlib.sha256(raw + b"\0" + str(genome.task).encode()).hexdigest()[:16]
        secret = secrets.token_urlsafe(18)
        genome_path, access_path = self._paths(key)
        with self._locked(key):
            if not genome_path.is_file():
                self._write(genome_path, json.dumps(doc, separators=(",", ":")))
            access = self._access(key)
            access["secrets"] = (access.get("secrets") or [])[-(MAX_SECRETS - 1):] + [_digest(secret)]
            self._write(access_path, json.dumps(access))
        self._evict(keep=key)
        return key, secret, self.genome(key, {"secret": secret})

    def genome(self, key: Any, credential: Any) -> Genome:
        """The upload ``key`` for a browser holding ``credential`` (``{"secret"}`` or ``{"share"}``).

        Raises:
            GenomeError: unknown key, no or wrong credential, or a damaged file.
        """
        if not is_upload_key(key) or not isinstance(credential, dict):
            raise GenomeError(NOT_AVAILABLE)
        if not self.allowed(key, credential):
            raise GenomeError(NOT_AVAILABLE)
        genome_path, access_path = self._paths(key)
        with contextlib.suppress(OSError):
            os.utime(access_path)  # least recently used goes first

        def parse() -> Genome:
            try:
                return genome_from_dict(json.loads(genome_path.read_text("utf-8")))
            except (OSError, ValueError) as exc:
                raise GenomeError(NOT_AVAILABLE) from exc

        return results.get_or_compute(("upload", key), parse)  # content-addressed: the same for everyone

    def allowed(self, key: str, credential: dict) -> bool:
        access = self._access(key)
        secret, share = credential.get("secret"), credential.get("share")
        if isinstance(secret, str) and 0 < len(secret) <= 100:
            digest = _digest(secret)
            if any(hmac.compare_digest(digest, d) for d in access.get("secrets") or [] if isinstance(d, str)):
                return True
        token = access.get("share")
        return (isinstance(share, str) and 0 < len(share) <= 100 and isinstance(token, str)
                and hmac.compare_digest(share, token))

    def share(self, key: str, credential: Any) -> str:
        """A share token for ``key`` (made once, then the same), for the browser that uploaded it.

        Raises:
            GenomeError: this browser holds no secret of the upload.
        """
        if not is_upload_key(key) or not isinstance(credential, dict) or "secret" not in credential \
                or not self.allowed(key, credential):
            raise GenomeError("only the browser that uploaded a genome can make its share link")
        with self._locked(key):
            access = self._access(key)
            token = access.get("share")
            if not isinstance(token, str):
                token = access["share"] = secrets.token_urlsafe(12)
                self._write(self._paths(key)[1], json.dumps(access))
        return token

    def _evict(self, keep: str) -> None:
        """Delete the least recently used uploads beyond the count and byte caps."""
        entries = []
        for access in self.folder.glob("upload-*.access.json"):
            key = access.name[: -len(".access.json")]
            genome_path = self._paths(key)[0]
            try:
                entries.append((access.stat().st_mtime, key, genome_path.stat().st_size))
            except OSError:
                continue
        entries.sort()  # oldest access first
        count, total = len(entries), sum(size for _, _, size in entries)
        for _, key, size in entries:
            if count <= self.max_count and total <= self.max_bytes:
                break
            if key == keep:
                continue
            for path in self._paths(key):
                with contextlib.suppress(OSError):
                    path.unlink()
            with contextlib.suppress(OSError):
                (self.folder / f".{key}.lock").unlink()
            results.clear_key(("upload", key))
            count, total = count - 1, total - size

    def __bool__(self) -> bool:  # a store is a store, even an empty one
        return True

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("upload-*.access.json")) if self.folder.is_dir() else 0
