"""WANN Explorer: load, run, trace and evolve Weight Agnostic Neural Networks.

Public API::

    genome = wann_viz.load_genome("saved_genomes/swingup-authors.json")
    out = wann_viz.forward(genome, inputs, [-1.0, 1.0])          # (K, B, n_out)
    episodes = wann_viz.rollout(genome, "swingup", [0, 1], weight=0.8)
    profile = wann_viz.weight_profile(genome, [-1.0, 1.0], n_episodes=5)
    table = wann_viz.evaluate_conditions(genome, n_episodes=100)
    champion = wann_viz.run_search(settings, "runs/mine")
    wann_viz.tasks.register(MyTask)                              # a new task, see wann_viz.tasks

After ``import wann_viz``, ``gymnasium.make("wann_viz/CartPoleSwingUp-v0")``
returns the paper's swing-up as a Gymnasium environment.
"""

from . import tasks
from .evaluate import evaluate_conditions, weight_profile
from .genome import (
    FORMAT_VERSION,
    Genome,
    GenomeError,
    attach_tuned_weights,
    load_genome,
    parse_genome,
    save_genome,
)
from .nn import Network, compile_network, forward
from .rollout import Rollout, rollout
from .search.runner import run_search
from .tasks.gym_env import register_gymnasium_envs

register_gymnasium_envs()

__all__ = [
    "FORMAT_VERSION", "Genome", "GenomeError", "Network", "Rollout", "attach_tuned_weights",
    "compile_network", "evaluate_conditions", "forward", "load_genome", "parse_genome", "rollout",
    "run_search", "save_genome", "tasks", "weight_profile",
]
__version__ = "0.2.0"
