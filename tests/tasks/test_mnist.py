"""MNIST data, task, fitness and evaluation, checked on hand-built genomes."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from wann_viz import Genome
from wann_viz.activations import ACTIVATIONS
from wann_viz.nn import compile_network, naive_forward
from wann_viz.tasks import mnist
from wann_viz.tasks.registry import make_task
from wann_viz import mnist_eval as me
from wann_viz.nn import images

ROOT = Path(__file__).resolve().parents[2]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
N_IN, N_OUT = 256, 10


@pytest.fixture(scope="module")
def test_split():
    return mnist.load_mnist("test")


@pytest.fixture(scope="module")
def train_split():
    return mnist.load_mnist("train")


# ----- hand-built genomes ---------------------------------------------------------

def genome(conns, n_hidden=0, hidden_acts=(), out_acts=None, **kw) -> Genome:
    """A 256-in, 10-out genome; hidden nodes are 257.., outputs follow them."""
    n = 1 + N_IN + n_hidden + N_OUT
    acts = np.ones(n, np.int64)
    acts[1 + N_IN: 1 + N_IN + n_hidden] = hidden_acts if len(hidden_acts) else 1
    if out_acts is not None:
        acts[n - N_OUT:] = out_acts
    return Genome(acts, np.array(conns, np.int64).reshape(-1, 2), N_IN, N_OUT, task="mnist", name="hand-made", **kw)


def out_node(d: int, n_hidden: int = 0) -> int:
    return 1 + N_IN + n_hidden + d


def bias_to_three() -> Genome:
    """Output 3 = w (bias through a linear output); the others stay 0."""
    return genome([(0, out_node(3))])


def pixel_detectors() -> Genome:
    """Output d = w * (pixel 60 + 17 d): a linear output per digit."""
    return genome([(1 + 60 + 17 * d, out_node(d)) for d in range(10)])


def random_genome(seed: int, n_hidden: int = 12, n_extra: int = 40) -> Genome:
    """Random feed-forward genome with every activation, some dead and source-less nodes."""
    rng = np.random.default_rng(seed)
    hidden = list(range(1 + N_IN, 1 + N_IN + n_hidden))
    outs = [out_node(d, n_hidden) for d in range(10)]
    conns = set()
    for h in hidden[:-2]:  # the last two hidden nodes get no inputs: they compute act(0)
        conns.add((int(rng.integers(0, h)), h))
    for o in outs[:-1]:  # output 9 has no inputs either
        for s in rng.choice(hidden + list(range(0, 1 + N_IN)), 3, replace=False):
            conns.add((int(s), o))
    while len(conns) < n_hidden + 27 + n_extra:
        d = int(rng.choice(hidden + outs[:-1]))
        s = int(rng.integers(0, min(d, 1 + N_IN + n_hidden)))
        conns.add((s, d))
    acts = rng.integers(1, len(ACTIVATIONS) + 1, n_hidden)
    return genome(sorted(conns), n_hidden, acts, out_acts=rng.integers(1, 11, 10))


def brute_predictions(g: Genome, inputs: np.ndarray, weight: float) -> np.ndarray:
    """Argmax of the lead's network outputs, one image at a time (nan loses, ties go low)."""
    out = compile_network(g).forward(np.asarray(inputs, float), weight)[0]
    pred = []
    for row in out:
        best, best_v = 0, -math.inf
        for d, v in enumerate(row):
            if not math.isnan(v) and v > best_v:
                best, best_v = d, v
        pred.append(best)
    return np.array(pred)


# ----- data -----------------------------------------------------------------------

def test_shipped_arrays_match_the_recorded_hashes():
    with np.load(mnist.DATA_PATH, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(mnist.ARRAY_SHA256)
        for name, digest in mnist.ARRAY_SHA256.items():
            assert archive[name].dtype == np.uint8
            assert mnist.array_sha256(archive[name]) == digest, name
    readme = (ROOT / "data" / "README.md").read_text()
    for digest in mnist.ARRAY_SHA256.values():
        assert digest in readme
    assert re.search(r"CC BY-SA 3\.0", readme) and "LeCun" in readme


def test_splits_have_the_standard_sizes_and_digit_counts(test_split, train_split):
    images, inputs, labels = test_split
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert inputs.shape == (10_000, 256) and inputs.dtype == np.float32
    assert labels.shape == (10_000,)
    assert np.bincount(labels).tolist() == TEST_COUNTS
    assert np.bincount(train_split[2]).tolist() == TRAIN_COUNTS
    assert train_split[0].shape == (60_000, 28, 28) and train_split[1].shape == (60_000, 256)


def test_loaded_arrays_are_cached_and_read_only(test_split):
    again = mnist.load_mnist("test")
    assert all(a is b for a, b in zip(again, test_split))
    for a in test_split:
        with pytest.raises(ValueError):
            a[0] = 0


def test_inputs_are_the_preprocessed_images(test_split):
    images, inputs, _ = test_split
    idx = np.array([0, 1, 2, 777, 9999])
    assert mnist.preprocess(images[idx]).tobytes() == inputs[idx].tobytes()
    assert 0.0 <= inputs.min() and inputs.max() <= 1.0 + 1e-6


def test_unknown_split():
    with pytest.raises(ValueError, match="split"):
        mnist.load_mnist("validation")


def test_missing_file_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_mnist_data"):
        mnist.load_mnist("test", tmp_path / "nope.npz")


def test_build_script_reads_idx_and_checks_md5(tmp_path):
    import gzip
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_mnist_data", ROOT / "scripts" / "build_mnist_data.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    raw = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(range(12))
    np.testing.assert_array_equal(build.read_idx(raw), np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    path = tmp_path / "x.idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(ValueError, match="md5"):
        build.read_gz(path, "0" * 32)
    with pytest.raises(ValueError, match="idx"):
        build.read_idx(b"\x01\x02")


# ----- task -----------------------------------------------------------------------

def test_task_shows_image_seed_mod_n_and_pays_for_the_right_digit(test_split):
    images, inputs, labels = test_split
    task = make_task("mnist")
    assert isinstance(task, mnist.MnistTask) and task.max_steps == 1
    seeds = [0, 5, 10_007]
    state, obs = task.reset(seeds)
    np.testing.assert_array_equal(obs, inputs[[0, 5, 7]])
    assert task.frame(state, 0)["predicted"] is None
    outputs = np.zeros((3, 10))
    outputs[0, labels[0]] = 1.0  # right
    outputs[1, (labels[5] + 1) % 10] = 1.0  # wrong
    outputs[2, labels[7]] = np.nan  # nan never wins: predicts digit 0 (ties go low)
    state, obs2, rewards, done = task.step(state, outputs)
    np.testing.assert_array_equal(rewards, [1.0, 0.0, float(labels[7] == 0)])
    assert done.all() and obs2.shape == (3, 256)
    frame = task.frame(state, 1)
    assert frame == {"index": 5, "label": int(labels[5]), "predicted": int((labels[5] + 1) % 10), "correct": False}
    scene = task.scene(state, 0)
    np.testing.assert_array_equal(np.array(scene["image"]), images[0])
    json.dumps([frame, scene])
    # A finished episode pays nothing more and keeps its prediction.
    state, _, rewards, _ = task.step(state, np.zeros((3, 10)))
    np.testing.assert_array_equal(rewards, 0.0)
    assert task.frame(state, 1)["predicted"] == int((labels[5] + 1) % 10)


def test_train_split_task():
    task = mnist.MnistTask(split="train")
    state, obs = task.reset([59_999, 60_000])
    _, inputs, _ = mnist.load_mnist("train")
    np.testing.assert_array_equal(obs, inputs[[59_999, 0]])
    with pytest.raises(ValueError, match="outputs"):
        task.step(state, np.zeros((2, 9)))


# ----- search-time fitness ----------------------------------------------------------

def test_fitness_is_minus_mean_cross_entropy():
    rng = np.random.default_rng(0)
    outputs = rng.normal(0, 3, (4, 7, 10))
    labels = rng.integers(0, 10, 7)
    expected = []
    for k in range(4):
        ce = []
        for b in range(7):
            z = outputs[k, b]
            ce.append(-(z[labels[b]] - math.log(sum(math.exp(v) for v in z))))
        expected.append(-sum(ce) / 7)
    np.testing.assert_allclose(mnist.mnist_fitness(outputs, labels), expected, rtol=1e-12)
    np.testing.assert_allclose(mnist.mnist_fitness(np.zeros((1, 3, 10)), [0, 1, 2]), [-math.log(10)])
    big = np.zeros((1, 2, 10))
    big[0, [0, 1], [4, 2]] = 1e4  # huge outputs must not overflow
    np.testing.assert_allclose(mnist.mnist_fitness(big, [4, 2]), [0.0], atol=1e-12)
    bad = np.zeros((2, 2, 10))
    bad[1, 0, 0] = np.nan
    assert mnist.mnist_fitness(bad, [0, 1]).tolist() == [-math.log(10), -math.inf]


def test_training_batch_is_seeded_and_distinct(train_split):
    x, y = mnist.training_batch(7)
    x2, y2 = mnist.training_batch(7)
    assert x.shape == (1000, 256) and y.shape == (1000,)
    assert x.tobytes() == x2.tobytes() and np.array_equal(y, y2)
    assert not np.array_equal(mnist.training_batch(8)[1], y)
    rows = {r.tobytes() for r in x}
    assert len(rows) > 990  # drawn without replacement (a few training images are duplicates)


# ----- the evaluator's forward pass -------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_evaluator_matches_the_network(seed, test_split):
    g = random_genome(seed)
    x = test_split[1][seed * 100: seed * 100 + 64]
    ev = me.evaluator(g)
    w = np.array([-2.0, -0.7, 0.0, 0.5, 1.3])
    np.testing.assert_allclose(ev.outputs(x, w), compile_network(g).forward(x.astype(float), w),
                               rtol=1e-9, atol=1e-12, equal_nan=True)
    cw = np.random.default_rng(seed).uniform(-2, 2, (3, g.n_connections))
    got = ev.outputs(x, connection_weights=cw)
    for k in range(3):
        np.testing.assert_allclose(got[k], naive_forward(g, x[:64], connection_weights=cw[k]),
                                   rtol=1e-9, atol=1e-12, equal_nan=True)


def test_blocking_does_not_change_predictions(monkeypatch, test_split):
    g = random_genome(5)
    x = test_split[1][:3000]
    w = np.linspace(-2, 2, 7)
    full = me.evaluator(g).predict(x, w)
    monkeypatch.setattr(images, "_BLOCK_FLOATS", 5000)
    np.testing.assert_array_equal(me.MnistEvaluator(g).predict(x, w), full)
    cw = np.random.default_rng(1).uniform(-2, 2, (3, g.n_connections))
    np.testing.assert_array_equal(me.MnistEvaluator(g).predict(x, connection_weights=cw),
                                  me.evaluator(g).predict(x, connection_weights=cw))


def test_evaluator_refuses_other_sizes():
    small = Genome(np.ones(1 + 5 + 1, np.int64), np.array([[1, 6]]), 5, 1)
    with pytest.raises(ValueError, match="256 inputs"):
        me.MnistEvaluator(small)


# ----- metrics ----------------------------------------------------------------------

def test_known_answers_of_a_constant_genome(test_split):
    g = bias_to_three()
    counts = np.array(TEST_COUNTS)
    w = [-1.0, 0.0, 0.5, 2.0]  # w > 0 says 3; w <= 0 leaves 0 on top (ties go to the lower digit)
    np.testing.assert_allclose(me.accuracy(g, w), counts[[0, 0, 3, 3]] / 10_000)
    digits = me.per_digit_accuracy(g, w)
    np.testing.assert_array_equal(digits[0], np.eye(10)[0])
    np.testing.assert_array_equal(digits[3], np.eye(10)[3])
    conf = me.confusion_matrix(g, 0.5)
    expected = np.zeros((10, 10), np.int64)
    expected[:, 3] = counts
    np.testing.assert_array_equal(conf, expected)
    # Ensemble of -2, -1, -0.5, 0.5, 1, 2: three votes each for 0 and 3, tie to 0.
    assert me.ensemble_accuracy(g) == pytest.approx(980 / 10_000)
    assert me.ensemble_accuracy(g, [-1.0, 1.0, 2.0]) == pytest.approx(1010 / 10_000)
    # Training set: more 3s (6131) than 0s (5923), so the first positive weight wins.
    tuned = me.tuned_weight(g, [-1.5, -0.5, 0.3, 1.2])
    assert tuned == {"weight": 0.3, "train_accuracy": pytest.approx(6131 / 60_000),
                     "test_accuracy": pytest.approx(1010 / 10_000)}


def test_metrics_match_brute_force(test_split):
    _, inputs, labels = test_split
    for g in (pixel_detectors(), random_genome(11)):
        w = [-1.5, 0.5, 1.0]
        brute = np.stack([brute_predictions(g, inputs, v) for v in w])
        np.testing.assert_array_equal(me.predict(g, w), brute)
        acc = [sum(int(p == t) for p, t in zip(row, labels)) / len(labels) for row in brute]
        np.testing.assert_allclose(me.accuracy(g, w), acc)
        digits = me.per_digit_accuracy(g, w)
        for k in range(3):
            for d in range(10):
                sel = labels == d
                assert digits[k, d] == pytest.approx((brute[k][sel] == d).mean())
        conf = np.zeros((10, 10), np.int64)
        for p, t in zip(brute[1], labels):
            conf[t, p] += 1
        np.testing.assert_array_equal(me.confusion_matrix(g, 0.5), conf)
        ens = []
        for i in range(len(labels)):
            votes = [0] * 10
            for k in range(3):
                votes[brute[k][i]] += 1
            ens.append(max(range(10), key=lambda d: (votes[d], -d)))
        assert me.ensemble_accuracy(g, w) == pytest.approx(np.mean(np.array(ens) == labels))


def test_tuned_weight_is_the_best_on_train_reported_on_test(train_split):
    g = pixel_detectors()
    grid = [-1.0, 1.0]
    _, inputs, labels = train_split
    train_acc = [(brute_predictions(g, inputs, v) == labels).mean() for v in grid]
    best = grid[int(np.argmax(train_acc))]
    tuned = me.tuned_weight(g, grid)
    assert tuned["weight"] == best and tuned["train_accuracy"] == pytest.approx(max(train_acc))
    assert tuned["test_accuracy"] == pytest.approx(me.accuracy(g, best)[0])


# ----- evaluate_conditions --------------------------------------------------------

def test_evaluate_conditions_shape_and_values():
    g = pixel_detectors()
    g = g.with_changes(tuned_weights=np.full(g.n_connections, 0.5))
    calls = []
    res = mnist.evaluate_conditions(g, [-1.0, 0.5, 2.0], 3, lambda d, t: calls.append((d, t)), n_random=5)
    assert calls == [(i, 6) for i in range(1, 7)]
    json.dumps(res, allow_nan=False)
    cond = res["conditions"]
    assert set(cond) == {"random_weights", "random_shared_weight", "tuned_shared_weight", "tuned_weights", "ensemble"}
    acc = me.accuracy(g, [-1.0, 0.5, 2.0])
    assert [p["weight"] for p in res["profile"]] == [-1.0, 0.5, 2.0]
    np.testing.assert_allclose([p["mean"] for p in res["profile"]], acc)
    digits = me.per_digit_accuracy(g, [-1.0, 0.5, 2.0])
    np.testing.assert_allclose([p["sd"] for p in res["profile"]], digits.std(axis=1))
    np.testing.assert_allclose(res["digit_accuracy"]["accuracy"], digits)
    # 2.0 is not strictly inside (-2, 2), so tuning picks from -1 and 0.5.
    assert cond["tuned_shared_weight"]["weight"] in (-1.0, 0.5)
    # Per-connection weights all 0.5 are the shared weight 0.5.
    assert cond["tuned_weights"]["mean"] == pytest.approx(acc[1])
    assert cond["ensemble"]["weights"] == list(me.SEARCH_WEIGHTS)
    assert cond["ensemble"]["mean"] == pytest.approx(me.ensemble_accuracy(g))
    for name in ("random_weights", "random_shared_weight"):
        assert 0.0 <= cond[name]["mean"] <= 1.0 and cond[name]["sd"] >= 0.0
    again = mnist.evaluate_conditions(g, [-1.0, 0.5, 2.0], 3, n_random=5)
    assert again == res


def test_evaluate_conditions_without_tuned_weights_adds_the_best_known_weight():
    g = bias_to_three().with_changes(best_shared_weight=0.25)
    res = mnist.evaluate_conditions(g, [-1.0, 1.0], n_random=2)
    assert res["conditions"]["tuned_weights"] == {"mean": None, "sd": None}
    assert [p["weight"] for p in res["profile"]] == [-1.0, 0.25, 1.0]
    assert res["conditions"]["tuned_shared_weight"]["weight"] == 0.25  # first of the equally good positives
