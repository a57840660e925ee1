"""The authors' .out matrix and .wann.json writers round-trip through this repo's readers."""

import json

import numpy as np
import pytest

from wann_viz import attach_tuned_weights, forward, load_genome
from wann_viz.export.matrix import (
    genome_to_matrix_text,
    topological_numbering,
    tuned_weights_document,
    tuned_weights_offset,
    write_out,
)
from wann_viz.genome import genome_from_matrix_text, read_tuned_weights

from ._genomes import SHIPPED, golden_inputs

WEIGHTS = [-2.0, -0.5, 0.8, 1.5]


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_out_loads_back_with_identical_outputs(shipped, key, tmp_path):
    g = shipped[key]
    paths = write_out(g, tmp_path / key)
    assert paths[0] == tmp_path / f"{key}.out"
    back = load_genome(paths[0], task=g.task)
    assert back.n_nodes == g.n_nodes and back.n_connections == g.n_connections
    assert np.array_equal(back.activations, g.activations)
    x = golden_inputs(key, g.n_in)
    np.testing.assert_array_equal(forward(back, x, WEIGHTS), forward(g, x, WEIGHTS))
    if g.tuned_weights is None:
        assert len(paths) == 1
        return
    assert paths[1] == tmp_path / f"{key}.wann.json"
    tuned = attach_tuned_weights(back, paths[1], tuned_weights_offset(g))
    np.testing.assert_allclose(tuned.tuned_weights, g.tuned_weights, rtol=0, atol=1e-12)
    np.testing.assert_allclose(forward(tuned, x, connection_weights=tuned.tuned_weights),
                               forward(g, x, connection_weights=g.tuned_weights), rtol=0, atol=1e-12)
    # the authors' format holds the score's mean and sd (not what it measured)
    for k in ("mean", "sd"):
        assert tuned.extra["tuned_weights_score"].get(k) == g.extra["tuned_weights_score"].get(k)


def test_text_format(shipped):
    g = shipped["swing"]
    text = genome_to_matrix_text(g, tuned=False)
    rows = text.splitlines()
    assert text.endswith("\n") and len(rows) == g.n_nodes
    cells = [r.split(",") for r in rows]
    assert all(len(c) == g.n_nodes + 1 for c in cells)
    assert cells[0][10] == "1.00e+00" and cells[0][0] == "0.00e+00"
    assert [float(c[-1]) for c in cells] == g.activations.tolist()
    m = np.array([[float(v) for v in c[:-1]] for c in cells])
    assert np.all(np.tril(m) == 0)  # strictly upper triangular
    assert set(np.unique(m)) == {0.0, 1.0}
    # Tuned values are the stored connection values (3 significant digits).
    tuned = np.array([[float(v) for v in r.split(",")[:-1]] for r in genome_to_matrix_text(g).splitlines()])
    src, dst = g.connections.T
    np.testing.assert_allclose(tuned[src, dst], g.tuned_weights, rtol=5e-3)


def test_authors_document_shape_and_offset(shipped):
    g = shipped["swing"]
    params, score = tuned_weights_document(g)
    assert score == 932.0 and len(params) == g.n_connections
    assert tuned_weights_offset(g) == -1.5
    assert params[0] == -0.1783  # the authors' own number, not -0.1782999999999999
    racer = tuned_weights_document(shipped["racer"])
    assert len(racer) == 3 and racer[2] == pytest.approx(36.900261900968346)


def test_offset_falls_back_to_best_weight_then_zero(shipped):
    g = shipped["swing"]
    extra = {k: v for k, v in g.extra.items() if k != "tuned_weights_offset"}
    assert tuned_weights_offset(g.with_changes(extra=extra)) == 0.8
    assert tuned_weights_offset(g.with_changes(extra=extra, best_shared_weight=None)) == 0.0
    doc = tuned_weights_document(g.with_changes(extra={}, best_shared_weight=None))
    assert doc[1] == 0.0  # no recorded score: read_tuned_weights needs a number
    np.testing.assert_array_equal(doc[0], g.tuned_weights)


def test_non_topological_genome_round_trips(shuffled, tmp_path):
    g = shuffled
    numbering = topological_numbering(g)
    assert numbering.tolist() == [0, 1, 2, 3, 7, 6, 5, 4, 8, 9]
    out, wann = write_out(g, tmp_path / "s.out")
    back = genome_from_matrix_text(out.read_text(), n_in=3, n_out=2)
    assert back.activations.tolist() == g.activations[numbering].tolist()
    assert np.all(back.connections[:, 0] < back.connections[:, 1])
    x = np.random.default_rng(1).normal(size=(16, 3))
    np.testing.assert_allclose(forward(back, x, WEIGHTS), forward(g, x, WEIGHTS), rtol=0, atol=1e-12)
    tuned = attach_tuned_weights(back, wann, tuned_weights_offset(g))
    np.testing.assert_allclose(forward(tuned, x, connection_weights=tuned.tuned_weights),
                               forward(g, x, connection_weights=g.tuned_weights), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.sort(tuned.tuned_weights), np.sort(g.tuned_weights), rtol=0, atol=1e-12)


def test_every_activation_genome_round_trips(tiny, tmp_path):
    out, wann = write_out(tiny, tmp_path / "tiny")
    back = attach_tuned_weights(genome_from_matrix_text(out.read_text(), n_in=2, n_out=2), wann, 0.7)
    x = np.random.default_rng(2).normal(size=(16, 2))
    np.testing.assert_array_equal(forward(back, x, WEIGHTS), forward(tiny, x, WEIGHTS))
    np.testing.assert_allclose(back.tuned_weights, tiny.tuned_weights, rtol=0, atol=1e-12)
    _, score, sd = read_tuned_weights(wann)
    assert (score, sd) == (12.5, 0.25)


def test_zero_tuned_weight_keeps_its_connection(tiny, tmp_path):
    tw = tiny.tuned_weights.copy()
    tw[0] = 0.0
    g = tiny.with_changes(tuned_weights=tw)
    back = genome_from_matrix_text(genome_to_matrix_text(g), n_in=2, n_out=2)
    assert back.n_connections == g.n_connections


def test_tuned_asked_for_but_absent(shipped):
    untuned = shipped["mnist"].with_changes(tuned_weights=None)
    with pytest.raises(ValueError, match="no tuned weights"):
        genome_to_matrix_text(untuned, tuned=True)
    with pytest.raises(ValueError, match="no tuned weights"):
        tuned_weights_document(untuned)


def test_document_is_plain_json(shipped, tmp_path):
    _, wann = write_out(shipped["biped"], tmp_path / "b.out")
    doc = json.loads(wann.read_text())
    assert isinstance(doc, list) and len(doc) == 2 and len(doc[0]) == 210
