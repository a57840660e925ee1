import networkx as nx
import numpy as np
import pytest

from wann_viz import Genome
from wann_viz.graph import (ancestors, find_cycle, layered_layout, node_layers, to_networkx,
                            topological_order, trace_all_outputs, trace_output, used_inputs)


def diamond():
    """bias 0, inputs 1-3, hidden 4 (from 1, 2) and 5 (from 4), outputs 6 (from 5) and 7 (from 2).

    Input 3 feeds nothing; the bias feeds output 7.
    """
    return Genome(activations=[1, 1, 1, 1, 5, 9, 1, 1],
                  connections=[[1, 4], [2, 4], [4, 5], [5, 6], [2, 7], [0, 7]], n_in=3, n_out=2)


def test_layers_longest_path_outputs_last():
    assert node_layers(diamond()).tolist() == [0, 0, 0, 0, 1, 2, 3, 3]


def test_ancestors_and_used_inputs():
    g = diamond()
    assert ancestors(g, [6]).tolist() == [1, 2, 4, 5, 6]
    assert ancestors(g, [7]).tolist() == [0, 2, 7]
    assert used_inputs(g).tolist() == [True, True, False]


def test_trace_output_subgraph_and_mask():
    g = diamond()
    t = trace_output(g, 0)
    assert t.nodes.tolist() == [1, 2, 4, 5, 6]
    assert g.connections[t.connections].tolist() == [[1, 4], [2, 4], [4, 5], [5, 6]]
    assert t.input_mask.tolist() == [True, True, False]
    traces, masks = trace_all_outputs(g)
    assert masks.tolist() == [[True, True, False], [False, True, False]]
    with pytest.raises(IndexError):
        trace_output(g, 2)


def test_trace_mask_image_for_pixels():
    # 256 pixel inputs; digit 0 reads pixels 0 and 17 through a hidden node, digit 1 reads pixel 255.
    n_in, n_out = 256, 2
    hidden = 1 + n_in
    acts = [1] * (1 + n_in) + [5] + [1] * n_out
    out0, out1 = hidden + 1, hidden + 2
    g = Genome(activations=acts, connections=[[1, hidden], [18, hidden], [hidden, out0], [256, out1]],
               n_in=n_in, n_out=n_out)
    mask = trace_output(g, 0).mask_image()
    assert mask.shape == (16, 16)
    assert np.argwhere(mask).tolist() == [[0, 0], [1, 1]]
    assert np.argwhere(trace_output(g, 1).mask_image()).tolist() == [[15, 15]]


def test_topological_order_and_cycles():
    conns = np.array([[0, 2], [2, 1]])
    assert topological_order(3, conns).tolist() == [0, 2, 1]
    cyc = find_cycle(4, np.array([[0, 1], [1, 2], [2, 3], [3, 1]]))
    assert cyc[0] == cyc[-1] and sorted(cyc[:-1]) == [1, 2, 3]
    assert find_cycle(3, conns) == []


def test_networkx_view(authors_genomes):
    g = authors_genomes["biped"]
    view = to_networkx(g)
    assert view.number_of_nodes() == 103 and view.number_of_edges() == 210
    assert nx.is_directed_acyclic_graph(view)
    assert view.nodes[1]["label"] == "hull_angle" and view.nodes[1]["kind"] == "input"
    assert view.nodes[102]["label"] == "knee_2"
    s, d = g.connections[7]
    assert view.edges[int(s), int(d)]["index"] == 7


def test_layout_columns(authors_genomes):
    for g in authors_genomes.values():
        pos = layered_layout(g)
        layers = node_layers(g)
        assert pos.shape == (g.n_nodes, 2)
        assert np.all((pos >= 0) & (pos <= 1))
        assert np.all(pos[g.input_nodes, 0] == 0) and np.all(pos[g.output_nodes, 0] == 1)
        # x follows the layer; every edge goes left to right.
        assert np.all(np.diff(pos[np.argsort(layers), 0]) >= 0)
        s, d = g.connections.T
        assert np.all(pos[s, 0] < pos[d, 0])
        # Inputs keep file order top to bottom; no two nodes share a position.
        assert np.all(np.diff(pos[g.input_nodes, 1]) < 0)
        assert len({tuple(p) for p in np.round(pos, 9)}) == g.n_nodes
