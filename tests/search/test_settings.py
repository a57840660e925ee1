"""Settings files: defaults load, unknown or out-of-range values fail clearly."""

import json

import pytest

from wann_viz.search.config import SETTINGS_DIR, SettingsError, load_settings, validate


@pytest.mark.parametrize("task", ["swingup", "biped", "mnist", "carracing"])
def test_every_task_has_valid_paper_defaults(task):
    s = load_settings(task)
    assert s["task"] == task
    assert s["weights"] == [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]
    assert (s["prob_change_activation"], s["prob_add_node"], s["prob_add_connection"], s["prob_enable"]) == (
        0.5, 0.25, 0.2, 0.05)
    assert s["prob_objective_connections"] == 0.8
    assert s["elite_fraction"] == 0.2 and s["cull_fraction"] == 0.2
    assert 8 <= s["tournament_size"] <= 32
    assert (SETTINGS_DIR / f"{task}.json").is_file()


def test_paper_sizes():
    assert (load_settings("swingup")["population"], load_settings("swingup")["generations"]) == (192, 1024)
    assert (load_settings("biped")["population"], load_settings("biped")["generations"]) == (480, 2048)
    assert (load_settings("mnist")["population"], load_settings("mnist")["generations"]) == (960, 4096)
    assert load_settings("carracing")["population"] == 64
    assert [load_settings(t)["prob_init_enable"] for t in ("swingup", "biped", "mnist", "carracing")] == [
        0.5, 0.25, 0.05, 0.5]


def test_unknown_key_names_the_key(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"popsize": 10}))
    with pytest.raises(SettingsError, match="unknown setting 'popsize'"):
        load_settings("swingup", f)


@pytest.mark.parametrize("key,value,words", [
    ("population", 1, "population must be a whole number from 2"),
    ("population", 2.5, "population must be"),
    ("prob_init_enable", 0, "prob_init_enable must be a number > 0"),
    ("prob_add_node", 1.5, "prob_add_node must be"),
    ("weights", [], "weights must be a list of 1 to 64"),
    ("weights", [1, "x"], "weights must be"),
    ("hidden_activations", [0, 1], "hidden_activations must be"),
    ("max_steps", 5000, "max_steps must be at most 1000"),
    ("episodes_per_weight", 0, "episodes_per_weight must be"),
    ("seed", -1, "seed must be"),
    ("generations", True, "generations must be"),
])
def test_out_of_range_values_fail_clearly(key, value, words):
    with pytest.raises(SettingsError, match=words):
        load_settings("swingup", overrides={key: value})


def test_inconsistent_values():
    with pytest.raises(SettingsError, match="elite_fraction \\+ cull_fraction"):
        load_settings("swingup", overrides={"elite_fraction": 0.6, "cull_fraction": 0.5})
    with pytest.raises(SettingsError, match="tournament_size \\(50\\) cannot exceed population \\(10\\)"):
        load_settings("swingup", overrides={"population": 10, "tournament_size": 50})
    with pytest.raises(SettingsError, match="operator probability"):
        load_settings("swingup", overrides={k: 0.0 for k in (
            "prob_change_activation", "prob_add_node", "prob_add_connection", "prob_enable")})
    with pytest.raises(SettingsError, match="batch_size only applies"):
        load_settings("swingup", overrides={"batch_size": 10})


def test_small_population_shrinks_the_default_tournament():
    assert load_settings("swingup", overrides={"population": 10})["tournament_size"] == 10


def test_file_overrides_and_task_mismatch(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"population": 20, "max_steps": 100}))
    s = load_settings("swingup", f, {"generations": 7})
    assert (s["population"], s["max_steps"], s["generations"]) == (20, 100, 7)
    f.write_text(json.dumps({"task": "biped"}))
    with pytest.raises(SettingsError, match="for task 'biped'"):
        load_settings("swingup", f)
    f.write_text("{not json")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings("swingup", f)
    with pytest.raises(SettingsError, match="unknown task"):
        load_settings("pong")


def test_validate_reports_missing_keys():
    s = load_settings("swingup")
    del s["weights"]
    with pytest.raises(SettingsError, match="missing setting\\(s\\) weights"):
        validate(s)
