"""The VAE's picture of a frame, decoded on the server from the 16 numbers the racer reads."""

import base64
import io

import numpy as np
from PIL import Image

from wann_viz.ui import callbacks_carracing as cc
from wann_viz.vae import model, weights


_params = model.random_params


def test_the_picture_is_the_decoder_applied_to_the_code(tmp_path):
    params = _params()
    encoder = {k: v for k, v in params.items() if k.split("/")[0] in model.ENCODER}
    enc = weights.save_vae(encoder, tmp_path / "vae.npz", {"pipeline": "wann"})
    weights.save_vae(params, tmp_path / "vae-full.npz", {"pipeline": "wann"})
    assert cc.decoder_file(enc) == tmp_path / "vae-full.npz"
    z = np.linspace(-1, 1, 16)
    src, note = cc.reconstruction(z.tolist(), cc.decoder_file(enc))
    assert note is None and src.startswith("data:image/png;base64,")
    got = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))
    full, _ = weights.load_vae(tmp_path / "vae-full.npz")
    want = np.rint(model.decode(full, z) * 255).astype(np.uint8)
    assert got.shape == (64, 64, 3) and np.array_equal(got, want)


def test_no_picture_without_a_decoder_or_with_a_bad_code(tmp_path):
    params = _params(1)
    encoder = {k: v for k, v in params.items() if k.split("/")[0] in model.ENCODER}
    enc = weights.save_vae(encoder, tmp_path / "enc.npz", {"pipeline": "wann"})
    assert cc.reconstruction([0.0] * 16, enc) == (None, cc.NO_DECODER)
    assert cc.reconstruction([0.0] * 16, None)[0] is None
    assert "16 finite" in cc.reconstruction([0.0] * 15, enc)[1]
    assert "16 finite" in cc.reconstruction([float("nan")] * 16, enc)[1]


def test_a_malformed_code_from_the_browser_is_a_note_not_an_error(tmp_path):
    params = _params(2)
    enc = weights.save_vae(params, tmp_path / "vae.npz", {"pipeline": "wann"})
    for junk in (["a"] * 16, [[1, 2], [3]], None, "x"):
        src, note = cc.reconstruction(junk, enc)
        assert src is None and "16 finite" in note
