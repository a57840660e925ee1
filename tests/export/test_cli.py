"""``python -m wann_viz export``."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from wann_viz import forward, load_genome
from wann_viz.cli import main

from ._genomes import SAVED

SWING = str(SAVED / "swingup-authors.json")


@pytest.mark.parametrize("fmt", ["json", "out", "onnx", "svg", "png"])
def test_writes_each_format(fmt, tmp_path, capsys):
    assert main(["export", SWING, "--to", fmt, "-o", str(tmp_path / "net"), "--weight", "-1.5"]) == 0
    printed = capsys.readouterr().out.split()
    suffix = {"out": ".out"}.get(fmt, "." + fmt)
    assert printed[0] == str(tmp_path / ("net" + suffix))
    path = Path(printed[0])
    if fmt == "json":
        assert load_genome(path) == load_genome(SWING)
    elif fmt == "out":
        assert printed[1] == str(tmp_path / "net.wann.json")
        x = np.random.default_rng(0).normal(size=(8, 5))
        np.testing.assert_array_equal(forward(load_genome(path, task="swingup"), x, [-1.5, 1.0]),
                                      forward(load_genome(SWING), x, [-1.5, 1.0]))
    elif fmt == "onnx":
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
        default = next(t for t in model.graph.initializer if t.name == "shared_weight")
        assert onnx.numpy_helper.to_array(default) == -1.5
    elif fmt == "svg":
        assert path.read_text().startswith("<svg")
        assert 'class="edge negative"' in path.read_text()
    else:
        assert Image.open(io.BytesIO(path.read_bytes())).mode == "RGB"


def test_tuned_onnx_and_format_from_suffix(tmp_path, capsys):
    out = tmp_path / "tuned.onnx"
    assert main(["export", SWING, "--tuned", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    model = onnx.load(str(out))
    assert [i.name for i in model.graph.input] == ["x"]


def test_out_genome_with_task(tmp_path, capsys):
    assert main(["export", SWING, "--to", "out", "-o", str(tmp_path / "a.out")]) == 0
    capsys.readouterr()
    assert main(["export", str(tmp_path / "a.out"), "--task", "swingup", "-o", str(tmp_path / "b.json")]) == 0
    assert load_genome(tmp_path / "b.json").input_labels == load_genome(SWING).input_labels


@pytest.mark.parametrize("args, message", [
    (["--to", "xyz"], "unknown format 'xyz'"),
    (["--tuned", "--weight", "1"], "not both"),
    (["--weight", "abc"], "--weight must be a number"),
    (["--to", "svg", "--task", "nope"], "unknown task 'nope'"),
])
def test_bad_options_are_clean_errors(args, message, tmp_path, capsys):
    assert main(["export", SWING, "-o", str(tmp_path / "x.onnx"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_bad_files_are_clean_errors(tmp_path, capsys):
    mnist = str(SAVED / "mnist-evolved.json")
    untuned = tmp_path / "untuned.json"  # the shipped MNIST genome without its tuned weights
    doc = json.loads(Path(mnist).read_text())
    doc.pop("tuned_weights", None)
    untuned.write_text(json.dumps(doc))
    mnist = str(untuned)
    cases = [
        (["export", str(tmp_path / "missing.json"), "-o", str(tmp_path / "a.onnx")], "cannot read"),
        (["export", mnist, "--tuned", "-o", str(tmp_path / "a.onnx")], "the genome has none"),
        (["export", SWING, "-o", str(tmp_path / "nowhere" / "a.onnx")], "does not exist"),
        (["export", SWING, "-o", str(tmp_path / "a.txt")], "--to"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err, err


def test_subprocess_prints_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "wann_viz", "export", "nope.json", "--to", "onnx", "-o",
                           str(tmp_path / "a")], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: nope.json") and "Traceback" not in proc.stderr
    assert json.dumps(proc.stdout) == '""'
