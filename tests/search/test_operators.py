"""Variation operators keep genomes valid and feed-forward; ranking basics."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from wann_viz.graph import topological_order
from wann_viz.search import genes
from wann_viz.search.algorithm import pack_individuals, unpack_individuals
from wann_viz.search.genes import Individual, initial_individual, mutate
from wann_viz.search.ranking import crowding_distance, nondominated_fronts, rank_order, tournament

ACTS = tuple(range(1, 11))
OPS = ("change_activation", "add_node", "add_connection", "enable")


def _assert_valid(ind: Individual) -> None:
    ind.check()
    g = ind.to_genome()  # Genome validation refuses loops, duplicates and bad ends
    assert topological_order(g.n_nodes, g.connections) is not None
    assert g.n_connections == ind.n_enabled
    assert g.n_nodes == ind.n_nodes
    # Outputs are the last nodes and keep their order; bias and inputs lead.
    order = ind.node_order()
    assert order[: 1 + ind.n_in].tolist() == list(range(1 + ind.n_in))
    assert order[-ind.n_out:].tolist() == list(range(ind.first_output, ind.first_hidden))
    if g.n_connections:
        assert (g.connections[:, 0] < g.connections[:, 1]).all()  # topological numbering


@settings(max_examples=60, deadline=None)
@given(
    n_in=st.integers(1, 6), n_out=st.integers(1, 3), p=st.floats(0.05, 1.0), seed=st.integers(0, 2**32 - 1),
    ops=st.lists(st.sampled_from(OPS + ("mutate",)), min_size=1, max_size=40),
)
def test_any_sequence_of_operators_keeps_the_genome_valid(n_in, n_out, p, seed, ops):
    rng = np.random.default_rng(seed)
    ind = initial_individual(n_in, n_out, p, 1, rng)
    _assert_valid(ind)
    for op in ops:
        before_nodes, before_on = ind.n_nodes, ind.n_enabled
        if op == "change_activation":
            child = genes.change_activation(ind, rng, ACTS)
        elif op == "add_node":
            child = genes.add_node(ind, rng, ACTS)
        elif op == "add_connection":
            child = genes.add_connection(ind, rng)
        elif op == "enable":
            child = genes.enable_connection(ind, rng)
        else:
            child, _ = mutate(ind, rng, {"change_activation": 0.5, "add_node": 0.25, "add_connection": 0.2,
                                         "enable": 0.05}, ACTS)
        if child is None:
            continue
        _assert_valid(child)
        if op == "add_node":
            assert child.n_nodes == before_nodes + 1 and child.n_enabled == before_on + 1
        elif op in ("add_connection", "enable"):
            assert child.n_nodes == before_nodes and child.n_enabled == before_on + 1
        elif op == "change_activation":
            changed = np.flatnonzero(child.activations != ind.activations)
            assert changed.size == 1 and changed[0] >= ind.first_hidden
        ind = child
    # Checkpoint round trips keep the individual exactly.
    back = unpack_individuals(pack_individuals([ind]))[0]
    assert np.array_equal(back.activations, ind.activations)
    assert np.array_equal(back.connections, ind.connections)
    assert np.array_equal(Individual.from_dict(ind.to_dict()).connections, ind.connections)


def test_initial_networks_have_only_input_output_connections():
    rng = np.random.default_rng(0)
    ind = initial_individual(5, 1, 0.5, 1, rng)
    assert ind.n_nodes == 7 and len(ind.connections) == 6  # bias + 5 inputs -> 1 output
    assert set(ind.connections[:, 1].tolist()) == {6}


def test_add_connection_refuses_a_full_network():
    # 1 input, 1 output, both possible connections present: nothing to add.
    ind = Individual(1, 1, np.ones(3, np.int64), np.array([[0, 2, 1], [1, 2, 0]]))
    assert genes.add_connection(ind, np.random.default_rng(0)) is None
    child, op = mutate(ind, np.random.default_rng(0), {"add_connection": 1.0, "enable": 1.0}, ACTS)
    assert op == "enable" and child.n_enabled == 2


def test_mutate_without_applicable_operator_returns_the_parent():
    ind = Individual(1, 1, np.ones(3, np.int64), np.zeros((0, 3), np.int64))
    child, op = mutate(ind, np.random.default_rng(0), {"change_activation": 1.0, "enable": 1.0}, ACTS)
    assert op is None and child is ind


def test_check_finds_a_loop():
    ind = Individual(1, 1, np.ones(5, np.int64), np.array([[3, 4, 0], [4, 3, 1]]))
    with pytest.raises(ValueError, match="loop"):
        ind.check()


def test_nondominated_fronts_and_order():
    f = np.array([[3, 1], [1, 3], [2, 2], [1, 1], [0, 0], [2, 2]], float)
    front = nondominated_fronts(f)
    assert front.tolist() == [0, 0, 0, 1, 2, 0]
    order = rank_order(f)
    assert set(order[:4].tolist()) == {0, 1, 2, 5} and order[-1] == 4
    assert np.isinf(crowding_distance(f[[0, 1, 2]])[[0, 1]]).all()


def test_tournament_picks_the_best_ranked_entrant():
    rank_of = np.array([3, 0, 2, 1])
    pool = np.arange(4)
    rng = np.random.default_rng(0)
    wins = [tournament(rank_of, pool, 4, rng) for _ in range(50)]
    assert wins.count(1) > 30  # index 1 is rank 0: it wins whenever drawn
