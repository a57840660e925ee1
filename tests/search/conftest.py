"""Small settings shared by the search tests (seconds per run)."""

import pytest

from wann_viz.search.config import load_settings


def tiny(task: str, **over):
    """Validated settings for a run that takes well under a second or two."""
    base = {"population": 8, "generations": 3, "episodes_per_weight": 1, "tournament_size": 3,
            "checkpoint_every": 2, "save_generations": [2], "champion_candidates": 3, "champion_episodes": 1}
    if task == "swingup":
        base.update(max_steps=60)
    elif task == "biped":
        base.update(max_steps=15, population=4, tournament_size=2, weights=[-1.0, 1.0])
    elif task == "mnist":
        base.update(population=6, batch_size=40, weights=[-1.0, 1.0])
    elif task == "carracing":
        base.update(max_steps=12, population=4, tournament_size=2, weights=[-1.0, 1.0], action_repeat=3)
    base.update(over)
    return load_settings(task, overrides=base)


@pytest.fixture(name="tiny")
def tiny_fixture():
    """``tiny(task, **overrides)`` -> settings for a run of a second or two."""
    return tiny
