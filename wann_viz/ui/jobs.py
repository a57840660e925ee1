"""Background jobs of the explorer: Dash's ``DiskcacheManager`` on a folder every worker shares.

A job (a weight profile, the four conditions, a small search) runs in its own
process; its progress and result pass through a ``diskcache`` folder
(``$WANN_JOBS_DIR`` or ``var/jobs/``), so any worker process of a class server
can answer the page's polls. Results expire after an hour; the analysis
results themselves are kept in the disk tier of :mod:`wann_viz.cache`.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB_RESULT_SECONDS = 3600


def jobs_dir() -> Path:
    env = os.environ.get("WANN_JOBS_DIR")
    return Path(env) if env else ROOT / "var" / "jobs"


def background_manager():
    """A ``dash.DiskcacheManager`` on :func:`jobs_dir`."""
    import diskcache
    from dash import DiskcacheManager

    folder = jobs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=JOB_RESULT_SECONDS)
