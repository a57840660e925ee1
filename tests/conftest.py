"""Shared fixtures: paths to shipped genomes and golden files."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAVED = ROOT / "saved_genomes"


@pytest.fixture(scope="session")
def authors_genomes():
    """The three shipped champions by golden-file stem: swing, biped, racer."""
    from wann_viz import load_genome

    return {
        "swing": load_genome(SAVED / "swingup-authors.json"),
        "biped": load_genome(SAVED / "biped-authors.json"),
        "racer": load_genome(SAVED / "carracing-authors.json"),
    }
