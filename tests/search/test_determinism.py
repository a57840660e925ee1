"""Same seed and settings give the same run; the batched engines agree with the reference paths."""

import numpy as np

from wann_viz.loop import population_returns
from wann_viz.nn import BlockNetwork, compile_network
from wann_viz.search import engine
from wann_viz.search.algorithm import HISTORY_KEYS, Search
from wann_viz.tasks import swingup
from wann_viz.tasks.registry import make_task


def _history(search):
    return {k: v for k, v in search.history.items() if k != "seconds"}


def _run(settings, n):
    search = Search(settings)
    for _ in range(n):
        search.step()
    return search


def test_same_seed_same_run_and_champion(tiny):
    s = tiny("swingup", population=12, generations=4)
    a, b = _run(s, 4), _run(s, 4)
    assert _history(a) == _history(b)
    ga, ra = a.pick_champion()
    gb, rb = b.pick_champion()
    assert ga == gb and ra == rb
    assert [i.to_dict() for i in a.population] == [i.to_dict() for i in b.population]


def test_another_seed_gives_another_run(tiny):
    a = _run(tiny("swingup", population=12, seed=1), 3)
    b = _run(tiny("swingup", population=12, seed=2), 3)
    assert _history(a) != _history(b)


def _evolved_genomes(tiny, n_gen=6, pop=16):
    search = _run(tiny("swingup", population=pop, generations=n_gen, max_steps=20), n_gen)
    return [ind.to_genome("swingup") for ind in search.population]


def test_block_network_matches_the_single_genome_forward(tiny):
    genomes = _evolved_genomes(tiny)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(len(genomes), 12, 5))
    w = np.repeat([-2.0, -0.5, 0.5, 2.0], 3)
    out = BlockNetwork(genomes).forward(x, w)
    for i, g in enumerate(genomes):
        ref = compile_network(g).forward_batch(x[i], w)
        np.testing.assert_allclose(out[i].T, ref, rtol=1e-12, atol=1e-12)
    shared = BlockNetwork(genomes, shared_inputs=True).forward(x[0], w)
    for i, g in enumerate(genomes):
        np.testing.assert_allclose(shared[i].T, compile_network(g).forward_batch(x[0], w), rtol=1e-12, atol=1e-12)


def test_swingup_batch_physics_follows_the_task_transition():
    rng = np.random.default_rng(1)
    st = swingup.initial_states(range(64))
    st[:, 3] *= 20
    task = swingup.SwingUpTask()
    for _ in range(50):
        a = rng.uniform(-1.5, 1.5, 64)
        cols = tuple(np.ascontiguousarray(st[:, i]) for i in range(4))
        state = swingup.SwingUpState(cols, np.sin(cols[2]), np.cos(cols[2]), 0, np.zeros(64, bool))
        st, obs, rew, term = swingup.transition(st, a)
        _, obs2, r2, t2 = task.step(state, a[:, None])  # the task's batched driver
        np.testing.assert_allclose(r2, rew, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(obs2, obs, rtol=1e-12, atol=1e-12)
        assert np.array_equal(term, t2)


def test_batched_swingup_equals_the_generic_task_loop_and_ignores_chunking(tiny):
    genomes = _evolved_genomes(tiny)
    w = np.array([-1.0, 0.5, 2.0])
    seeds = np.array([5, 6])
    # Dropping finished genomes from the block (every 5 steps) changes nothing.
    fast = population_returns(genomes, make_task("swingup", max_steps=150), w, seeds, 150, compact_every=5)
    slow = population_returns(genomes, make_task("swingup", max_steps=150), w, seeds, 150, compact_every=10**6)
    assert np.array_equal(fast, slow)
    local = engine.LocalEvaluator()
    whole = engine.evaluate_genomes(local, "swingup", genomes, w, seeds, 150)
    sizes = engine.chunk_sizes(genomes, 6, budget=1)  # one genome per chunk
    assert len(sizes) == len(genomes)
    parts = np.concatenate([population_returns(genomes[i:i + 1], make_task("swingup"), w, seeds, 150)
                            for i in range(len(genomes))])
    assert np.array_equal(whole, parts)


def test_history_columns_are_complete(tiny):
    s = _run(tiny("swingup"), 2)
    assert set(s.history) == set(HISTORY_KEYS)
    assert s.history["generation"] == [1, 2]
