"""VAE weight files: the authors' ``vae_16.json`` and this project's ``.npz``.

* The authors' file (google/brain-tokyo-workshop, ``WANNRelease/vae/vae_16.json``,
  about 20 MB; published, not shipped here): a JSON list of integer arrays,
  each ``round(10000 x parameter)``, kernel then bias for each layer in the
  order of :data:`wann_viz.vae.model.PARAMETERS` (22 arrays: four encoder
  convolutions, mu, log-variance, the decoder's dense layer and four
  transposed convolutions), in TensorFlow layouts.
* This project's file (``format: wann-vae``, version 1): an ``.npz`` of
  float16 arrays named ``<layer>/kernel`` and ``<layer>/bias`` (the same
  layouts) plus ``meta``, a JSON text with the frame pipeline and the
  training settings. It may hold the encoder only (what the racer needs).

Both are read without pickle; anything else is refused with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .frames import PIPELINES
from .model import ENCODER, PARAMETERS, check_parameters

FORMAT = "wann-vae"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # the authors' file is about 20 MB
AUTHORS_SCALE = 10000.0


class VaeFileError(ValueError):
    """A VAE file that cannot be used, with a plain reason."""


def params_from_authors_list(arrays: list) -> dict:
    """The authors' list of integer arrays -> a parameter dict (float32)."""
    if not isinstance(arrays, list):
        raise VaeFileError("an authors' VAE file is a JSON list of arrays")
    full, encoder_only = 2 * len(PARAMETERS), 2 * len(ENCODER)
    if len(arrays) not in (full, encoder_only):
        raise VaeFileError(f"an authors' VAE file holds {full} arrays (kernel and bias of {len(PARAMETERS)} "
                           f"layers), this one holds {len(arrays)}")
    params = {}
    for i, (name, kernel, bias) in enumerate(PARAMETERS[: len(arrays) // 2]):
        for j, (suffix, shape) in enumerate((("kernel", kernel), ("bias", (bias,)))):
            try:
                a = np.asarray(arrays[2 * i + j], dtype=np.float64)
            except (TypeError, ValueError):
                raise VaeFileError(f"array {2 * i + j + 1} ({name} {suffix}) is not a rectangular "
                                   "array of numbers") from None
            if a.size != int(np.prod(shape)):
                raise VaeFileError(f"array {2 * i + j + 1} ({name} {suffix}) has {a.size} numbers, "
                                   f"expected {int(np.prod(shape))} for shape {shape}")
            params[f"{name}/{suffix}"] = (a.reshape(shape) / AUTHORS_SCALE).astype(np.float32)
    try:
        check_parameters(params, ENCODER)
    except ValueError as exc:
        raise VaeFileError(str(exc)) from None
    return params


def params_to_authors_list(params: dict) -> list:
    """A parameter dict -> the authors' list of integer arrays (for tests and exports)."""
    out = []
    for name, _, _ in PARAMETERS:
        if f"{name}/kernel" not in params:
            break
        for suffix in ("kernel", "bias"):
            value = np.asarray(params[f"{name}/{suffix}"], np.float64)
            out.append(np.rint(value * AUTHORS_SCALE).astype(np.int64).tolist())
    return out


def load_authors_vae(source) -> dict:
    """Read the authors' ``vae_16.json`` from a path or bytes."""
    data = _read_bytes(source)
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VaeFileError(f"not a JSON file ({exc})") from None
    return params_from_authors_list(doc)


def save_vae(params: dict, path, meta: dict) -> Path:
    """Write this project's format: float16 arrays and a ``meta`` JSON text."""
    path = Path(path)
    arrays = {k: np.asarray(v, np.float16) for k, v in params.items()}
    arrays["meta"] = np.array(json.dumps({"format": FORMAT, "version": VERSION, **meta}))
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return path


def load_vae(source) -> tuple[dict, dict]:
    """Read any VAE file: this project's ``.npz`` or the authors' JSON.

    Returns:
        (params as float32 arrays, meta): meta has ``format`` (``wann-vae`` or ``authors``)
        and ``pipeline`` (``"wann"`` or ``"authors"``, see :mod:`wann_viz.vae.frames`).
    """
    data = _read_bytes(source)
    if data[:2] == b"PK":  # an .npz (zip)
        import io
        import zipfile

        allowed = {f"{name}/{suffix}.npy" for name, _, _ in PARAMETERS for suffix in ("kernel", "bias")}
        allowed.add("meta.npy")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:  # look before unpacking: names and sizes
                infos = zf.infolist()
            odd = [i.filename for i in infos if i.filename not in allowed]
            if odd:
                raise VaeFileError(f"this .npz holds entries a VAE file does not have ({odd[0]!r})")
            if sum(i.file_size for i in infos) > 4 * MAX_FILE_BYTES:
                raise VaeFileError("this .npz unpacks to more than a VAE's arrays")
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                if "meta" not in z.files:
                    raise VaeFileError("this .npz has no meta entry: not a wann-vae file")
                meta = json.loads(str(z["meta"]))
                params = {k: z[k].astype(np.float32) for k in z.files if k != "meta"}
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise VaeFileError(f"not a readable .npz ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise VaeFileError(f"not a {FORMAT} version {VERSION} file")
        if meta.get("pipeline", "wann") not in PIPELINES:
            raise VaeFileError(f"unknown frame pipeline {meta.get('pipeline')!r}; known: {', '.join(PIPELINES)}")
        try:
            check_parameters(params, ENCODER)
        except ValueError as exc:
            raise VaeFileError(str(exc)) from None
        return params, meta
    return load_authors_vae(data), {"format": "authors", "pipeline": "authors",
                                    "source": "the authors' vae_16.json (google/brain-tokyo-workshop)"}


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        p = Path(source)
        if not p.is_file():
            raise VaeFileError(f"{p}: no such file")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise VaeFileError(f"{p} is larger than {MAX_FILE_BYTES // 2**20} MB: not a VAE file")
        data = p.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise VaeFileError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB: not a VAE file")
    return data
