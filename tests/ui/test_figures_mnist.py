"""The MNIST panel's pure figure builders, on a hand-built genome with known masks (see conftest.py)."""

import json

import numpy as np
import pytest

from wann_viz.graph import trace_all_outputs
from wann_viz.ui import figures
from wann_viz.ui import figures_mnist as fm


def _traces(fig, meta):
    return [t for t in fig["data"] if t.get("meta") == meta]


def _mask(tiny, digit):
    _, masks = trace_all_outputs(tiny)
    return masks[digit].reshape(16, 16)


def _lit(z) -> set[int]:
    """Pixel numbers (row-major) of the non-empty cells of a heatmap's z."""
    return {r * 16 + c for r, row in enumerate(z) for c, v in enumerate(row) if v is not None}


def test_mask_shows_exactly_the_pixels_wired_to_the_digit(tiny_mnist, wiring):
    fig = fm.mask_figure(_mask(tiny_mnist, 3), 3)
    (mask,) = _traces(fig, "mask")
    assert _lit(mask["z"]) == set(wiring.direct(3))
    assert mask["colorscale"][0][1] == fm.DIGIT_COLOURS[3]
    assert fig["layout"]["title"]["text"] == "Digit 3 sees 8 of 256 pixels"
    assert fig["layout"]["yaxis"]["range"] == [15.5, -0.5]  # row 0 on top, as in the image
    # hover names each pixel and says whether it reaches the digit
    back = _traces(fig, "backdrop")[0]
    p = wiring.direct(3)[0]
    assert "reaches digit 3" in back["text"][p // 16][p % 16]
    assert "does not reach" in back["text"][0][0]
    json.dumps(fig, allow_nan=False)


def test_masks_through_hidden_nodes(tiny_mnist, wiring):
    zero = _lit(_traces(fm.mask_figure(_mask(tiny_mnist, 0), 0), "mask")[0]["z"])
    assert zero == set(wiring.direct(0)) | set(wiring.column_7)
    nine = _lit(_traces(fm.mask_figure(_mask(tiny_mnist, 9), 9), "mask")[0]["z"])
    assert nine == set(wiring.direct(9)) | {wiring.gauss_pixel}  # the bias is no pixel


def test_backdrop_is_drawn_under_the_mask(tiny_mnist):
    backdrop = np.zeros((16, 16))
    backdrop[5, 5] = 0.5
    fig = fm.mask_figure(_mask(tiny_mnist, 2), 2, backdrop)
    assert [t["meta"] for t in fig["data"]] == ["backdrop", "mask"]
    assert fig["data"][0]["z"][5][5] == 0.5


def test_grid_of_ten_masks(tiny_mnist):
    _, masks = trace_all_outputs(tiny_mnist)
    fig = fm.mask_grid_figure(masks)
    mask_traces = _traces(fig, "mask")
    assert len(mask_traces) == 10
    assert [t["xaxis"] for t in mask_traces] == ["x"] + [f"x{d + 1}" for d in range(1, 10)]
    for d, t in enumerate(mask_traces):
        assert _lit(t["z"]) == set(np.flatnonzero(masks[d]).tolist())
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes[0] == "<b>0</b>: 23 px" and notes[3] == "<b>3</b>: 8 px"
    # each small image keeps square pixels on its own axes
    assert fig["layout"]["yaxis10"]["scaleanchor"] == "x10"
    json.dumps(fig, allow_nan=False)


def test_bad_mask_arguments():
    with pytest.raises(ValueError):
        fm.mask_figure(np.zeros((16, 8), bool), 1)
    with pytest.raises(ValueError):
        fm.mask_figure(np.zeros((16, 16), bool), 10)


def test_one_digit_highlights_its_subgraph_and_greys_the_rest(tiny_mnist, wiring):
    h = fm.digit_highlight(tiny_mnist, 0)
    assert wiring.tanh in h.nodes and wiring.gauss not in h.nodes
    assert h.focus == {wiring.output0}
    fig = figures.network_figure(tiny_mnist, np.ones(tiny_mnist.n_connections), highlight=h)
    lit = sum(len(t["x"]) // 3 for t in _traces(fig, "edges"))
    dim = sum(len(t["x"]) // 3 for t in _traces(fig, "edges-dim"))
    assert lit == len(h.connections) == 16 + 8 + 1 and lit + dim == tiny_mnist.n_connections
    assert all(t["line"]["color"] == figures.DIM_EDGE for t in _traces(fig, "edges-dim"))
    assert all(t["line"]["color"] == figures.POSITIVE for t in _traces(fig, "edges"))  # weight colours
    nodes = _traces(fig, "nodes")[0]
    assert nodes["marker"]["color"][wiring.output0 + 1] == figures.DIM_NODE
    assert nodes["marker"]["line"]["color"][wiring.output0] == figures.SELECTED
    # 256 pixels: small, unlabelled dots (hover names them)
    assert nodes["text"][1] == "" and nodes["marker"]["size"][1] < figures.IO_NODE_SIZE
    assert "pixel 0" in nodes["hovertext"][1]
    json.dumps(fig, allow_nan=False)


def test_all_digits_colours_each_edge_by_the_digit_it_feeds(tiny_mnist, wiring):
    h = fm.digit_highlight(tiny_mnist, "all")
    conns = tiny_mnist.connections.tolist()
    for k, (s, d) in enumerate(conns):
        if d == wiring.tanh:
            assert h.edge_colours[k] == fm.SEVERAL_DIGITS  # column 7 feeds digits 0 and 1
        elif d >= wiring.output0:
            assert h.edge_colours[k] == fm.DIGIT_COLOURS[d - wiring.output0]
    assert len(h.connections) == tiny_mnist.n_connections
    fig = figures.network_figure(tiny_mnist, np.ones(tiny_mnist.n_connections), highlight=h)
    legend = [t["name"] for t in _traces(fig, "legend")]
    assert "feeds only digit 7" in legend and "feeds several digits" in legend
    assert not _traces(fig, "edges-dim")


def test_profile_heatmap_marks_the_current_weight():
    w = np.round(np.linspace(-2, 2, 41), 10)
    per_digit = np.tile(np.linspace(0, 1, 10), (41, 1))
    overall = np.linspace(0.1, 0.5, 41)
    fig = fm.profile_figure(w, per_digit, overall, current_weight=0.5, current_accuracy=0.42, ensemble=0.6)
    (heat,) = _traces(fig, "digit-accuracy")
    assert np.array(heat["z"]).shape == (10, 41) and heat["z"][9][0] == 100.0 and heat["y"] == list(range(10))
    assert heat["zmin"] == 0 and heat["zmax"] == 100
    (line,) = _traces(fig, "overall")
    assert line["y"][-1] == 50.0
    (now,) = _traces(fig, "current")
    assert now["x"] == [0.5] and now["y"] == [42.0]
    marks = [s for s in fig["layout"]["shapes"] if s["x0"] == 0.5 and s["x1"] == 0.5]
    assert len(marks) == 2  # across the line chart and the heatmap
    assert any(s["y0"] == 60.0 for s in fig["layout"]["shapes"])  # the ensemble's level
    json.dumps(fig, allow_nan=False)


def test_profile_weight_off_the_chart_says_so():
    w = np.linspace(-2, 2, 41)
    fig = fm.profile_figure(w, np.zeros((41, 10)), np.zeros(41), current_weight=7.0, current_accuracy=0.1)
    assert not _traces(fig, "current") and not fig["layout"]["shapes"]
    assert "off this chart" in fig["layout"]["annotations"][0]["text"]
    with pytest.raises(ValueError):
        fm.profile_figure(w, np.zeros((40, 10)), np.zeros(41))


def test_image_figure_is_ink_on_paper_with_optional_mask():
    img = np.zeros((28, 28), np.uint8)
    img[3, 4] = 255
    fig = fm.image_figure(img, "test", vmax=255)
    (heat,) = _traces(fig, "image")
    assert heat["z"][3][4] == 1.0 and heat["z"][0][0] == 0.0 and heat["colorscale"] == fm.INK
    mask = np.zeros((16, 16), bool)
    mask[2, 5] = True
    fig = fm.image_figure(np.zeros((16, 16)), "input", mask=mask)
    (dots,) = _traces(fig, "mask-dots")
    assert dots["x"] == [5] and dots["y"] == [2]


def test_probability_bars():
    p = np.full(10, 0.05)
    p[4] = 0.55
    fig = fm.probability_figure(p, predicted=4, label=4)
    (bars,) = _traces(fig, "probabilities")
    assert bars["y"][4] == 55.0 and bars["marker"]["color"][4] == "#1a7f37"  # right: green
    assert "true" in fig["layout"]["xaxis"]["ticktext"][4]
    wrong = fm.probability_figure(p, predicted=4, label=7)
    assert _traces(wrong, "probabilities")[0]["marker"]["color"][4] == "#b2182b"
    assert "true" in wrong["layout"]["xaxis"]["ticktext"][7]
    blank = fm.probability_figure(None, 0, 3)
    assert "not numbers" in blank["layout"]["annotations"][0]["text"]
