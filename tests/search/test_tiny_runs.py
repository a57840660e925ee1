"""A tiny run finishes on each task; CarRacing without its module fails clearly."""

import json

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.cli import main
from wann_viz.search import engine
from wann_viz.search.runner import run_search
from wann_viz.tasks.registry import available_task_names


def _check_run(out, task, generations):
    champ = load_genome(out / "champion.json")
    assert champ.task == task
    info = champ.extra["search"]
    assert info["settings"]["task"] == task
    assert len(info["history"]["best_fitness"]) == generations
    assert np.isfinite(info["fitness"]["fitness"])
    assert champ.best_shared_weight in info["settings"]["weights"]
    assert json.loads((out / "run.json").read_text())["status"] == "finished"


def test_tiny_swingup_run(tmp_path, tiny):
    run_search(tiny("swingup"), tmp_path / "r", progress=False)
    _check_run(tmp_path / "r", "swingup", 3)
    assert (tmp_path / "r" / "generations" / "gen-000002.json").is_file()
    assert (tmp_path / "r" / "generations" / "gen-000003.json").is_file()  # the last generation


def test_tiny_biped_run(tmp_path, tiny):
    run_search(tiny("biped"), tmp_path / "r", progress=False, workers=1)
    _check_run(tmp_path / "r", "biped", 3)


def test_biped_pool_gives_the_same_returns_as_one_process(tiny):
    from wann_viz.search.algorithm import Search

    s = tiny("biped", population=4)
    genomes = [ind.to_genome("biped") for ind in Search(s).population]
    args = ("biped", genomes, [-1.0, 1.0], [3], 15)
    one = engine.evaluate_genomes(engine.LocalEvaluator(), *args)
    pool = engine.PoolEvaluator(2)
    try:
        two = engine.evaluate_genomes(pool, *args)
    finally:
        pool.close()
    assert np.array_equal(one, two)


@pytest.mark.skipif("mnist" not in available_task_names(), reason="wann_viz.tasks.mnist missing")
def test_tiny_mnist_run(tmp_path, tiny):
    pytest.importorskip("wann_viz.tasks.mnist")
    run_search(tiny("mnist"), tmp_path / "r", progress=False)
    _check_run(tmp_path / "r", "mnist", 3)
    champ = load_genome(tmp_path / "r" / "champion.json")
    assert champ.extra["search"]["fitness"]["fitness"] < 0  # minus a cross-entropy


def test_cli_tiny_run_and_progress(tmp_path, capsys):
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"max_steps": 30, "episodes_per_weight": 1, "champion_episodes": 1}))
    out = tmp_path / "cli"
    rc = main(["search", "--task", "swingup", "--population", "6", "--generations", "2", "--seed", "3",
               "--settings", str(settings), "--out", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    assert "gen 2/2" in err and "best" in err and "mean" in err and "conns" in err and "s/gen" in err
    assert load_genome(out / "champion.json").extra["search"]["settings"]["seed"] == 3
    # The folder now holds a run: a second start without --resume is refused.
    rc = main(["search", "--task", "swingup", "--out", str(out)])
    assert rc == 2 and "--resume" in capsys.readouterr().err


@pytest.mark.skipif("carracing" in available_task_names(), reason="a carracing task module exists")
def test_carracing_without_a_task_module_is_a_clear_error(tmp_path, capsys):
    rc = main(["search", "--task", "carracing", "--out", str(tmp_path / "c")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "carracing" in err and "module is missing" in err
    assert not (tmp_path / "c").exists()


def test_cli_reports_bad_settings(tmp_path, capsys):
    rc = main(["search", "--task", "swingup", "--population", "1", "--out", str(tmp_path / "x")])
    assert rc == 2 and "population must be" in capsys.readouterr().err


def test_tiny_carracing_run_holds_each_action_for_action_repeat_frames(tmp_path, tiny):
    from wann_viz.search import engine
    from wann_viz.search.algorithm import Search
    from wann_viz.tasks.carracing import vae_path

    if vae_path() is None:
        pytest.skip("no VAE file is installed")
    s = tiny("carracing", generations=2)
    champion = run_search(s, tmp_path / "r", progress=False)
    assert champion.task == "carracing" and champion.n_in == 16
    genomes = [ind.to_genome("carracing") for ind in Search(s).population[:2]]
    # 150 frames: past the camera's first second, the car moves and its inputs change
    held = engine.evaluate_chunk(engine.make_chunk("carracing", genomes, [2.0], [5], 150, {"action_repeat": 5}))
    every = engine.evaluate_chunk(engine.make_chunk("carracing", genomes, [2.0], [5], 150, {"action_repeat": 1}))
    assert held.shape == every.shape == (2, 1, 1) and not np.array_equal(held, every)
