"""SVG and PNG drawings of networks."""

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from wann_viz.activations import ACTIVATIONS
from wann_viz.export import network_png, network_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return ET.fromstring(svg)


@pytest.mark.parametrize("key", ["swing", "mnist"])
def test_one_circle_per_node_with_its_kind(shipped, key):
    g = shipped[key]
    root = parse(network_svg(g))
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == g.n_nodes
    kinds = [c.get("class").split()[1] for c in circles]
    assert kinds == [g.node_kind(i) for i in range(g.n_nodes)]
    assert [c.get("fill") for c in circles] == [ACTIVATIONS[int(a)].colour for a in g.activations]
    assert len(root.findall(f".//{SVG}line")) == g.n_connections


def test_labels_are_escaped_and_shown(tiny):
    root = parse(network_svg(tiny, title="a <b> & c"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "a <b> & c" in texts and {"bias", "a", "b", "y0", "y 1"} <= set(texts)


def test_edges_coloured_by_sign_and_sized_by_magnitude(tiny):
    w = np.linspace(-2, 2, tiny.n_connections)
    lines = parse(network_svg(tiny, connection_weights=w)).findall(f".//{SVG}line")
    for line, v in zip(lines, w):
        kind = line.get("class").split()[1]
        assert kind == ("positive" if v > 0 else "negative" if v < 0 else "zero")
        assert line.get("stroke") == {"positive": "#1f5fbf", "negative": "#d62728", "zero": "#9e9e9e"}[kind]
    widths = [float(line.get("stroke-width")) for line in lines]
    assert widths[0] > widths[len(widths) // 2] and widths[-1] == widths[0]
    neg = parse(network_svg(tiny, weight=-1.0)).findall(f".//{SVG}line")
    assert {line.get("class") for line in neg} == {"edge negative"}


def test_png_opens_with_the_expected_size(shipped):
    g = shipped["swing"]
    root = parse(network_svg(g))
    w, h = float(root.get("width")), float(root.get("height"))
    for scale in (1, 2):
        img = Image.open(io.BytesIO(network_png(g, connection_weights=g.tuned_weights, scale=scale)))
        assert img.format == "PNG" and img.mode == "RGB"
        assert img.size == (round(w * scale), round(h * scale))
    img = Image.open(io.BytesIO(network_png(g, scale=1))).convert("RGB")
    assert len(np.unique(np.asarray(img).reshape(-1, 3), axis=0)) > 10  # not blank


def test_bad_arguments(tiny):
    with pytest.raises(ValueError, match="not both"):
        network_svg(tiny, weight=1.0, connection_weights=tiny.tuned_weights)
    with pytest.raises(ValueError, match="connection weights"):
        network_svg(tiny, connection_weights=[1.0])
    with pytest.raises(ValueError, match="scale"):
        network_png(tiny, scale=0)
