"""The one cache for per-request results: bounded, thread-safe, keyed by content.

Two tiers of the same mechanism: :data:`results` in memory (per process) and
:data:`disk` on disk (``$WANN_CACHE_DIR`` or ``var/cache/``, shared by every
worker process and kept across restarts) for slow results such as weight
profiles and the four conditions. The disk tier stores JSON only (no pickle)
through ``diskcache``, bounded in bytes with least-recently-used eviction.

Per-genome derived data (compiled networks, layouts, digests) lives on the
immutable genome itself (:meth:`wann_viz.Genome.cached`). Results that depend
on a request (an episode, an accuracy at some weights, a parsed upload) go
into :data:`results`, one LRU cache from ``cachetools`` bounded by the bytes
its values hold. Keys start with a namespace (``("episode", id)``) and hold
only content (hashes, weights, seeds), never a user or a session: two
students asking for the same episode share it, and nothing else is shared.

:meth:`ResultCache.get_or_compute` computes a missing value once: a second
request for the same key waits for the first instead of repeating the work.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

DEFAULT_BYTES = 256 * 1024 * 1024
_SMALL = 256  # bytes charged for a value of unknown size


def approximate_bytes(value: Any, _depth: int = 0) -> int:
    """Rough memory held by a value: numpy arrays exactly, containers and dataclasses summed."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if _depth > 4:
        return _SMALL
    if isinstance(value, (str, bytes)):
        return len(value) + 49
    if isinstance(value, dict):
        return 64 + sum(approximate_bytes(k, _depth + 1) + approximate_bytes(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 56 + sum(approximate_bytes(v, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(approximate_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    return _SMALL


class ResultCache:
    """A thread-safe LRU map bounded by the approximate bytes of its values.

    Args:
        max_bytes: the bound; the least recently used entries go first.
    """

    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self._cache: LRUCache = LRUCache(maxsize=int(max_bytes), getsizeof=approximate_bytes)
        self._lock = threading.Lock()
        # Striped locks: two requests for the same slow result compute it once. Re-entrant, so a
        # computation may itself use the cache (a nested key can land on the same stripe).
        self._compute_locks = tuple(threading.RLock() for _ in range(32))

    @property
    def max_bytes(self) -> int:
        return int(self._cache.maxsize)

    @property
    def current_bytes(self) -> int:
        return int(self._cache.currsize)

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._cache.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``; one larger than the whole cache is simply not kept."""
        with self._lock:
            try:
                self._cache[key] = value
            except ValueError:  # cachetools: value too large
                self._cache.pop(key, None)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, computing (and keeping) it once when missing."""
        missing = object()
        hit = self.get(key, missing)
        if hit is not missing:
            return hit
        with self._compute_locks[hash(key) % len(self._compute_locks)]:
            hit = self.get(key, missing)
            if hit is missing:
                hit = compute()
                self.put(key, hit)
        return hit

    def clear_key(self, key: Hashable) -> None:
        """Forget one entry."""
        with self._lock:
            self._cache.pop(key, None)

    def clear(self, namespace: str | None = None) -> None:
        """Forget everything, or only the keys whose first element is ``namespace``."""
        with self._lock:
            if namespace is None:
                self._cache.clear()
                return
            for key in [k for k in self._cache if isinstance(k, tuple) and k and k[0] == namespace]:
                self._cache.pop(key, None)


results = ResultCache()


DEFAULT_DISK_BYTES = 512 * 1024 * 1024
DEFAULT_DISK_DIR = Path(__file__).resolve().parents[1] / "var" / "cache"


def disk_dir() -> Path:
    """Where the disk tier lives: ``$WANN_CACHE_DIR`` or ``var/cache/`` in the project."""
    env = os.environ.get("WANN_CACHE_DIR")
    return Path(env) if env else DEFAULT_DISK_DIR


class DiskCache:
    """Results kept on disk, shared by processes: JSON values under content keys.

    Args:
        directory: the folder (default :func:`disk_dir`, read when first used).
        max_bytes: size bound; least recently read entries go first.

    Keys are any JSON-able value (tuples become lists); they are hashed, so a
    key's size does not matter. A value must be JSON-able (dicts, lists, numbers).
    """

    def __init__(self, directory: str | os.PathLike | None = None, max_bytes: int = DEFAULT_DISK_BYTES):
        self._directory = Path(directory) if directory is not None else None
        self._max_bytes = int(max_bytes)
        self._handle = None
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        return self._directory if self._directory is not None else disk_dir()

    def _cache(self):
        with self._lock:
            if self._handle is None:
                import diskcache

                self.directory.mkdir(parents=True, exist_ok=True)
                self._handle = diskcache.Cache(str(self.directory), size_limit=self._max_bytes,
                                               eviction_policy="least-recently-used", disk=diskcache.JSONDisk)
            return self._handle

    @staticmethod
    def key_of(key: Any) -> str:
        """The stored key: sha256 of the key's canonical JSON."""
        text = json.dumps(key, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: Any, default: Any = None) -> Any:
        return self._cache().get(self.key_of(key), default)

    def put(self, key: Any, value: Any) -> None:
        self._cache().set(self.key_of(key), value)

    def __contains__(self, key: Any) -> bool:
        return self.key_of(key) in self._cache()

    def get_or_compute(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The stored value of ``key``, computing and storing it when missing
        (two processes asking at once may both compute; the result is the same)."""
        missing = object()
        hit = self.get(key, missing)
        if hit is missing:
            hit = compute()
            self.put(key, hit)
        return hit

    def clear(self) -> None:
        self._cache().clear()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


disk = DiskCache()
