"""Pure figure builders: genome -> plotly figure dict, no server."""

import json

import numpy as np
import pytest

from wann_viz.activations import ACTIVATIONS
from wann_viz.genome import Genome
from wann_viz.graph import used_inputs
from wann_viz.ui import figures


def _trace(fig, meta):
    traces = [t for t in fig["data"] if t.get("meta") == meta]
    assert traces, f"no trace with meta {meta!r}"
    return traces


@pytest.fixture
def tiny():
    """bias, 3 inputs (input 3 unused), hidden tanh and gaussian, one linear output."""
    return Genome(
        activations=np.array([1, 1, 1, 1, 5, 4, 1]),
        connections=np.array([[1, 4], [2, 4], [0, 5], [4, 6], [5, 6]]),
        n_in=3, n_out=1, input_labels=("a", "b", "c"), output_labels=("out",), name="tiny",
    )


def test_figure_is_plain_json(authors_genomes):
    g = authors_genomes["biped"]
    fig = figures.network_figure(g, np.full(g.n_connections, -1.87))
    text = json.dumps(fig)  # no numpy types, no NaN
    assert "NaN" not in text
    assert set(fig) == {"data", "layout"}


def test_layout_inputs_left_outputs_right_hidden_between(tiny):
    fig = figures.network_figure(tiny, np.ones(5))
    nodes = _trace(fig, "nodes")[0]
    xs = np.array(nodes["x"])
    inputs, hidden, outputs = xs[1:4], xs[4:6], xs[6:]
    assert np.all(inputs == 0.0) and xs[0] == 0.0
    assert np.all(outputs == 1.0)
    assert np.all((hidden > 0) & (hidden < 1))


def test_labels_of_inputs_and_outputs_are_shown(authors_genomes):
    g = authors_genomes["swing"]
    nodes = _trace(figures.network_figure(g, np.ones(g.n_connections)), "nodes")[0]
    assert nodes["text"][1:6] == ["x", "x_dot", "cos(theta)", "sin(theta)", "theta_dot"]
    assert nodes["text"][-1] == "force"
    assert nodes["text"][0] == "bias"
    # Hidden nodes are named by their activation.
    assert nodes["text"][6:-1] == [ACTIVATIONS[int(a)].name for a in g.activations[6:-1]]


def test_nodes_coloured_by_activation_with_a_legend(tiny):
    fig = figures.network_figure(tiny, np.ones(5))
    fills = _trace(fig, "nodes")[0]["marker"]["color"]
    assert fills[4] == ACTIVATIONS[5].colour and fills[5] == ACTIVATIONS[4].colour and fills[6] == ACTIVATIONS[1].colour
    legend = [t["name"] for t in _trace(fig, "legend")]
    assert "tanh: tanh(x)" in legend and "gaussian: exp(-x^2 / 2)" in legend and "linear: x" in legend
    assert "sin: sin(pi x)" not in legend  # only activations in use
    assert "unused input" in legend


def test_unused_inputs_are_greyed(tiny):
    assert used_inputs(tiny).tolist() == [True, True, False]
    nodes = _trace(figures.network_figure(tiny, np.ones(5)), "nodes")[0]
    assert nodes["marker"]["color"][3] == figures.UNUSED
    assert nodes["textfont"]["color"][3] == figures.UNUSED_TEXT
    assert nodes["textfont"]["color"][1] != figures.UNUSED_TEXT
    assert "unused" in nodes["hovertext"][3]


def test_edges_coloured_by_sign_and_sized_by_magnitude(tiny):
    w = np.array([-2.0, 0.5, 1.0, -0.1, 3.0])
    fig = figures.network_figure(tiny, w)
    edges = _trace(fig, "edges")
    # every connection drawn once (3 coordinates per segment)
    assert sum(len(t["x"]) for t in edges) == 3 * 5
    by_colour = {}
    for t in edges:
        by_colour.setdefault(t["line"]["color"], []).append(t["line"]["width"])
    assert set(by_colour) == {figures.POSITIVE, figures.NEGATIVE}
    assert max(by_colour[figures.POSITIVE]) == pytest.approx(round(figures.edge_width(3.0) * 2) / 2)
    handles = _trace(fig, "edge-handles")[0]
    assert handles["marker"]["color"] == [figures.NEGATIVE, figures.POSITIVE, figures.POSITIVE,
                                          figures.NEGATIVE, figures.POSITIVE]
    assert handles["customdata"] == [f"edge:{k}" for k in range(5)]
    assert figures.edge_width(0.1) < figures.edge_width(1.0) < figures.edge_width(3.0)


def test_hover_shows_activation_and_current_value(tiny):
    values = np.array([1.0, 0.2, -0.3, 0.0, 0.123456, 0.9, -1.5])
    fig = figures.network_figure(tiny, np.ones(5), node_values=values)
    hover = _trace(fig, "nodes")[0]["hovertext"]
    assert "tanh" in hover[4] and "tanh(x)" in hover[4] and "value: 0.1235" in hover[4]
    assert "value: -1.5" in hover[6]
    halo = _trace(fig, "halo")[0]["marker"]
    assert halo["size"][6] == pytest.approx(figures.halo_size(-1.5))
    assert halo["color"][6] == figures.NEGATIVE and halo["color"][5] == figures.POSITIVE
    no_values = _trace(figures.network_figure(tiny, np.ones(5)), "nodes")[0]["hovertext"]
    assert all(h.endswith("value: —") for h in no_values)


def test_selected_edge_and_own_weights_are_marked(tiny):
    own = np.array([False, True, False, False, False])
    fig = figures.network_figure(tiny, np.ones(5), selected_edge=1, own_weight=own)
    sel = _trace(fig, "selected-edge")[0]
    nodes_x = _trace(fig, "nodes")[0]["x"]
    assert sel["x"] == [nodes_x[2], nodes_x[4]]  # connection 1 is b -> h4
    handles = _trace(fig, "edge-handles")[0]
    assert handles["marker"]["symbol"][1] == "diamond" and handles["marker"]["symbol"][0] == "circle"
    # the selected dot is ringed in amber (not enlarged: a larger dot would win its neighbours' clicks)
    assert handles["marker"]["line"]["color"][1] == figures.SELECTED != handles["marker"]["line"]["color"][0]
    assert "own weight" in handles["hovertext"][1] and "shared weight" in handles["hovertext"][0]


def test_shape_errors(tiny):
    with pytest.raises(ValueError):
        figures.network_figure(tiny, np.ones(4))
    with pytest.raises(ValueError):
        figures.network_figure(tiny, np.ones(5), node_values=np.ones(3))


def test_non_finite_values_do_not_break_the_figure(tiny):
    values = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, 1.0, 2.0])
    fig = figures.network_figure(tiny, np.array([np.inf, 1, 1, 1, 1]), node_values=values)
    hover = _trace(fig, "nodes")[0]["hovertext"]
    assert "value: nan" in hover[1] and "value: inf" in hover[2] and "value: -inf" in hover[3]
    json.dumps(fig, allow_nan=False)


def test_empty_figure_has_message():
    fig = figures.empty_figure("hello")
    assert fig["layout"]["annotations"][0]["text"] == "hello"


def test_labels_from_uploads_are_escaped():
    g = Genome(activations=np.array([1, 1, 1]), connections=np.array([[1, 2]]), n_in=1, n_out=1,
               input_labels=('<a href="javascript:alert(1)">x</a>',), output_labels=("<b>y</b>",))
    fig = figures.network_figure(g, np.ones(1))
    text = json.dumps(fig)
    assert "<a href" not in text and "<b>y</b>" not in text
    assert "&lt;b&gt;y&lt;/b&gt;" in _trace(fig, "nodes")[0]["text"][2]
