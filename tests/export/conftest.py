"""Fixtures of the export tests (the genomes are built in _genomes.py)."""

import pytest

from ._genomes import every_activation_genome, load_shipped, shuffled_genome


@pytest.fixture(scope="session")
def shipped():
    return load_shipped()


@pytest.fixture
def tiny():
    return every_activation_genome()


@pytest.fixture
def shuffled():
    return shuffled_genome()
