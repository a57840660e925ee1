import math

import numpy as np
import pytest

from wann_viz.activations import ACTIVATIONS, apply

X = np.array([-2.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.0])

# The reference table, written out independently.
EXPECTED = {
    1: lambda x: x,
    2: lambda x: 1.0 if x > 0 else 0.0,
    3: lambda x: math.sin(math.pi * x),
    4: lambda x: math.exp(-x * x / 2),
    5: math.tanh,
    6: lambda x: (math.tanh(x / 2) + 1) / 2,
    7: lambda x: -x,
    8: abs,
    9: lambda x: max(0.0, x),
    10: lambda x: math.cos(math.pi * x),
    11: lambda x: x * x,
}


def test_table_has_the_eleven_reference_ids():
    assert sorted(ACTIVATIONS) == list(range(1, 12))
    assert len({a.colour for a in ACTIVATIONS.values()}) == 11
    assert len({a.name for a in ACTIVATIONS.values()}) == 11


@pytest.mark.parametrize("act_id", sorted(EXPECTED))
def test_vectorized_and_scalar_match_formula(act_id):
    want = np.array([EXPECTED[act_id](float(x)) for x in X])
    act = ACTIVATIONS[act_id]
    np.testing.assert_allclose(apply(act_id, X), want, rtol=1e-12, atol=1e-15)
    out = np.full_like(X, np.nan)
    assert act.fn(X, out=out) is out
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([act.scalar(float(x)) for x in X], want, rtol=1e-12, atol=1e-15)
    # 2-D strided views are what the compiled network writes into.
    grid = np.zeros((3, 2 * X.size))
    act.fn(np.tile(X, (3, 1)), out=grid[:, ::2])
    np.testing.assert_allclose(grid[:, ::2], np.tile(want, (3, 1)), rtol=1e-12, atol=1e-15)


def test_step_is_strict_at_zero():
    assert apply(2, np.array([0.0]))[0] == 0.0
    assert apply(2, np.array([1e-300]))[0] == 1.0


def test_exact_twins_give_numpys_bits():
    # The single-episode fast path replays the batched loop bit for bit only if this holds,
    # including for numpy's SIMD tanh and exp, signed zeros, infinities and nan.
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 3, 20000), rng.uniform(-800, 800, 5000),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324, -5e-324]])
    with np.errstate(all="ignore"):
        for act in ACTIVATIONS.values():
            vec = act.fn(x.copy())
            one = np.array([act.exact(float(v)) for v in x])
            same = (vec.view(np.int64) == one.view(np.int64)) | (np.isnan(vec) & np.isnan(one))
            assert same.all(), (act.name, x[~same][:5])


def test_numpy_float64_sin_and_cos_are_the_c_librarys():
    # The exact twins and the swing-up float step use math.sin/cos for numpy's (both call libm).
    x = np.random.default_rng(1).uniform(-1e4, 1e4, 50000)
    assert np.array_equal(np.sin(x), [math.sin(v) for v in x])
    assert np.array_equal(np.cos(x), [math.cos(v) for v in x])
