"""Shared fixtures: paths to shipped genomes and golden files, and one headless Chromium."""

from pathlib import Path

import pytest

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAVED = ROOT / "saved_genomes"


SERVER_FOLDERS = {"WANN_UPLOAD_DIR": "uploads", "WANN_CACHE_DIR": "cache", "WANN_JOBS_DIR": "jobs",
                  "WANN_RUNS_DIR": "runs"}


@pytest.fixture(scope="session", autouse=True)
def upload_folder(tmp_path_factory):
    """Uploads, the disk cache, background jobs and the app's search runs of every test (and of the
    apps the browser tests start) go to temporary folders: each test session starts cold."""
    import os

    old = {k: os.environ.get(k) for k in SERVER_FOLDERS}
    folders = {k: tmp_path_factory.mktemp(name) for k, name in SERVER_FOLDERS.items()}
    for k, folder in folders.items():
        os.environ[k] = str(folder)
    yield folders["WANN_UPLOAD_DIR"]
    for k, value in old.items():
        if value is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = value


@pytest.fixture(scope="session")
def authors_genomes():
    """The three shipped champions by golden-file stem: swing, biped, racer."""
    from wann_viz import load_genome

    return {
        "swing": load_genome(SAVED / "swingup-authors.json"),
        "biped": load_genome(SAVED / "biped-authors.json"),
        "racer": load_genome(SAVED / "carracing-authors.json"),
    }


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
