"""Checkpoint and resume give the same result as an uninterrupted run; the run-folder API."""

import json

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.cli import main
from wann_viz.search import engine
from wann_viz.search.runner import RunFolderError, load_checkpoint, run_search
from wann_viz.search.runs import list_runs, open_run


def _same_result(a, b):
    ga, gb = load_genome(a / "champion.json"), load_genome(b / "champion.json")
    assert ga.connections.tolist() == gb.connections.tolist()
    assert ga.activations.tolist() == gb.activations.tolist()
    ea, eb = dict(ga.extra["search"]), dict(gb.extra["search"])
    ha, hb = ea.pop("history"), eb.pop("history")
    ha.pop("seconds"), hb.pop("seconds")
    assert ha == hb and ea == eb


def test_pause_and_resume_equals_an_uninterrupted_run(tmp_path, tiny):
    s = tiny("swingup", generations=6, checkpoint_every=4)
    run_search(s, tmp_path / "straight", progress=False)
    assert run_search(s, tmp_path / "sliced", progress=False, stop_at=3) is None
    assert json.loads((tmp_path / "sliced" / "run.json").read_text())["status"] == "paused"
    run_search(None, tmp_path / "sliced", resume=True, progress=False)
    _same_result(tmp_path / "straight", tmp_path / "sliced")


class _InterruptingEvaluator(engine.LocalEvaluator):
    """Raises KeyboardInterrupt (like Ctrl-C) on its n-th call."""

    def __init__(self, n):
        self.calls, self.n = 0, n

    def map(self, chunks):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return super().map(chunks)


def test_ctrl_c_leaves_a_usable_checkpoint(tmp_path, tiny):
    s = tiny("swingup", generations=5, checkpoint_every=100)
    run_search(s, tmp_path / "straight", progress=False)
    with pytest.raises(KeyboardInterrupt):
        run_search(s, tmp_path / "cut", evaluator=_InterruptingEvaluator(4), progress=False)
    doc = json.loads((tmp_path / "cut" / "run.json").read_text())
    assert doc["status"] == "interrupted" and doc["generation"] == 3
    assert open_run(tmp_path / "cut").generation == 3
    run_search(None, tmp_path / "cut", resume=True, progress=False)
    _same_result(tmp_path / "straight", tmp_path / "cut")


def test_resume_can_extend_a_finished_run(tmp_path, tiny):
    s = tiny("swingup", generations=2)
    run_search(s, tmp_path / "r", progress=False)
    run_search(None, tmp_path / "r", resume=True, generations=4, progress=False)
    assert open_run(tmp_path / "r").generation == 4
    with pytest.raises(RunFolderError, match="fewer"):
        run_search(None, tmp_path / "r", resume=True, generations=1, progress=False)


def test_new_run_refuses_an_existing_folder_and_resume_needs_a_checkpoint(tmp_path, tiny):
    s = tiny("swingup", generations=1)
    run_search(s, tmp_path / "r", progress=False)
    with pytest.raises(RunFolderError, match="already holds a run"):
        run_search(s, tmp_path / "r", progress=False)
    with pytest.raises(RunFolderError, match="no checkpoint"):
        run_search(None, tmp_path / "empty", resume=True, progress=False)


def test_cli_resume_refuses_changed_settings(tmp_path, capsys):
    rc = main(["search", "--out", str(tmp_path / "r"), "--resume", "--population", "10"])
    assert rc == 2 and "--population cannot change" in capsys.readouterr().err


def test_resume_with_longer_episodes_equals_a_run_that_had_them_from_the_start(tmp_path, tiny):
    # Paused before its first generation, then resumed with a changes file: the known answer is a
    # straight run with the new settings (the search's state does not depend on episode settings).
    run_search(tiny("swingup", generations=3, max_steps=80), tmp_path / "straight", progress=False)
    assert run_search(tiny("swingup", generations=3, max_steps=30), tmp_path / "curriculum", progress=False,
                      stop_at=0) is None
    changes = tmp_path / "longer.json"
    changes.write_text(json.dumps({"max_steps": 80, "population": 8}))  # an unchanged fixed key is allowed
    run_search(None, tmp_path / "curriculum", resume=True, progress=False, changes_file=changes)
    _same_result(tmp_path / "straight", tmp_path / "curriculum")
    log = json.loads((tmp_path / "curriculum" / "changes.json").read_text())["changes"]
    assert [(c["generation"], c["settings"]) for c in log] == [(0, {"max_steps": 80})]
    assert json.loads((tmp_path / "curriculum" / "run.json").read_text())["changes"][0]["settings"] == {"max_steps": 80}


def test_resume_with_more_weights_equals_a_run_that_had_them_from_the_start(tmp_path, tiny):
    # The shared weights only choose which episodes a genome plays, so widening them mid-run (a
    # racer that drives at one sign only) is a curriculum change like longer episodes.
    wide = [-2.0, -1.0, 1.0]
    run_search(tiny("swingup", generations=3, weights=wide), tmp_path / "straight", progress=False)
    assert run_search(tiny("swingup", generations=3, weights=[-1.0, 1.0]), tmp_path / "curriculum",
                      progress=False, stop_at=0) is None
    changes = tmp_path / "wider.json"
    changes.write_text(json.dumps({"weights": wide}))
    run_search(None, tmp_path / "curriculum", resume=True, progress=False, changes_file=changes)
    _same_result(tmp_path / "straight", tmp_path / "curriculum")
    champion = json.loads((tmp_path / "curriculum" / "champion.json").read_text())
    assert len(champion["extra"]["search"]["fitness"]["per_weight"]) == 3


def test_a_change_of_weights_restarts_the_hall_of_fame(tmp_path, tiny):
    # Paused with a full hall, then resumed with other weights: records from before the change
    # would be averaged with (and ranked against) returns of another objective, so the champion's
    # candidates are collected afresh; a change of checkpoints alone keeps them.
    run = tmp_path / "r"
    run_search(tiny("swingup", generations=4, weights=[-1.0, 1.0]), run, progress=False, stop_at=2)
    assert len(load_checkpoint(run).hall) == 3
    changes = tmp_path / "wider.json"
    changes.write_text(json.dumps({"weights": [-2.0, -1.0, 1.0], "checkpoint_every": 1}))
    run_search(None, run, resume=True, progress=False, changes_file=changes, stop_at=3)
    hall = load_checkpoint(run).hall
    assert hall and all(e["generation"] == 3 and e["count"] == 1 for e in hall.values())
    log = json.loads((run / "changes.json").read_text())["changes"]
    assert log[0]["generation"] == 2 and log[0]["hall_restarted"] is True
    more = tmp_path / "more.json"
    more.write_text(json.dumps({"checkpoint_every": 2}))
    run_search(None, run, resume=True, progress=False, changes_file=more)
    assert json.loads((run / "changes.json").read_text())["changes"][1].get("hall_restarted") is None
    champion = load_genome(run / "champion.json")
    assert champion.extra["search"]["fitness"]["generation_found"] >= 3


def test_resume_settings_file_refuses_keys_that_fix_the_run(tmp_path, tiny, capsys):
    run_search(tiny("swingup", generations=2), tmp_path / "r", progress=False, stop_at=1)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"population": 20, "max_steps": 40}))
    rc = main(["search", "--out", str(tmp_path / "r"), "--resume", "--settings", str(bad), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "population cannot change in a run being resumed" in err and "max_steps" in err
    assert not (tmp_path / "r" / "changes.json").exists()
    assert open_run(tmp_path / "r").generation == 1  # nothing ran, nothing lost
    too_long = tmp_path / "long.json"
    too_long.write_text(json.dumps({"max_steps": 10**6}))
    assert main(["search", "--out", str(tmp_path / "r"), "--resume", "--settings", str(too_long), "--quiet"]) == 2
    assert "max_steps must be" in capsys.readouterr().err


def test_list_and_open_runs(tmp_path, tiny):
    run_search(tiny("swingup", generations=3, save_generations=[1, 2]), tmp_path / "runs" / "a", progress=False)
    run_search(tiny("swingup", generations=2), tmp_path / "runs" / "b", progress=False, stop_at=1)
    (tmp_path / "runs" / "not-a-run").mkdir()
    runs = {r.name: r for r in list_runs(tmp_path / "runs")}
    assert set(runs) == {"a", "b"}
    assert runs["a"].status == "finished" and runs["a"].generation == 3 and runs["a"].champion_fitness is not None
    assert runs["b"].status == "paused" and runs["b"].generation == 1
    info = open_run(runs["a"].path)
    assert info.task == "swingup" and info.settings["population"] == 8
    assert info.history["generation"].tolist() == [1, 2, 3]
    assert info.history["best_fitness"].shape == (3,) and np.isfinite(info.history["best_fitness"]).all()
    assert sorted(info.champions) == [1, 2, 3]
    assert info.champion is not None and info.champion.task == "swingup"
    assert info.champions[2].extra["search"]["generation"] == 2
    assert open_run(runs["b"].path).champion is None
    with pytest.raises(FileNotFoundError):
        open_run(tmp_path / "runs" / "not-a-run")
    assert list_runs(tmp_path / "missing") == []


def test_resuming_a_finished_run_changes_nothing(tmp_path, tiny):
    s = tiny("swingup", generations=2)
    first = run_search(s, tmp_path / "r", progress=False)
    again = run_search(None, tmp_path / "r", resume=True, progress=False)
    assert again == first
    assert load_genome(tmp_path / "r" / "champion.json") == first


def test_generation_files_are_small_and_the_champion_carries_the_history(tmp_path, tiny):
    run_search(tiny("swingup", generations=3, save_generations=[2]), tmp_path / "r", progress=False)
    gen2 = load_genome(tmp_path / "r" / "generations" / "gen-000002.json")
    assert "history" not in gen2.extra["search"] and gen2.extra["search"]["generation"] == 2
    champ = load_genome(tmp_path / "r" / "champion.json")
    assert champ.extra["search"]["history"]["generation"] == [1, 2, 3]


def test_saved_populations_hold_the_generation_that_was_evaluated(tmp_path, tiny):
    from wann_viz.search.runs import load_population, population_file

    run_search(tiny("mnist", generations=3, save_generations=[2], save_populations=[2]), tmp_path / "r", progress=False)
    assert not population_file(tmp_path / "r", 1).exists()
    pop = load_population(population_file(tmp_path / "r", 2), "mnist")
    assert len(pop) == 6 and all(g.task == "mnist" and g.n_in == 256 for g in pop)
    best = load_genome(tmp_path / "r" / "generations" / "gen-000002.json")
    assert any(g.connections.tolist() == best.connections.tolist() and
               g.activations.tolist() == best.activations.tolist() for g in pop)
