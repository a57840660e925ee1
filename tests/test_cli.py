"""``python -m wann_viz evaluate``."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.tasks import mnist
from wann_viz.cli import main

ROOT = Path(__file__).resolve().parents[1]
SWING = str(ROOT / "saved_genomes" / "swingup-authors.json")


def test_json_output(capsys):
    assert main(["evaluate", SWING, "--episodes", "4", "--weights", "-1,1", "--seed", "3", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert set(doc) == {"conditions", "profile"}
    c = doc["conditions"]
    assert set(c) == {"random_weights", "random_shared_weight", "tuned_shared_weight", "tuned_weights"}
    assert all({"mean", "sd"} <= set(v) for v in c.values())
    assert c["tuned_shared_weight"]["weight"] in (-1.0, 0.8, 1.0)
    # The genome's best shared weight (0.8) joins the requested sweep.
    assert [p["weight"] for p in doc["profile"]] == [-1.0, 0.8, 1.0]
    assert "episodes" in err  # progress bar on stderr


def test_json_equals_library_call(capsys):
    from wann_viz.evaluate import evaluate_conditions

    main(["evaluate", SWING, "--episodes", "3", "--weights=0.5", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc == evaluate_conditions(wann_viz.load_genome(SWING), [0.5], 3, 0)


def test_table_output(capsys):
    assert main(["evaluate", SWING, "--episodes", "3", "--weights", "1"]) == 0
    out = capsys.readouterr().out
    for text in ("random weights", "random shared weight", "tuned shared weight", "tuned weights",
                 "723 ± 16", "932 ± 6", "Profile", "+1.00"):
        assert text in out


def test_bad_inputs(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", SWING, "--weights", "a,b"])
    with pytest.raises(SystemExit):
        main(["evaluate", SWING, "--episodes", "0"])


def test_carracing_needs_a_vae(capsys):
    from wann_viz.tasks.registry import available_task_names

    if "carracing" in available_task_names():
        pytest.skip("a carracing task module exists")
    assert main(["evaluate", str(ROOT / "saved_genomes" / "carracing-authors.json")]) == 2
    assert "VAE" in capsys.readouterr().err


def test_task_option_for_unlabelled_genomes(tmp_path, capsys):
    g = wann_viz.load_genome(SWING).with_changes(task=None)
    path = tmp_path / "net.json"
    wann_viz.save_genome(g, path)
    assert main(["evaluate", str(path), "--episodes", "2", "--weights", "1", "--json"]) == 2
    assert "--task" in capsys.readouterr().err
    assert main(["evaluate", str(path), "--task", "swingup", "--episodes", "2", "--weights", "1", "--json"]) == 0


def test_mnist_dispatch(monkeypatch, tmp_path, capsys):
    def fake(genome, weights, seed, progress):
        return {"conditions": {"tuned_shared_weight": {"mean": 0.9, "sd": 0.0, "weight": 1.0}},
                "profile": [{"weight": 1.0, "mean": 0.9, "sd": 0.0}]}

    monkeypatch.setattr(mnist, "evaluate_conditions", fake)
    g = wann_viz.Genome(activations=np.ones(267, int), connections=np.array([[1, 257]]), n_in=256, n_out=10,
                        task="mnist")
    path = tmp_path / "m.json"
    wann_viz.save_genome(g, path)
    assert main(["evaluate", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"][0]["mean"] == 0.9


def test_module_entry_point():
    res = subprocess.run(
        [sys.executable, "-m", "wann_viz", "evaluate", SWING, "--episodes", "2", "--weights", "1", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert set(json.loads(res.stdout)) == {"conditions", "profile"}


def test_the_vae_option_checks_the_file_and_hands_it_to_the_task(tmp_path, capsys, monkeypatch):
    import json

    import numpy as np

    from wann_viz.tasks.carracing import VAE_ENV
    from wann_viz.vae import model, weights

    # main() sets the variable itself; setting it here first makes monkeypatch remove it afterwards
    monkeypatch.setenv(VAE_ENV, str(tmp_path / "not-yet.npz"))
    bad = tmp_path / "vae_16.json"
    bad.write_text(json.dumps([[1, 2, 3]]))
    assert main(["--vae", str(bad), "evaluate", "saved_genomes/carracing-authors.json"]) == 2
    assert "holds 1" in capsys.readouterr().err
    rng = np.random.default_rng(0)
    params = {f"{n}/{s}": rng.normal(0, 0.05, sh).astype(np.float32)
              for n, k, b in model.PARAMETERS[:6] for s, sh in (("kernel", k), ("bias", (b,)))}
    good = weights.save_vae(params, tmp_path / "vae.npz", {"pipeline": "wann"})
    rc = main(["--vae", str(good), "evaluate", "saved_genomes/carracing-authors.json", "--episodes", "1",
               "--max-steps", "5", "--weights", "1", "--json"])
    assert rc == 0 and "conditions" in json.loads(capsys.readouterr().out)
    import os

    assert os.environ[VAE_ENV] == str(good.resolve())


def test_gradient_tuning_refuses_a_bad_surrogate_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "tuned.json"
    for bad in ("-1", "nan", "inf"):
        with pytest.raises(SystemExit) as exit_:
            main(["tune", str(Path(wann_viz.__file__).parent.parent / "saved_genomes" / "mnist-evolved.json"),
                  "--out", str(out), "--step-surrogate", bad, "--steps", "1"])
        assert exit_.value.code == 2 and "--step-surrogate: must be a finite number" in capsys.readouterr().err
    assert not out.exists()
