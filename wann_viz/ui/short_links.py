"""Short links: views too long for a URL, stored on the server under a content hash.

A view with many tuned or edited connections does not fit a link (servers refuse
request lines past about 4 KB). "Make a short link" stores its query string in
``views/`` beside the uploads (``$WANN_UPLOAD_DIR/views`` or ``var/uploads/views``)
as ``<token>.txt``, where the token is the first 16 hex digits of its SHA-256: the
same view always gets the same token, on any worker, and the link ``?view=<token>``
opens it anywhere. The folder is capped in count; the least recently opened go first.
Stored text is only ever parsed by :func:`wann_viz.ui.url_state.parse_view`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path

from .uploads import upload_dir

MAX_VIEW_CHARS = 64_000
MAX_VIEWS = 5000
_TOKEN_RE = re.compile(r"^[0-9a-f]{16}$")


def is_token(text) -> bool:
    return isinstance(text, str) and bool(_TOKEN_RE.match(text))


class ViewStore:
    """The short-link folder.

    Args:
        folder: default ``upload_dir() / "views"``.
        max_count: views kept at most.
    """

    def __init__(self, folder: str | Path | None = None, max_count: int = MAX_VIEWS):
        self.folder = Path(folder) if folder is not None else upload_dir() / "views"
        self.max_count = int(max_count)

    def add(self, query: str) -> str:
        """Keep a query string (``"?genome=..."``); returns its token.

        Raises:
            ValueError: the text is too long or not a query string.
        """
        if not isinstance(query, str) or not query.startswith("?") or len(query) > MAX_VIEW_CHARS:
            raise ValueError(f"a view must be a query string of at most {MAX_VIEW_CHARS:,} characters")
        token = hashlib.sha256(query.encode()).hexdigest()[:16]
        path = self.folder / f"{token}.txt"
        self.folder.mkdir(parents=True, exist_ok=True)
        if not path.is_file():
            tmp = self.folder / f".{token}.{secrets.token_hex(4)}.tmp"
            tmp.write_text(query, "utf-8")
            os.replace(tmp, path)  # atomic: another worker reads all of it or nothing
            self._evict(keep=token)
        return token

    def get(self, token) -> str | None:
        """The stored query string of ``token``, or ``None``."""
        if not is_token(token):
            return None
        path = self.folder / f"{token}.txt"
        try:
            text = path.read_text("utf-8")
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently opened goes first
        return text

    def _evict(self, keep: str) -> None:
        entries = []
        for path in self.folder.glob("*.txt"):
            with contextlib.suppress(OSError):
                entries.append((path.stat().st_mtime, path))
        entries.sort()
        for _, path in entries[: max(0, len(entries) - self.max_count)]:
            if path.stem != keep:
                with contextlib.suppress(OSError):
                    path.unlink()
