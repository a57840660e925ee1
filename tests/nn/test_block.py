"""One arithmetic for every forward pass of a block: any block, any batch, and the float program."""

import numpy as np
import pytest

from wann_viz.genome import Genome
from wann_viz.nn import BlockNetwork, ImagesNetwork, compile_plan, naive_forward, run_program, scalar_program
from wann_viz.nn import block as block_module


def random_genome(rng, n_in=6, n_out=2, n_hidden=14, n_conn=70) -> Genome:
    """A random feed-forward genome with every activation and some wide nodes (fan-in up to ~12)."""
    n = 1 + n_in + n_hidden + n_out
    acts = np.ones(n, np.int64)
    acts[1 + n_in:] = rng.integers(1, 12, n_hidden + n_out)
    pairs = {(int(s), n - 1) for s in rng.choice(n - n_out, 12, replace=False)}  # one wide node
    while len(pairs) < n_conn:
        d = int(rng.integers(1 + n_in, n))
        s = int(rng.integers(0, d))
        if s < n - n_out:
            pairs.add((s, d))
    return Genome(activations=acts, connections=np.array(sorted(pairs)), n_in=n_in, n_out=n_out)


def program_outputs(genome, x, w=None, cw=None):
    n_nodes, entries = scalar_program(genome, cw)
    out = []
    for row, sample in enumerate(x):
        v = [0.0] * (n_nodes + 1)
        v[0] = 1.0
        v[1: 1 + genome.n_in] = sample.tolist()
        run_program(entries, v, None if w is None else float(w[row]))
        out.append(v[n_nodes - genome.n_out: n_nodes])
    return np.array(out)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("r", [1, 30, 400])
def test_block_program_and_batch_sizes_agree_bit_for_bit(seed, r):
    rng = np.random.default_rng(seed)
    g = random_genome(rng)
    assert max(np.bincount(g.connections[:, 1])) > 8  # wide nodes: the slot sums are exercised
    x = rng.normal(0, 2, (r, g.n_in))
    w = rng.uniform(-2, 2, r)
    alone = BlockNetwork([g]).forward(x[None], w)[0].T
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(alone, program_outputs(g, x, w))
    # In a block with other genomes, and one sample at a time.
    others = [random_genome(rng) for _ in range(3)]
    mixed = BlockNetwork(others[:1] + [g] + others[1:])
    xs = np.stack([rng.normal(size=(r, g.n_in)), x, rng.normal(size=(r, g.n_in)), rng.normal(size=(r, g.n_in))])
    np.testing.assert_array_equal(mixed.forward(xs, w)[1].T, alone)
    np.testing.assert_array_equal(BlockNetwork([g]).forward(x[None, :1], w[:1])[0].T, alone[:1])


@pytest.mark.parametrize("seed", range(3))
def test_connection_weights_agree_bit_for_bit(seed):
    rng = np.random.default_rng(10 + seed)
    g = random_genome(rng)
    x = rng.normal(0, 2, (200, g.n_in))
    cw = rng.uniform(-2, 2, g.n_connections)
    out = BlockNetwork([g]).forward(x[None], connection_weights=cw)[0].T
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, program_outputs(g, x, cw=cw))
    per_row = BlockNetwork([g]).forward(x[None], connection_weights=np.tile(cw, (200, 1)))[0].T
    np.testing.assert_array_equal(per_row, out)


def test_both_sum_paths_give_the_same_bits(monkeypatch):
    rng = np.random.default_rng(3)
    g = random_genome(rng, n_conn=30)
    x = rng.normal(size=(20, g.n_in))
    w = rng.uniform(-2, 2, 20)
    monkeypatch.setattr(block_module, "REDUCEAT_MAX_VALUES", 10**9)
    by_reduceat = BlockNetwork([g]).forward(x[None], w)
    monkeypatch.setattr(block_module, "REDUCEAT_MAX_VALUES", 0)
    np.testing.assert_array_equal(BlockNetwork([g]).forward(x[None], w), by_reduceat)


@pytest.mark.parametrize("seed", range(4))
def test_every_forward_pass_matches_the_reference_loop(seed):
    rng = np.random.default_rng(20 + seed)
    g = random_genome(rng)
    x = rng.normal(0, 1, (25, g.n_in))
    with np.errstate(all="ignore"):
        ref = naive_forward(g, x, 0.7)
        block = BlockNetwork([g]).forward(x[None], np.full(25, 0.7))[0].T
        images = ImagesNetwork(g).outputs(x, [0.7])[0]
    np.testing.assert_allclose(block, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(images, ref, rtol=1e-9, atol=1e-12)


def test_plan_layers_are_a_topological_order():
    g = random_genome(np.random.default_rng(5))
    plan = compile_plan(g)
    pos = plan.position
    assert all(pos[s] < pos[d] for s, d in g.connections.tolist())
    assert plan.layer[: 1 + g.n_in].tolist() == [0] * (1 + g.n_in) and plan.layer[1 + g.n_in:].min() >= 1
    assert compile_plan(g) is plan  # kept on the genome


def test_a_node_without_inputs_comes_before_what_it_feeds():
    # Hidden node 3 has no inputs: cos(pi * 0) = 1; output 4 = w * node 3 = w, output 5 = w * (x1 + 1).
    g = Genome(activations=np.array([1, 1, 1, 10, 1, 1]), connections=np.array([[3, 4], [1, 5], [3, 5]]),
               n_in=2, n_out=2)
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    w = np.array([-1.5, 0.5])
    expected = np.stack([w, w * (x[:, 0] + 1.0)], axis=1)
    np.testing.assert_allclose(BlockNetwork([g]).forward(x[None], w)[0].T, expected, rtol=1e-15)
    np.testing.assert_allclose(naive_forward(g, x[:1], -1.5), expected[:1], rtol=1e-15)
    assert compile_plan(g).layer.tolist() == [0, 0, 0, 1, 2, 2]
