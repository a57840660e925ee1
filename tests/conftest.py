"""Shared fixtures: paths to shipped genomes and golden files, and one headless Chromium."""

from pathlib import Path

import pytest

from wann_viz.ui.testing import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAVED = ROOT / "saved_genomes"


@pytest.fixture(scope="session", autouse=True)
def upload_folder(tmp_path_factory):
    """Uploads of every test (and of the apps the browser tests start) go to a temporary folder."""
    import os

    folder = tmp_path_factory.mktemp("uploads")
    old = os.environ.get("WANN_UPLOAD_DIR")
    os.environ["WANN_UPLOAD_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("WANN_UPLOAD_DIR", None)
    else:
        os.environ["WANN_UPLOAD_DIR"] = old


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
