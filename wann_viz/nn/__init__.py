"""The forward passes, all built on one compile plan (:mod:`wann_viz.nn.plan`).

* :class:`Network` (``single``): one genome, batched over samples and shared weights;
* :class:`BlockNetwork` (``block``): a block of genomes in one pass (the search, and
  every episode: its arithmetic does not depend on the block or the batch, and
  :func:`scalar_program` / :func:`run_program` repeat it bit for bit on Python floats);
* :class:`ImagesNetwork` (``images``): one genome over many samples (MNIST's 10,000 images);
  its predictions at shared weights come from
* :mod:`~wann_viz.nn.jit`: many genomes over many images in one compiled (numba) call
  (the MNIST search's fitness, and predictions).

:func:`naive_forward` is the per-node reference loop the tests and benchmarks compare against.
"""

from .block import BlockNetwork, run_program
from .images import ImagesNetwork, predictions
from .plan import Plan, activation_groups, compile_plan
from .single import Network, compile_network, forward, naive_forward

__all__ = ["BlockNetwork", "ImagesNetwork", "Network", "Plan", "activation_groups", "compile_network",
           "compile_plan", "forward", "naive_forward", "predictions", "run_program",
           "program_json", "scalar_program"]


def scalar_program(genome, connection_weights=None) -> tuple:
    """The genome's exact float program (:meth:`BlockNetwork.scalar_program`); the
    shared-weight one is built once and kept on the genome."""
    if connection_weights is None:
        return genome.cached("scalar_program", lambda g: BlockNetwork([g]).scalar_program())
    return BlockNetwork([genome]).scalar_program(connection_weights)


def program_json(genome) -> dict:
    """The shared-weight float program as JSON, for the browser's copy of the forward pass
    (``assets/wann_preview.js``), which walks it as :func:`run_program` does.

    Returns:
        ``{"n_nodes": N, "entries": [[node, first, [rest...], activation id], ...]}``: slots
        index the value list of ``N + 1`` numbers (slot ``N`` is the constant 0.0).
    """
    def build(g):
        n, entries = scalar_program(g)
        return {"n_nodes": n, "entries": [[j, first, list(rest), int(g.activations[j])]
                                          for j, first, rest, _ in entries]}

    return genome.cached("program_json", build)
