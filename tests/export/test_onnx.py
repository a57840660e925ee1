"""ONNX models of genomes run in onnxruntime and match the forward pass."""

import json

import numpy as np
import onnx
import pytest

from wann_viz import forward
from wann_viz.export import genome_to_onnx

from ._genomes import SHIPPED, golden_inputs

ort = pytest.importorskip("onnxruntime")
SHARED = [-1.5, 0.5, 2.0]
TOL = 1e-6


def session(model):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # the overridable shared_weight default draws a warning
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def check_against_forward(genome, x):
    """Max abs error of the shared-weight model (3 weights and its default) and the tuned one."""
    model = genome_to_onnx(genome)
    sess = session(model)
    errors = []
    for w in SHARED:
        (y,) = sess.run(["y"], {"x": x, "shared_weight": np.array(w)})
        assert y.dtype == np.float64 and y.shape == (x.shape[0], genome.n_out)
        errors.append(np.abs(y - forward(genome, x, w)[0]).max())
    (y,) = sess.run(["y"], {"x": x})  # the initializer's default
    default = genome.best_shared_weight if genome.best_shared_weight is not None else 1.0
    errors.append(np.abs(y - forward(genome, x, default)[0]).max())
    if genome.tuned_weights is not None:
        tuned = session(genome_to_onnx(genome, connection_weights=genome.tuned_weights))
        assert [i.name for i in tuned.get_inputs()] == ["x"]
        (y,) = tuned.run(["y"], {"x": x})
        errors.append(np.abs(y - forward(genome, x, connection_weights=genome.tuned_weights)).max())
    return max(errors)


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_genomes_match_forward(shipped, key):
    g = shipped[key]
    assert check_against_forward(g, golden_inputs(key, g.n_in)) < TOL


def test_every_activation_matches_forward(tiny):
    x = np.random.default_rng(0).normal(scale=1.5, size=(200, 2))
    x[:4] = [[0.0, 0.0], [1.0, -1.0], [-0.5, 3.0], [1e-3, 0.0]]  # step at exactly 0 too
    assert check_against_forward(tiny, x) < TOL
    ops = {n.op_type for n in genome_to_onnx(tiny).graph.node}
    assert {"Greater", "Cast", "Sin", "Cos", "Exp", "Tanh", "Neg", "Abs", "Relu", "ConstantOfShape"} <= ops


def test_interface_names_and_metadata(shipped):
    g = shipped["swing"]
    model = genome_to_onnx(g)
    onnx.checker.check_model(model)
    graph = model.graph
    assert [i.name for i in graph.input] == ["x", "shared_weight"]
    assert [o.name for o in graph.output] == ["y"]
    x_dims = graph.input[0].type.tensor_type.shape.dim
    assert x_dims[0].dim_param == "N" and x_dims[1].dim_value == g.n_in
    assert len(graph.input[1].type.tensor_type.shape.dim) == 0  # a scalar
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    default = next(t for t in graph.initializer if t.name == "shared_weight")
    assert onnx.numpy_helper.to_array(default) == 0.8
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["name"] == g.name and meta["task"] == g.task and meta["weights"] == "shared"
    assert json.loads(meta["input_labels"]) == list(g.input_labels)
    assert g.name in model.doc_string and g.task in model.doc_string
    names = {n.name for n in graph.node}
    assert "inputs" in names and "outputs" in names and any(n.startswith("h12/") for n in names)
    tensors = {o for n in graph.node for o in n.output}
    assert {"x_dot", "cos_theta", "force"} <= tensors
    assert model.opset_import[0].version == 17


def test_unused_inputs_are_accepted(tiny):
    sess = session(genome_to_onnx(tiny))
    x = np.zeros((3, 2))
    (a,) = sess.run(["y"], {"x": x, "shared_weight": np.array(1.0)})
    x[:, 1] = 123.0  # input "b" feeds nothing
    (b,) = sess.run(["y"], {"x": x, "shared_weight": np.array(1.0)})
    np.testing.assert_array_equal(a, b)


def test_batch_of_one_and_bad_weights(shipped):
    g = shipped["swing"]
    sess = session(genome_to_onnx(g, shared_weight=-1.0))
    x = golden_inputs("swing", g.n_in)[:1]
    (y,) = sess.run(["y"], {"x": x})
    np.testing.assert_allclose(y, forward(g, x, -1.0)[0], rtol=0, atol=TOL)
    with pytest.raises(ValueError, match="connection weights"):
        genome_to_onnx(g, connection_weights=np.ones(3))
    with pytest.raises(ValueError, match="not both"):
        genome_to_onnx(g, connection_weights=g.tuned_weights, shared_weight=1.0)
