"""CarRacing: the VAE's reconstruction of the frame on the stage (what the racer "sees").

The player's clientside callback (``vae_latent`` in ``assets/wann_clientside.js``)
sends the current frame's 16 latent numbers (the network's input nodes)
when they change, at most twice a second; the server decodes them with the
VAE's decoder and answers a small PNG. The decoder comes from the VAE the
task uses (:func:`wann_viz.tasks.carracing.vae_path`): the file itself when it
holds one (the authors' full file), else the ``-full.npz`` beside it.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from dash import Input, Output, State

from ..cache import results
from .clientside import clientside

NO_DECODER = "This VAE file holds the encoder only, so its pictures cannot be decoded here."


def decoder_file(path: Path | None) -> Path | None:
    """The file with the decoder for the VAE at ``path`` (itself or its ``-full.npz`` sibling)."""
    if path is None:
        return None
    full = path.with_name(path.stem + "-full.npz")
    return full if full.is_file() else path


def _decoder(path: Path) -> dict | None:
    from ..vae import load_vae
    from ..vae.model import PARAMETERS, check_parameters

    def load():
        params, _ = load_vae(path)
        try:
            check_parameters(params, tuple(p[0] for p in PARAMETERS[6:]))
        except ValueError:
            return None
        return params

    stat = path.stat()
    return results.get_or_compute(("vae-decoder", str(path), stat.st_mtime_ns, stat.st_size), load)


def reconstruction(latents, path: Path | None) -> tuple[str | None, str | None]:
    """(PNG data URI of the decoded frame, or None; a note when there is no picture)."""
    if path is None or not path.is_file():
        return None, "No VAE file is installed, so nothing can be decoded."
    try:
        z = np.asarray(latents, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        z = np.zeros(0)
    if z.shape != (16,) or not np.all(np.isfinite(z)):
        return None, "The frame's code is not 16 finite numbers."
    from ..vae import VaeFileError

    try:
        params = _decoder(path)
    except VaeFileError as exc:
        return None, f"The VAE file cannot be read: {exc}"
    if params is None:
        return None, NO_DECODER
    from PIL import Image

    from ..vae import decode

    picture = np.rint(decode(params, np.clip(z, -50, 50)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), None


def register(app, catalog) -> None:
    clientside(app, "vae_latent", Output("vae-latent", "data"), Input("vae-tick", "n_intervals"),
               State("vae-latent", "data"))

    @app.callback(Output("vae-recon", "src"), Output("vae-recon-note", "children"), Input("vae-latent", "data"),
                  prevent_initial_call=True)
    def show_reconstruction(data):
        from ..tasks.carracing import vae_path

        z = data.get("z") if isinstance(data, dict) else None
        src, note = reconstruction(z if isinstance(z, list) else [], decoder_file(vae_path()))
        if src is None:
            return None, note
        return src, ("The racer never sees the picture: it reads the VAE's 16-number code of each frame "
                     f"(the bars). This is that code decoded back into a picture (step {data.get('frame')}).")
