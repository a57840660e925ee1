"""Train the CarRacing VAE with torch (an optional extra; the app and the tests never need it).

``python -m wann_viz.vae train --frames FOLDER --out data/vae/carracing-vae16.npz``
trains the reference architecture (:mod:`wann_viz.vae.model`) on collected
frames: loss = summed squared reconstruction error + KL, the KL floored at
0.5 x 16 (World Models' KL tolerance), Adam. Seeded; it writes a checkpoint
beside ``--out`` after every epoch (``torch.save`` of tensors only, read back
with ``weights_only=True``) and ``--resume`` continues it; it saves a picture
of reconstructions per epoch. The result is written in this project's format
(float16, TensorFlow layouts, so the numpy encoder reads it), as the encoder
alone (``--out``) and the whole VAE beside it (``...-full.npz``, with the decoder,
for the app's reconstructions), with the training settings in ``meta``.

torch from the package registry pulls several GB of CUDA libraries on Linux;
install the CPU build: ``pip install torch --index-url https://download.pytorch.org/whl/cpu``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .model import ENCODER, LATENT, PARAMETERS
from .weights import save_vae

DEFAULTS = {"epochs": 10, "batch": 100, "lr": 1e-3, "seed": 0, "kl_tolerance": 0.5, "validation": 0.05}


def _torch():
    try:
        import torch
    except ImportError:
        raise SystemExit("training the VAE needs torch, an optional extra: "
                         "pip install torch --index-url https://download.pytorch.org/whl/cpu") from None
    return torch


def build_model(torch):
    """The reference VAE as a torch module (channels-first inside, TensorFlow layouts on export)."""
    nn = torch.nn

    class ConvVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.ModuleList([nn.Conv2d(i, o, 4, stride=2) for i, o in ((3, 32), (32, 64), (64, 128), (128, 256))])
            self.mu = nn.Linear(1024, LATENT)
            self.log_var = nn.Linear(1024, LATENT)
            self.dec_fc = nn.Linear(LATENT, 1024)
            self.dec = nn.ModuleList([nn.ConvTranspose2d(i, o, k, stride=2)
                                      for i, o, k in ((1024, 128, 5), (128, 64, 5), (64, 32, 6), (32, 3, 6))])

        def encode(self, x):  # x: (N, 3, 64, 64)
            for conv in self.enc:
                x = torch.relu(conv(x))
            flat = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # (H, W, C) row-major, as the authors'
            return self.mu(flat), self.log_var(flat)

        def decode(self, z):
            x = self.dec_fc(z).reshape(-1, 1024, 1, 1)
            for i, deconv in enumerate(self.dec):
                x = deconv(x)
                x = torch.relu(x) if i < 3 else torch.sigmoid(x)
            return x

        def forward(self, x, noise):
            mu, log_var = self.encode(x)
            z = mu + torch.exp(0.5 * log_var) * noise
            return self.decode(z), mu, log_var

    return ConvVAE()


def export_params(net) -> dict:
    """torch module -> parameter dict in TensorFlow layouts (float32 numpy)."""
    def arr(t):
        return t.detach().cpu().numpy().astype(np.float32)

    out = {}
    for i, conv in enumerate(net.enc, 1):
        out[f"enc_conv{i}/kernel"] = arr(conv.weight.permute(2, 3, 1, 0))  # (out,in,kh,kw) -> (kh,kw,in,out)
        out[f"enc_conv{i}/bias"] = arr(conv.bias)
    for name, lin in (("enc_fc_mu", net.mu), ("enc_fc_log_var", net.log_var), ("dec_fc", net.dec_fc)):
        out[f"{name}/kernel"] = arr(lin.weight.T)
        out[f"{name}/bias"] = arr(lin.bias)
    for i, deconv in enumerate(net.dec, 1):
        out[f"dec_deconv{i}/kernel"] = arr(deconv.weight.permute(2, 3, 1, 0))  # (in,out,kh,kw) -> (kh,kw,out,in)
        out[f"dec_deconv{i}/bias"] = arr(deconv.bias)
    assert set(out) == {f"{n}/{s}" for n, _, _ in PARAMETERS for s in ("kernel", "bias")}
    return out


def _picture(torch, net, sample: np.ndarray, path: Path) -> None:
    """Originals above reconstructions (the latent means decoded), as a PNG."""
    from PIL import Image

    with torch.no_grad():
        x = torch.from_numpy(sample).permute(0, 3, 1, 2).float() / 255.0
        rec = net.decode(net.encode(x)[0]).permute(0, 2, 3, 1).numpy()
    top = np.concatenate(list(sample), axis=1)
    bottom = np.concatenate(list(np.rint(rec * 255).astype(np.uint8)), axis=1)
    Image.fromarray(np.concatenate([top, bottom], axis=0)).save(path)


def train(frames: np.ndarray, out: str | Path, settings: dict | None = None, *, resume: bool = False,
          progress=None) -> dict:
    """Train and write the VAE files.

    Args:
        frames: (N, 64, 64, 3) uint8 training frames.
        out: the encoder file (``.npz``); the full VAE, checkpoint and pictures go beside it.
        settings: overrides of :data:`DEFAULTS`.
        progress: called as ``progress(done, total)`` in batches.

    Returns:
        ``{"epochs", "train_loss", "validation_loss", "seconds", "files"}``.
    """
    torch = _torch()
    s = {**DEFAULTS, **(settings or {})}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    ckpt_path = Path(f"{stem}-checkpoint.pt")
    torch.manual_seed(int(s["seed"]))
    rng = np.random.default_rng(int(s["seed"]))
    order = rng.permutation(len(frames))
    n_val = max(1, int(len(frames) * float(s["validation"])))
    val, tr = frames[order[:n_val]], frames[order[n_val:]]
    net = build_model(torch)
    opt = torch.optim.Adam(net.parameters(), lr=float(s["lr"]))
    history, start_epoch = [], 0
    if resume and ckpt_path.is_file():
        state = torch.load(ckpt_path, weights_only=True)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start_epoch = int(state["epoch"])
        history = json.loads(state["history"])
    floor = float(s["kl_tolerance"]) * LATENT
    batch = int(s["batch"])
    total = int(s["epochs"]) * -(-len(tr) // batch)
    done = start_epoch * -(-len(tr) // batch)
    t0 = time.monotonic()

    def loss_of(x_u8, gen):
        x = torch.from_numpy(x_u8).permute(0, 3, 1, 2).float() / 255.0
        noise = torch.randn(x.shape[0], LATENT, generator=gen)
        rec, mu, log_var = net(x, noise)
        r = ((rec - x) ** 2).sum(dim=(1, 2, 3)).mean()
        kl = (-0.5 * (1 + log_var - mu ** 2 - log_var.exp()).sum(dim=1)).clamp(min=floor).mean()
        return r + kl

    for epoch in range(start_epoch, int(s["epochs"])):
        gen = torch.Generator().manual_seed(int(s["seed"]) * 1000 + epoch)
        perm = np.random.default_rng(int(s["seed"]) * 1000 + epoch).permutation(len(tr))
        net.train()
        losses = []
        for b0 in range(0, len(tr), batch):
            loss = loss_of(tr[perm[b0: b0 + batch]], gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            done += 1
            if progress is not None:
                progress(done, total)
        net.eval()
        with torch.no_grad():
            vgen = torch.Generator().manual_seed(12345)
            vloss = float(np.mean([float(loss_of(val[i: i + batch], vgen)) for i in range(0, len(val), batch)]))
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "validation_loss": vloss})
        torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1,
                    "history": json.dumps(history)}, ckpt_path)
        _picture(torch, net, val[:8], Path(f"{stem}-reconstructions-{epoch + 1:02d}.png"))
    params = export_params(net)
    meta = {"pipeline": "wann", "training": {**s, "frames": int(len(frames)), "history": history,
                                             "seconds": round(time.monotonic() - t0, 1)},
            "source": "trained by this project (python -m wann_viz.vae train)"}
    save_vae({k: v for k, v in params.items() if k.split("/")[0] in ENCODER}, out, meta)
    full = save_vae(params, Path(f"{stem}-full.npz"), meta)
    return {"epochs": len(history), "train_loss": history[-1]["train_loss"] if history else None,
            "validation_loss": history[-1]["validation_loss"] if history else None,
            "seconds": round(time.monotonic() - t0, 1), "files": [str(out), str(full)]}
