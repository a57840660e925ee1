"""The one episode loop: the search scores what the explorer replays, to the last bit."""

from pathlib import Path

import numpy as np
import pytest

import wann_viz
from wann_viz.genome import Genome
from wann_viz.loop import clean_outputs, population_returns
from wann_viz.rollout import rollout
from wann_viz.search import engine
from wann_viz.tasks.registry import make_task
from wann_viz.ui.catalog import Catalog
from wann_viz.ui.episodes import run_request

ROOT = Path(__file__).resolve().parents[1]
PAPER_WEIGHTS = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]


@pytest.fixture(scope="module")
def swing():
    return wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json")


def random_genome(rng: np.random.Generator, n_hidden: int = 8, n_conn: int = 18) -> Genome:
    """A random feed-forward swing-up genome using every activation (nodes in topological order)."""
    n_in, n_out = 5, 1
    n = 1 + n_in + n_hidden + n_out
    acts = np.ones(n, np.int64)
    acts[1 + n_in:] = rng.integers(1, 12, n_hidden + n_out)
    pairs = {(int(s), int(d)) for s, d in zip(rng.integers(0, n - 1, 4 * n_conn), rng.integers(1 + n_in, n, 4 * n_conn))
             if s < d}
    conns = sorted(pairs)[:n_conn] + [(0, n - 1)]
    return Genome(activations=acts, connections=np.array(sorted(set(conns))), n_in=n_in, n_out=n_out, task="swingup")


def test_nan_rule():
    out = clean_outputs(np.array([[np.nan, np.inf, -np.inf, 0.5]]))
    np.testing.assert_array_equal(out, [[0.0, np.inf, -np.inf, 0.5]])


def test_search_fitness_equals_the_explorers_replays(swing):
    seeds = [11, 12, 13]
    fitness = engine.evaluate_genomes(engine.LocalEvaluator(), "swingup", [swing], PAPER_WEIGHTS, seeds, 1000)[0]
    replays = np.array([[rollout(swing, "swingup", [s], weight=w, record=False).returns[0] for s in seeds]
                        for w in PAPER_WEIGHTS])
    np.testing.assert_array_equal(fitness, replays)  # (K, E), bit for bit
    assert fitness.mean() == replays.mean()
    # What the explorer's episode payload reports for the same episodes.
    catalog = Catalog()
    for k in (0, 3):
        payload = run_request({"genome": "swingup-authors", "seed": seeds[1], "weight": PAPER_WEIGHTS[k]}, catalog)
        assert payload["final_return"] == round(float(fitness[k, 1]), 4)


def test_pool_evaluator_scores_the_same(swing):
    seeds = [4]
    local = engine.evaluate_genomes(engine.LocalEvaluator(), "swingup", [swing, swing], [-1.5, 0.8], seeds, 400)
    pool = engine.PoolEvaluator(2)
    try:
        spread = engine.evaluate_genomes(pool, "swingup", [swing, swing], [-1.5, 0.8], seeds, 400)
    finally:
        pool.close()
    np.testing.assert_array_equal(local, spread)


def test_nan_outputs_act_as_zero_in_the_search_and_in_replays():
    # out = w * (h - w * h) with h = (w * bias)^2: at w = 1e200, h = inf and the output is inf - inf = nan.
    acts = np.array([1, 1, 1, 1, 1, 1, 11, 7, 1])
    g = Genome(activations=acts, connections=np.array([[0, 6], [6, 7], [6, 8], [7, 8]]), n_in=5, n_out=1,
               task="swingup")
    still = Genome(activations=np.ones(7, int), connections=np.zeros((0, 2), int), n_in=5, n_out=1, task="swingup")
    zero_force = rollout(still, "swingup", [2], weight=1.0, max_steps=120, record=True)
    for eng in ("scalar", "batch"):
        r = rollout(g, "swingup", [2], weight=1e200, max_steps=120, record=True, record_nodes=True, engine=eng)
        assert np.isnan(r.node_values[:, 0, -1]).all()  # the network really says nan ...
        np.testing.assert_array_equal(r.actions, 0.0)   # ... and the task receives 0
        assert r.returns[0] == zero_force.returns[0]
    fitness = engine.evaluate_genomes(engine.LocalEvaluator(), "swingup", [g], [1e200], [2], 120)
    assert fitness[0, 0, 0] == zero_force.returns[0]


@pytest.mark.parametrize("seed", range(6))
def test_scalar_fast_path_is_the_batched_loop_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    g = random_genome(rng)
    w = float(rng.uniform(-2, 2))
    kwargs = [dict(weight=w), dict(schedule=[(0, w), (40, -w), (90, 0.5 * w)]),
              dict(connection_weights=rng.uniform(-2, 2, g.n_connections))]
    for kw in kwargs:
        fast = rollout(g, "swingup", [seed], max_steps=300, record_nodes=True, engine="scalar", **kw)
        slow = rollout(g, "swingup", [seed], max_steps=300, record_nodes=True, engine="batch", **kw)
        assert fast.returns[0] == slow.returns[0], kw
        np.testing.assert_array_equal(fast.node_values, slow.node_values)
        np.testing.assert_array_equal(fast.actions, slow.actions)


def test_population_returns_do_not_depend_on_the_block():
    rng = np.random.default_rng(7)
    genomes = [random_genome(rng) for _ in range(5)]
    task = make_task("swingup")
    together = population_returns(genomes, task, [-1.0, 1.5], [3, 4], 200)
    alone = np.concatenate([population_returns([g], task, [-1.0, 1.5], [3, 4], 200) for g in genomes])
    np.testing.assert_array_equal(together, alone)
    one_by_one = np.array([[[rollout(g, "swingup", [s], weight=w, max_steps=200, record=False).returns[0]
                             for s in (3, 4)] for w in (-1.0, 1.5)] for g in genomes])
    np.testing.assert_array_equal(together, one_by_one)
