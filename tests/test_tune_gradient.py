"""Fine-tuning by gradient: exact gradients on a hand-built network of every activation, an improvement
on a known case, the forward pass agreeing with the project's, and a resumed run being the same run."""

import numpy as np
import pytest

from wann_viz.activations import ACTIVATIONS, derivative
from wann_viz.genome import Genome
from wann_viz.nn.single import forward
from wann_viz.tune_gradient import CHECKPOINT, _Graph, accuracy, default_settings, tune_supervised


def every_activation_net() -> Genome:
    """3 inputs -> one hidden node of each smooth activation -> 2 outputs (softmax classes)."""
    smooth = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    n_in, n_out = 3, 2
    hidden = list(range(1 + n_in, 1 + n_in + len(smooth)))
    outs = [hidden[-1] + 1, hidden[-1] + 2]
    conns = []
    for i, h in enumerate(hidden):
        conns += [(1 + i % n_in, h), (0, h)]
        conns += [(h, outs[i % 2])]
    conns += [(2, outs[0]), (3, outs[1])]
    acts = [1] * (1 + n_in) + smooth + [1, 1]
    return Genome(activations=np.array(acts), connections=np.array(sorted(conns)), n_in=n_in, n_out=n_out,
                  best_shared_weight=0.5)


def test_derivatives_match_finite_differences():
    x = np.linspace(-1.7, 1.9, 37) + 0.013  # away from relu's and abs's kink at 0
    for act_id, act in ACTIVATIONS.items():
        if act_id == 2:
            continue  # step: flat almost everywhere
        y = act.fn(x.copy())
        numeric = (act.fn(x + 1e-6) - act.fn(x - 1e-6)) / 2e-6
        assert np.allclose(derivative(act_id, x, y), numeric, atol=1e-5), act.name


def test_the_gradient_is_exact():
    g = every_activation_net()
    graph = _Graph(g)
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    w = rng.uniform(-1.5, 1.5, g.n_connections)
    _, grad = graph.loss_and_grad(x, labels, w)
    for k in range(g.n_connections):
        e = np.zeros_like(w)
        e[k] = 1e-6
        numeric = (graph.loss_and_grad(x, labels, w + e)[0] - graph.loss_and_grad(x, labels, w - e)[0]) / 2e-6
        assert grad[k] == pytest.approx(numeric, rel=1e-4, abs=1e-8)


def test_its_forward_pass_is_the_projects():
    g = every_activation_net()
    x = np.random.default_rng(1).normal(size=(25, 3))
    w = np.random.default_rng(2).uniform(-2, 2, g.n_connections)
    assert np.allclose(_Graph(g).outputs(x, w), forward(g, x, connection_weights=w), atol=1e-12)


def labelled_case():
    """Class 1 when input a > input b: a shared weight cannot tell them apart (both enter alike)."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(600, 2))
    y = (x[:, 0] > x[:, 1]).astype(int)
    g = Genome(activations=np.array([1, 1, 1, 1, 1]), connections=np.array([[1, 3], [2, 3], [1, 4], [2, 4]]),
               n_in=2, n_out=2, best_shared_weight=1.0)
    return g, x, y


def test_tuning_beats_the_shared_weight_on_a_known_case():
    g, x, y = labelled_case()
    shared = accuracy(g, x, y, np.full(4, 1.0))
    tuned = tune_supervised(g, x, y, default_settings(g, "none") | {"steps": 300, "batch": 100, "lr": 0.05})
    after = accuracy(g, x, y, tuned.tuned_weights)
    assert shared < 0.6 and after > 0.97  # measured: 0.50 shared, 1.00 tuned
    assert tuned.extra["tuning"]["steps_done"] == 300


def test_a_resumed_run_is_the_same_run(tmp_path):
    g, x, y = labelled_case()
    s = default_settings(g, "none") | {"steps": 200, "batch": 50, "lr": 0.05, "checkpoint_every": 100}
    straight = tune_supervised(g, x, y, s)  # no checkpoints at all

    def interrupt(row):
        if row["step"] == 150:
            raise KeyboardInterrupt  # as Ctrl-C would, after the checkpoint of step 100

    with pytest.raises(KeyboardInterrupt):
        tune_supervised(g, x, y, s, tmp_path / "b", progress=interrupt)
    assert (tmp_path / "b" / CHECKPOINT).is_file()
    resumed = tune_supervised(g, x, y, s, tmp_path / "b", resume=True)
    assert np.array_equal(straight.tuned_weights, resumed.tuned_weights)


def step_case():
    """Class 1 when input a > input b, read through one step node: its input weights decide everything,
    and the exact gradient through a step is 0."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 2))
    y = (x[:, 0] > x[:, 1]).astype(int)
    # nodes: 0 bias, 1-2 inputs, 3 step, 4-5 outputs (linear): class 1 wins when the step is on
    g = Genome(activations=np.array([1, 1, 1, 2, 1, 1]),
               connections=np.array([[0, 4], [1, 3], [2, 3], [3, 5]]),
               n_in=2, n_out=2, best_shared_weight=1.0)
    return g, x, y


def test_the_surrogate_gradient_moves_what_feeds_a_step_node():
    g, x, y = step_case()
    w = np.full(g.n_connections, 1.0)
    _, exact = _Graph(g).loss_and_grad(x, y, w)
    _, surrogate = _Graph(g, step_surrogate=2.0).loss_and_grad(x, y, w)
    feeds_step = g.connections[:, 1] == 3
    assert np.all(exact[feeds_step] == 0.0) and np.all(np.abs(surrogate[feeds_step]) > 1e-3)
    assert np.allclose(exact[~feeds_step], surrogate[~feeds_step])  # the rest is the exact gradient
    # the forward pass is the project's either way
    assert np.array_equal(_Graph(g, 2.0).outputs(x, w), forward(g, x, connection_weights=w))


def test_the_surrogate_tunes_a_step_network_the_exact_gradient_cannot():
    g, x, y = step_case()
    s = default_settings(g, "none") | {"steps": 400, "batch": 100, "lr": 0.05}
    shared = accuracy(g, x, y, np.full(g.n_connections, 1.0))
    exact = accuracy(g, x, y, tune_supervised(g, x, y, s | {"step_surrogate": None}).tuned_weights)
    tuned = tune_supervised(g, x, y, s | {"step_surrogate": 2.0})
    after = accuracy(g, x, y, tuned.tuned_weights)
    assert shared < 0.6 and exact < 0.6 and after > 0.97  # measured: 0.50, 0.53, 1.00
    assert "surrogate" in tuned.extra["tuning"]["method"]


def test_the_step_size_decays_on_a_cosine_and_old_checkpoints_keep_theirs():
    from wann_viz.tune_gradient import step_size
    s = {"lr": 0.02, "steps": 100, "schedule": "cosine"}
    assert step_size(s, 1) == pytest.approx(0.02, rel=1e-3)
    assert step_size(s, 50) == pytest.approx(0.01)
    assert step_size(s, 100) == pytest.approx(0.0, abs=1e-12)
    assert step_size({"lr": 0.02, "steps": 100}, 100) == 0.02  # a checkpoint from before the schedule
