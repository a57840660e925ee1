import math

import numpy as np
import pytest

import wann_viz
from wann_viz import Genome, compile_network, forward
from wann_viz.nn import naive_forward

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SAVED, GOLDEN = ROOT / "saved_genomes", ROOT / "tests" / "golden"

STEMS = ["swing", "biped", "racer"]


def rel_err(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


@pytest.mark.parametrize("stem", STEMS)
def test_shared_weights_match_golden(authors_genomes, stem):
    gold = np.load(GOLDEN / f"{stem}_forward.npz")
    out = forward(authors_genomes[stem], gold["inputs"], gold["shared_weights"])
    assert out.shape == gold["shared_outputs"].shape
    assert rel_err(out, gold["shared_outputs"]) < 1e-9


@pytest.mark.parametrize("stem", STEMS)
def test_connection_weights_match_golden(authors_genomes, stem):
    gold = np.load(GOLDEN / f"{stem}_forward.npz")
    out = forward(authors_genomes[stem], gold["inputs"], connection_weights=gold["connection_weights"])
    assert out.shape == gold["connection_outputs"].shape
    assert rel_err(out, gold["connection_outputs"]) < 1e-9


@pytest.mark.parametrize("stem", STEMS)
def test_single_sample_path_matches_golden(authors_genomes, stem):
    gold = np.load(GOLDEN / f"{stem}_forward.npz")
    net = compile_network(authors_genomes[stem])
    for k, w in enumerate(gold["shared_weights"][:3]):
        for b in range(0, 64, 7):
            out = net.forward_batch(gold["inputs"][b:b + 1], w)
            assert rel_err(out[0], gold["shared_outputs"][k, b]) < 1e-9


def test_scalar_weight_gives_k_of_one(authors_genomes):
    gold = np.load(GOLDEN / "swing_forward.npz")
    out = forward(authors_genomes["swing"], gold["inputs"], float(gold["shared_weights"][2]))
    assert out.shape == (1, 64, 1)
    assert rel_err(out[0], gold["shared_outputs"][2]) < 1e-9


def test_per_sample_weights_equal_separate_calls(authors_genomes):
    g = authors_genomes["biped"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, g.n_in))
    w = rng.uniform(-2, 2, size=12)
    net = compile_network(g)
    together = net.forward_batch(x, w)
    for b in range(12):
        np.testing.assert_allclose(together[b], net.forward(x[b:b + 1], w[b])[0, 0], rtol=1e-12)
    # Per-sample connection weights: each row its own weight vector.
    cw = rng.uniform(-2, 2, size=(12, g.n_connections))
    rows = net.forward_batch(x, connection_weights=cw)
    for b in range(0, 12, 5):
        np.testing.assert_allclose(rows[b], net.forward_batch(x[b:b + 1], connection_weights=cw[b])[0], rtol=1e-10)


def test_hand_built_network_by_hand():
    # bias 0, inputs 1-2, hidden 3 = tanh(w*(x1 + x2)), 4 = gaussian(w*bias) (no input but bias),
    # 5 = sin(pi * w * 0) (no sources), output 6 = linear(w*(h3 + h4 + h5)).
    g = Genome(activations=[1, 1, 1, 5, 4, 3, 1], connections=[[1, 3], [2, 3], [0, 4], [3, 6], [4, 6], [5, 6]],
               n_in=2, n_out=1)
    x = np.array([[0.5, -0.2], [1.0, 1.0]])
    for w in (-2.0, 0.7):
        want = [w * (math.tanh(w * (a + b)) + math.exp(-(w * w) / 2) + 0.0) for a, b in x]
        np.testing.assert_allclose(forward(g, x, w)[0, :, 0], want, rtol=1e-13)
        np.testing.assert_allclose(forward(g, x[:1], w)[0, 0, 0], want[0], rtol=1e-13)
    cw = np.array([0.5, -1.0, 2.0, 1.5, -0.5, 3.0])
    want = [1.5 * math.tanh(0.5 * a - b) - 0.5 * math.exp(-2.0) for a, b in x]
    np.testing.assert_allclose(forward(g, x, connection_weights=cw)[:, 0], want, rtol=1e-13)


def test_node_values_are_in_genome_order():
    g = Genome(activations=[1, 1, 7, 1], connections=[[1, 2], [2, 3]], n_in=1, n_out=1)
    out, nodes = compile_network(g).forward(np.array([[3.0]]), [2.0], return_nodes=True)
    assert nodes.shape == (1, 1, 4)
    np.testing.assert_allclose(nodes[0, 0], [1.0, 3.0, -6.0, -12.0])
    np.testing.assert_allclose(out[0, 0], [-12.0])


def test_matches_naive_loop_on_random_inputs(authors_genomes):
    rng = np.random.default_rng(1)
    for g in authors_genomes.values():
        x = rng.normal(size=(5, g.n_in))
        for w in (-1.3, 0.4):
            np.testing.assert_allclose(forward(g, x, w)[0], naive_forward(g, x, w), rtol=1e-10, atol=1e-12)


def test_shape_errors_are_clear(authors_genomes):
    g = authors_genomes["swing"]
    with pytest.raises(ValueError, match=r"shape \(B, 5\)"):
        forward(g, np.zeros((3, 4)), 1.0)
    with pytest.raises(ValueError, match=r"\(52,\)"):
        forward(g, np.zeros((3, 5)), connection_weights=np.zeros(51))
    with pytest.raises(ValueError):
        forward(g, np.zeros((3, 5)))


def test_overflow_propagates_like_numpy():
    # squared of squared of a large input overflows to inf rather than raising.
    g = Genome(activations=[1, 1, 11, 11], connections=[[1, 2], [2, 3]], n_in=1, n_out=1)
    assert np.isinf(forward(g, np.array([[1e100]]), 1.0)[0, 0, 0])
    g2 = Genome(activations=[1, 1, 11, 3], connections=[[1, 2], [2, 3]], n_in=1, n_out=1)
    single = forward(g2, np.array([[1e200]]), 1.0)[0, 0, 0]
    batch = forward(g2, np.array([[1e200], [1.0]]), 1.0)[0, 0, 0]
    assert np.isnan(single) and np.isnan(batch)


def test_shared_weight_is_not_stored(authors_genomes):
    g = authors_genomes["swing"]
    before = wann_viz.genome.genome_to_json(g)
    forward(g, np.zeros((1, 5)), 1.7)
    assert wann_viz.genome.genome_to_json(g) == before
