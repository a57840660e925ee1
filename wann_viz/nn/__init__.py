"""The forward passes, all built on one compile plan (:mod:`wann_viz.nn.plan`).

* :class:`Network` (``single``): one genome, batched over samples and shared weights;
* :class:`BlockNetwork` (``block``): a block of genomes in one pass (the search);
* :class:`ImagesNetwork` (``images``): one genome over many samples (MNIST's 10,000 images).

:func:`naive_forward` is the per-node reference loop the tests and benchmarks compare against.
"""

from .block import BlockNetwork
from .images import ImagesNetwork, predictions
from .plan import Plan, activation_groups, compile_plan
from .single import Network, compile_network, forward, naive_forward

__all__ = ["BlockNetwork", "ImagesNetwork", "Network", "Plan", "activation_groups", "compile_network",
           "compile_plan", "forward", "naive_forward", "predictions"]
