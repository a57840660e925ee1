"""The CarRacing VAE: numpy forward pass, weight files, frame pipelines.

* :mod:`~wann_viz.vae.model`: encoder and decoder in numpy (what the app and the tests use);
* :mod:`~wann_viz.vae.weights`: the authors' ``vae_16.json`` and this project's ``.npz``;
* :mod:`~wann_viz.vae.frames`: observation -> 64 x 64 input, the authors' way and ours.

Training needs torch (an optional extra); nothing here imports it.
"""

from .frames import prepare
from .model import decode, encode
from .weights import VaeFileError, load_vae, save_vae

__all__ = ["VaeFileError", "decode", "encode", "load_vae", "prepare", "save_vae"]
