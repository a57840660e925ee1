"""WANN Explorer: load, run, trace and evolve Weight Agnostic Neural Networks.

Public API::

    genome = wann_viz.load_genome("saved_genomes/swingup-authors.json")
    out = wann_viz.forward(genome, inputs, [-1.0, 1.0])   # (K, B, n_out)
"""

from .genome import (
    FORMAT_VERSION,
    Genome,
    GenomeError,
    attach_tuned_weights,
    load_genome,
    parse_genome,
    save_genome,
)
from .network import Network, compile_network, forward

__all__ = [
    "FORMAT_VERSION", "Genome", "GenomeError", "Network", "attach_tuned_weights",
    "compile_network", "forward", "load_genome", "parse_genome", "save_genome",
]
__version__ = "0.1.0"
