"""A genome as an ONNX model (float64), built node by node from standard operators.

Inputs: ``x`` (N, n_in) observations (dynamic batch N) and, for the shared-weight
model, ``shared_weight``, a scalar (shape ``[]``) whose initializer gives its default.
Output: ``y`` (N, n_out). With ``connection_weights`` the per-connection weights are
constants and there is no ``shared_weight`` input.

Each genome node becomes a few ONNX nodes named after it (``h12/sum``, ``h12/tanh``...)
whose final tensor carries the node's label, so Netron shows the network's own graph.
Only nodes that feed an output are built; every input column is still accepted.
The arithmetic follows :func:`wann_viz.nn.forward`: with a shared weight a node's
pre-activation is ``w * sum(sources)``, with per-connection weights ``sum(v_k * w_k)``.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from ..activations import ACTIVATIONS
from ..genome import Genome
from ..graph import ancestors, topological_order

OPSET = 17  # every operator used has a float64 kernel in onnxruntime's CPU provider
IR_VERSION = 8  # the IR of opset 17; read by onnxruntime 1.13 and later

try:  # the version is informative only
    from importlib.metadata import PackageNotFoundError, version

    _PRODUCER_VERSION = version("wann-viz")
except PackageNotFoundError:  # pragma: no cover - running from a checkout that is not installed
    _PRODUCER_VERSION = ""


def _safe(text: str) -> str:
    name = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
    return name or "node"


class _Builder:
    """Collects ONNX nodes and initializers under unique tensor and node names."""

    def __init__(self):
        from onnx import TensorProto, helper, numpy_helper

        self.helper, self.numpy_helper, self.T = helper, numpy_helper, TensorProto
        self.nodes: list = []
        self.initializers: list = []
        self.tensors: set[str] = {"x", "y", "shared_weight"}
        self.node_names: set[str] = set()
        self._constants: dict[tuple, str] = {}

    @staticmethod
    def _unique(wanted: str, taken: set[str]) -> str:
        name, k = wanted, 2
        while name in taken:
            name, k = f"{wanted}_{k}", k + 1
        taken.add(name)
        return name

    def name(self, wanted: str) -> str:
        """A new tensor name."""
        return self._unique(wanted, self.tensors)

    def constant(self, value, dtype=np.float64, wanted: str | None = None, share: bool = True) -> str:
        """An initializer's name; equal constants share one unless ``share`` is false."""
        array = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if share and key in self._constants:
            return self._constants[key]
        name = self.name(wanted or "const")
        self.initializers.append(self.numpy_helper.from_array(array, name))
        if share:
            self._constants[key] = name
        return name

    def op(self, op_type: str, inputs: list[str], output, node_name: str, doc: str = "", **attrs):
        """Add a node; ``output`` is a tensor name, a list of them, or None for a new one."""
        outputs = output if isinstance(output, list) else [output or self.name(_safe(node_name))]
        self.nodes.append(self.helper.make_node(op_type, inputs, outputs, name=self._unique(node_name, self.node_names),
                                                doc_string=doc, **attrs))
        return outputs if isinstance(output, list) else outputs[0]


def _activation(b: _Builder, act_id: int, pre: str, out: str, label: str, doc: str) -> str:
    """The ONNX nodes of activation ``act_id`` from tensor ``pre`` into tensor ``out``."""
    a = ACTIVATIONS[act_id]
    tag = f"{label}/{a.name}"
    if act_id == 1:  # linear
        return b.op("Identity", [pre], out, tag, doc)
    if act_id == 2:  # step: 1 if x > 0 else 0 (nan -> 0)
        gt = b.op("Greater", [pre, b.constant(0.0, wanted="zero")], None, f"{label}/greater")
        return b.op("Cast", [gt], out, tag, doc, to=b.T.DOUBLE)
    if act_id in (3, 10):  # sin(pi x), cos(pi x)
        scaled = b.op("Mul", [pre, b.constant(math.pi, wanted="pi")], None, f"{label}/times_pi")
        return b.op("Sin" if act_id == 3 else "Cos", [scaled], out, tag, doc)
    if act_id == 4:  # exp(-x^2 / 2), as numpy: (x * x) * -0.5
        sq = b.op("Mul", [pre, pre], None, f"{label}/square")
        half = b.op("Mul", [sq, b.constant(-0.5, wanted="minus_half")], None, f"{label}/times_minus_half")
        return b.op("Exp", [half], out, tag, doc)
    if act_id == 5:
        return b.op("Tanh", [pre], out, tag, doc)
    if act_id == 6:  # (tanh(x / 2) + 1) / 2
        half = b.constant(0.5, wanted="half")
        t = b.op("Tanh", [b.op("Mul", [pre, half], None, f"{label}/halve")], None, f"{label}/tanh")
        plus = b.op("Add", [t, b.constant(1.0, wanted="one")], None, f"{label}/plus_one")
        return b.op("Mul", [plus, half], out, tag, doc)
    if act_id == 7:
        return b.op("Neg", [pre], out, tag, doc)
    if act_id == 8:
        return b.op("Abs", [pre], out, tag, doc)
    if act_id == 9:
        return b.op("Relu", [pre], out, tag, doc)
    if act_id == 11:
        return b.op("Mul", [pre, pre], out, tag, doc)
    raise ValueError(f"activation id {act_id} has no ONNX translation")  # pragma: no cover


def genome_to_onnx(genome: Genome, *, connection_weights=None, shared_weight: float | None = None):
    """Build a float64 ONNX model of ``genome``.

    Args:
        genome: the network.
        connection_weights: (C,) per-connection weights (e.g. ``genome.tuned_weights``) baked
            in as constants; ``None`` for the shared-weight model.
        shared_weight: default of the ``shared_weight`` input (else the genome's best shared
            weight, else 1.0); not allowed with ``connection_weights``.

    Returns:
        an ``onnx.ModelProto`` that passed ``onnx.checker.check_model``: inputs ``x`` (N, n_in)
        and (shared-weight model only) ``shared_weight`` (scalar), output ``y`` (N, n_out).

    Raises:
        ValueError: ``connection_weights`` of the wrong shape or not finite, or both kinds of weight.
    """
    import onnx

    cw = None
    if connection_weights is not None:
        if shared_weight is not None:
            raise ValueError("give a shared weight or connection weights, not both")
        cw = np.asarray(connection_weights, dtype=float).reshape(-1)
        if cw.shape[0] != genome.n_connections:
            raise ValueError(f"there are {cw.shape[0]} connection weights for {genome.n_connections} connections")
        if not np.all(np.isfinite(cw)):
            raise ValueError("connection weights must be finite numbers")
    default_w = shared_weight if shared_weight is not None else genome.best_shared_weight
    default_w = 1.0 if default_w is None else float(default_w)
    if not math.isfinite(default_w):
        raise ValueError("the shared weight must be a finite number")

    b = _Builder()
    helper, T = b.helper, b.T
    n, n_in = genome.n_nodes, genome.n_in
    labels = [genome.node_label(i) for i in range(n)]
    needed = set(ancestors(genome, genome.output_nodes).tolist())
    incoming: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k, (s, d) in enumerate(genome.connections.tolist()):
        incoming[d].append((s, k))
    tensor: dict[int, str] = {}

    # Inputs: one Split of x into columns named after the input labels.
    columns = [b.name(_safe(labels[i])) for i in range(1, 1 + n_in)]
    b.op("Split", ["x", b.constant(np.ones(n_in), np.int64, "split_sizes")], columns, "inputs",
         "one column per input", axis=1)
    for i, col in enumerate(columns, start=1):
        tensor[i] = col

    made: dict[str, str] = {}

    def filled(value: float, wanted: str) -> str:
        """An (N, 1) tensor of ``value``, built once."""
        if "shape" not in made:
            rows = b.op("Shape", ["x"], None, "batch_size", end=1)
            made["shape"] = b.op("Concat", [rows, b.constant([1], np.int64, "one_column")], None, "column_shape", axis=0)
        if wanted not in made:
            fill = helper.make_tensor(wanted + "_value", T.DOUBLE, [1], [value])
            made[wanted] = b.op("ConstantOfShape", [made["shape"]], b.name(wanted), wanted, value=fill)
        return made[wanted]

    if any(s == 0 for node in needed for s, _ in incoming[node]):
        tensor[0] = filled(1.0, "bias")

    order = topological_order(n, genome.connections)
    for node in order.tolist():
        if node <= n_in or node not in needed:
            continue
        act = int(genome.activations[node])
        label = labels[node]
        kind = genome.node_kind(node)
        doc = f"{kind} node {node} ({label}): {ACTIVATIONS[act].name}, {ACTIVATIONS[act].formula}"
        out = b.name(_safe(label) if kind == "output" else f"h{node}")
        srcs = sorted(incoming[node])
        if cw is None:
            terms = [tensor[s] for s, _ in srcs] or [filled(0.0, "zeros")]
            total = terms[0] if len(terms) == 1 else b.op("Sum", terms, None, f"{label}/sum")
            pre = b.op("Mul", [total, "shared_weight"], None, f"{label}/times_w")
        else:
            terms = []
            for s, k in srcs:
                w = b.constant(cw[k], wanted=f"w{k}_{_safe(labels[s])}_to_{_safe(label)}", share=False)
                terms.append(b.op("Mul", [tensor[s], w], None, f"{label}/w{k}_from_{labels[s]}"))
            if not terms:
                terms = [filled(0.0, "zeros")]
            pre = terms[0] if len(terms) == 1 else b.op("Sum", terms, None, f"{label}/sum")
        tensor[node] = _activation(b, act, pre, out, label, doc)

    outs = [tensor[int(i)] for i in genome.output_nodes]
    b.op("Concat", outs, "y", "outputs", "one column per output", axis=1)

    inputs = [helper.make_tensor_value_info("x", T.DOUBLE, ["N", n_in])]
    if cw is None:
        inputs.append(helper.make_tensor_value_info("shared_weight", T.DOUBLE, []))
        b.initializers.append(b.numpy_helper.from_array(np.array(default_w, np.float64), "shared_weight"))
    graph = helper.make_graph(
        b.nodes, _safe(genome.name) if genome.name else "wann", inputs,
        [helper.make_tensor_value_info("y", T.DOUBLE, ["N", genome.n_out])], initializer=b.initializers,
        doc_string="x columns: " + ", ".join(genome.input_labels) + "; y columns: " + ", ".join(genome.output_labels),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="wann_viz", producer_version=_PRODUCER_VERSION)
    model.ir_version = IR_VERSION
    weights = "per-connection constants" if cw is not None else f"shared (input shared_weight, default {default_w:g})"
    model.doc_string = (f"WANN genome {genome.name or '(unnamed)'}" + (f", task {genome.task}" if genome.task else "")
                        + f": {n} nodes, {genome.n_connections} connections; weights {weights}.")
    meta = {
        "name": genome.name, "task": genome.task or "", "source": genome.source, "licence": genome.licence,
        "weights": "connection" if cw is not None else "shared",
        "input_labels": json.dumps(list(genome.input_labels)),
        "output_labels": json.dumps(list(genome.output_labels)),
    }
    if cw is None:
        meta["shared_weight_default"] = repr(default_w)
    helper.set_model_props(model, {k: v for k, v in meta.items() if v})
    onnx.checker.check_model(model)
    return model
