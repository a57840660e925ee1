"""The compiled population pass (wann_viz.nn.jit) against the reference forward pass."""

import math

import numpy as np
import pytest

from wann_viz.genome import Genome
from wann_viz.nn import forward, jit, naive_forward
from wann_viz.nn.images import predictions
from wann_viz.tasks.mnist import mnist_fitness

WEIGHTS = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])


def random_genome(rng, n_in=256, n_out=10, n_hidden=40, n_conn=400) -> Genome:
    """A random MNIST-shaped genome: every activation, most connections from the pixels, in random order."""
    n = 1 + n_in + n_hidden + n_out
    acts = np.ones(n, np.int64)
    acts[1 + n_in:] = rng.integers(1, 12, n_hidden + n_out)
    pairs = set()
    while len(pairs) < n_conn:
        d = int(rng.integers(1 + n_in, n))
        s = int(rng.integers(0, 1 + n_in)) if rng.random() < 0.7 else int(rng.integers(1 + n_in, d + 1))
        if s < d and s < n - n_out:
            pairs.add((s, d))
    conns = np.array(sorted(pairs))
    return Genome(activations=acts, connections=conns[rng.permutation(len(conns))], n_in=n_in, n_out=n_out)


def naive(genome, x, weights):
    """The per-node reference loop (wann_viz.nn.naive_forward) at each weight: (K, B, n_out)."""
    with np.errstate(all="ignore"):
        return np.stack([naive_forward(genome, x, w) for w in weights])


def gap(a, b) -> float:
    """Largest difference, relative to max(1, |b|), over entries finite in both; inf if nan/inf differ."""
    a, b = np.asarray(a), np.asarray(b)
    if not (np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(np.isposinf(a), np.isposinf(b))):
        return np.inf
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok])), initial=0.0))


def test_outputs_match_the_reference_loop_on_random_genomes():
    """Within 1e-9 of the reference loop on every genome whose outputs are defined to 1e-12.

    Random genomes often feed sin, cos or squares of large values to one another, and such
    a genome changes by more than 1e-9 when only the order of its additions changes (the
    reference loop on its connections reversed shows it). On those the compiled pass must
    still be as close to the reference as that reordering is.
    """
    checked = 0
    for seed in range(24):
        rng = np.random.default_rng(seed)
        g = random_genome(rng, n_hidden=int(rng.integers(0, 60)), n_conn=int(rng.integers(50, 500)))
        x = rng.uniform(0, 1, (40, 256))  # MNIST's pixel range
        ref = naive(g, x, WEIGHTS)
        reordered = Genome(activations=g.activations, connections=g.connections[::-1], n_in=g.n_in, n_out=g.n_out)
        sensitivity = gap(naive(reordered, x, WEIGHTS), ref)
        got = gap(jit.population_outputs([g], x, WEIGHTS)[0], ref)
        if sensitivity <= 1e-12:
            checked += 1
            assert got <= 1e-9, (seed, got)
        else:
            assert got <= 1e-9 or got <= 100 * sensitivity, (seed, got, sensitivity)
    assert checked >= 8  # a third of these random genomes are well defined


@pytest.mark.parametrize("seed", range(4))
def test_fitness_and_predictions_follow_the_outputs(seed):
    rng = np.random.default_rng(100 + seed)
    genomes = [random_genome(rng, n_hidden=int(rng.integers(0, 30)), n_conn=int(rng.integers(50, 300)))
               for _ in range(4)]
    x = rng.uniform(0, 1, (600, 256))  # 600 images: two full blocks of 256 and a partial one
    labels = rng.integers(0, 10, 600)
    out = jit.population_outputs(genomes, x, WEIGHTS)
    fit = jit.population_fitness(genomes, x, labels, WEIGHTS)
    pred = jit.population_predict(genomes, x, WEIGHTS)
    for i in range(len(genomes)):
        with np.errstate(all="ignore"):
            want = mnist_fitness(out[i], labels)
        np.testing.assert_allclose(fit[i], want, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(pred[i], predictions(out[i]))
    # The outputs of a block of images equal those of one image at a time.
    one = np.stack([jit.population_outputs(genomes[:1], x[b:b + 1], WEIGHTS)[0, :, 0] for b in range(0, 600, 37)], 1)
    np.testing.assert_array_equal(one, out[0][:, ::37])


def test_a_genome_scores_the_same_alone_and_in_a_population():
    rng = np.random.default_rng(7)
    genomes = [random_genome(rng) for _ in range(5)]
    x = rng.uniform(0, 1, (300, 256))
    labels = rng.integers(0, 10, 300)
    together = jit.population_fitness(genomes, x, labels, WEIGHTS)
    for i, g in enumerate(genomes):
        np.testing.assert_array_equal(jit.population_fitness([g], x, labels, WEIGHTS)[0], together[i])


def test_threads_split_the_population_and_change_no_bit(monkeypatch):
    rng = np.random.default_rng(11)
    # Uneven sizes, so the parts' boundaries follow work rather than counts.
    genomes = [random_genome(rng, n_hidden=int(h), n_conn=int(c))
               for h, c in zip(rng.integers(2, 40, 37), rng.integers(40, 500, 37))]
    x = rng.uniform(0, 1, (300, 256))
    labels = rng.integers(0, 10, 300)
    one = jit.population_fitness(genomes, x, labels, WEIGHTS, threads=1)
    for threads in (2, 3, 4):
        parts = jit._parts([jit.flatten(g) for g in genomes], threads)
        assert len(parts) == threads and parts[0][0] == 0 and parts[-1][1] == 37
        assert all(a < b for a, b in parts) and all(p[1] == q[0] for p, q in zip(parts, parts[1:]))
        np.testing.assert_array_equal(jit.population_fitness(genomes, x, labels, WEIGHTS, threads=threads), one)
        np.testing.assert_array_equal(jit.population_predict(genomes, x, WEIGHTS, threads=threads),
                                      jit.population_predict(genomes, x, WEIGHTS, threads=1))
    # Few genomes stay on one thread; WANN_THREADS sets the default and is checked.
    assert jit._parts([jit.flatten(g) for g in genomes[:9]], 4) == [(0, 9)]
    monkeypatch.setenv("WANN_THREADS", "3")
    assert jit.default_threads() == 3
    monkeypatch.setenv("WANN_THREADS", "many")
    with pytest.raises(ValueError, match="WANN_THREADS"):
        jit.default_threads()


def test_non_finite_outputs_score_minus_infinity():
    # out0 = (w x)^2 squared again and again: overflows to inf at large inputs.
    n_in, n_out = 1, 2
    acts = np.array([1, 1, 11, 11, 11, 11, 1, 1])
    conns = np.array([[1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [1, 7]])
    g = Genome(activations=acts, connections=conns, n_in=n_in, n_out=n_out)
    x = np.array([[1e30], [0.5]])
    fit = jit.population_fitness([g], x, np.array([0, 1]), [1.0])
    assert fit[0, 0] == -np.inf
    with np.errstate(all="ignore"):
        assert mnist_fitness(forward(g, x, [1.0]), np.array([0, 1]))[0] == -np.inf
    ok = jit.population_fitness([g], x[1:], np.array([1]), [1.0])
    assert np.isfinite(ok[0, 0])


def test_bad_calls_are_refused_with_a_reason():
    g = random_genome(np.random.default_rng(0), n_conn=60)
    x = np.zeros((5, 256))
    with pytest.raises(ValueError, match="labels"):
        jit.population_fitness([g], x, np.array([0, 1, 2, 3, 10]), WEIGHTS)
    with pytest.raises(ValueError, match="shape"):
        jit.population_fitness([g], np.zeros((5, 100)), np.zeros(5, int), WEIGHTS)
    assert jit.population_fitness([], x, np.zeros(5, int), WEIGHTS).shape == (0, 6)


def _ulps(got, want):
    spacing = np.spacing(np.maximum(np.abs(want), np.finfo(float).tiny))
    return np.abs(got - want) / spacing


def test_exp_and_tanh_rows_are_within_a_few_ulps_of_numpy():
    rng = np.random.default_rng(3)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, 710.0, -745.0, -745.2, -740.0,
               1e300, -1e300, 1e-300, 0.35, -0.35, 0.34999999999999998, 0.175, 19.0, 20.0]
    x = np.concatenate([rng.uniform(-745, 709.7, 20000), rng.normal(0, 3, 20000),
                        rng.uniform(-1e-6, 1e-6, 1000), special])
    n = x.size
    scratch = (np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64))
    with np.errstate(all="ignore"):
        want = np.exp(x)
    got = np.empty(n)
    jit._exp_row(x, got, scratch[1], scratch[2], scratch[3])
    normal = np.isfinite(want) & (want >= np.finfo(float).tiny)
    assert _ulps(got[normal], want[normal]).max() <= 2
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    assert np.abs(got[~normal & np.isfinite(want)] - want[~normal & np.isfinite(want)]).max() < 1e-300

    v = x.copy()
    jit._tanh_row(v, *scratch)
    want = np.tanh(x)
    finite = np.isfinite(want) & (want != 0)
    assert _ulps(v[finite], want[finite]).max() <= 4
    np.testing.assert_array_equal(np.isnan(v), np.isnan(want))
    assert v[x == np.inf][0] == 1.0 and v[x == -np.inf][0] == -1.0
    assert math.copysign(1.0, v[np.flatnonzero(np.signbit(x) & (x == 0))[0]]) == -1.0  # tanh(-0.0) = -0.0


def test_sin_and_cos_rows_are_numpys_sin_and_cos_of_x_times_pi():
    rng = np.random.default_rng(4)
    special = [0.0, -0.0, 0.5, -0.5, 1.0, 2.0, -1.5, 0.25, 1e-300, 1e6, -3e7, 2.0**19 / np.pi,
               np.inf, -np.inf, np.nan, 1e300]
    x = np.concatenate([rng.uniform(-3, 3, 20000), rng.normal(0, 100, 5000), rng.uniform(-3e5, 3e5, 5000), special])
    quad = np.empty(x.size, np.int64)
    for cosine, fn in ((False, np.sin), (True, np.cos)):
        v = x.copy()
        jit._trig_row(v, cosine, quad)
        with np.errstate(all="ignore"):
            want = fn(x * np.pi)
        np.testing.assert_array_equal(np.isnan(v), np.isnan(want))
        ok = np.isfinite(want)
        assert np.abs(v[ok] - want[ok]).max() <= 4.5e-16  # a couple of ulps of 1


def test_no_images_score_minus_infinity():
    g = random_genome(np.random.default_rng(1), n_conn=60)
    fit = jit.population_fitness([g], np.zeros((0, 256)), np.zeros(0, np.int64), WEIGHTS)
    assert fit.shape == (1, 6) and np.all(fit == -np.inf)
