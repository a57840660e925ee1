"""The numpy VAE: convolutions by hand, the authors' weight format, this project's format, frames."""

import json

import numpy as np
import pytest

from wann_viz.vae import frames, model, weights


random_params = model.random_params


def conv_by_hand(x, kernel, bias, stride=2):
    """The textbook loop: out[i, j, o] = bias[o] + sum over a, b, c of x[2i + a, 2j + b, c] kernel[a, b, c, o]."""
    k = kernel.shape[0]
    ho = (x.shape[0] - k) // stride + 1
    out = np.zeros((ho, ho, kernel.shape[3]))
    for i in range(ho):
        for j in range(ho):
            patch = x[stride * i: stride * i + k, stride * j: stride * j + k, :]
            out[i, j] = np.tensordot(patch, kernel, axes=([0, 1, 2], [0, 1, 2])) + bias
    return out


def deconv_by_hand(x, kernel, bias, stride=2):
    """Transposed convolution by scattering: each input value adds value x kernel[:, :, :, c_in]."""
    k = kernel.shape[0]
    h = x.shape[0]
    out = np.zeros(((h - 1) * stride + k, (h - 1) * stride + k, kernel.shape[2]))
    for i in range(h):
        for j in range(x.shape[1]):
            for c in range(x.shape[2]):
                out[stride * i: stride * i + k, stride * j: stride * j + k] += x[i, j, c] * kernel[:, :, :, c]
    return out + bias


def test_convolutions_match_hand_computed_ones():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (1, 14, 14, 5))
    kern, bias = rng.normal(size=(4, 4, 5, 3)), rng.normal(size=3)
    np.testing.assert_allclose(model.conv2d(x, kern, bias)[0], conv_by_hand(x[0], kern, bias), rtol=1e-12, atol=1e-12)
    y = rng.normal(size=(1, 3, 3, 4))
    dk, db = rng.normal(size=(5, 5, 2, 4)), rng.normal(size=2)
    got = model.deconv2d(y, dk, db)
    assert got.shape == (1, 9, 9, 2)
    np.testing.assert_allclose(got[0], deconv_by_hand(y[0], dk, db), rtol=1e-12, atol=1e-12)


def test_the_architecture_sizes():
    params = random_params()
    x = np.random.default_rng(2).uniform(0, 1, (3, 64, 64, 3))
    mu, log_var = model.encode(params, x)
    assert mu.shape == log_var.shape == (3, 16)
    assert model.decode(params, mu).shape == (3, 64, 64, 3)
    one_mu, _ = model.encode(params, x[0])
    np.testing.assert_allclose(one_mu, mu[0], rtol=1e-5, atol=1e-6)  # one frame = the same frame in a batch
    with pytest.raises(ValueError, match="64 x 64 x 3"):
        model.encode(params, np.zeros((2, 32, 32, 3)))


def test_the_encoder_equals_hand_computed_layers():
    params = random_params(3)
    x = np.random.default_rng(4).uniform(0, 1, (64, 64, 3))
    h = x
    for i in range(1, 5):
        h = np.maximum(conv_by_hand(h, params[f"enc_conv{i}/kernel"].astype(float), params[f"enc_conv{i}/bias"]), 0)
    assert h.shape == (2, 2, 256)
    mu = h.reshape(-1) @ params["enc_fc_mu/kernel"] + params["enc_fc_mu/bias"]
    np.testing.assert_allclose(model.encode(params, x)[0], mu, rtol=1e-4, atol=1e-5)


def test_a_synthetic_authors_file_round_trips(tmp_path):
    params = random_params(5)
    listed = weights.params_to_authors_list(params)
    assert len(listed) == 22 and np.shape(listed[0]) == (4, 4, 3, 32)
    path = tmp_path / "vae_16.json"
    path.write_text(json.dumps(listed))
    got, meta = weights.load_vae(path)
    assert meta["pipeline"] == "authors"
    for key, value in params.items():  # the file keeps 4 decimals: round(10000 x value)
        np.testing.assert_allclose(got[key], value, atol=0.5e-4 + 1e-7)
    x = np.random.default_rng(6).uniform(0, 1, (4, 64, 64, 3))
    rounded = {k: np.rint(v.astype(np.float64) * 1e4) / 1e4 for k, v in params.items()}
    np.testing.assert_allclose(model.encode(got, x)[0], model.encode(rounded, x)[0], rtol=1e-4, atol=1e-4)


def test_bad_authors_files_are_refused_with_a_reason(tmp_path):
    params = random_params(7)
    listed = weights.params_to_authors_list(params)
    cases = {
        "not json": b"{nope",
        "a dict": json.dumps({"a": 1}).encode(),
        "too few": json.dumps(listed[:5]).encode(),
        "bad shape": json.dumps(listed[:2] + [[1, 2, 3]] + listed[3:]).encode(),
    }
    for name, data in cases.items():
        with pytest.raises(weights.VaeFileError):
            weights.load_vae(data)
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(weights.MAX_FILE_BYTES + 1)
    with pytest.raises(weights.VaeFileError, match="larger than"):
        weights.load_vae(big)


def test_this_projects_format_is_float16_and_keeps_its_meta(tmp_path):
    params = random_params(8)
    encoder = {k: v for k, v in params.items() if k.split("/")[0] in model.ENCODER}
    path = weights.save_vae(encoder, tmp_path / "vae.npz", {"pipeline": "wann", "training": {"epochs": 3}})
    got, meta = weights.load_vae(path)
    assert meta["format"] == "wann-vae" and meta["training"] == {"epochs": 3}
    assert set(got) == set(encoder)
    for key, value in encoder.items():
        np.testing.assert_allclose(got[key], value.astype(np.float16).astype(np.float32))
    with np.load(path) as z:
        assert z["enc_conv4/kernel"].dtype == np.float16


def test_the_authors_frame_pipeline_wraps_as_their_numpy_did():
    rng = np.random.default_rng(9)
    obs = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
    obs[0, 0] = 0
    obs[1, 1] = 255  # min 0 and max 255: the min..max rescale is the identity
    out = frames.prepare(obs, "authors")
    assert out.shape == (64, 64, 3) and out.dtype == np.float32
    from PIL import Image

    v = np.asarray(Image.fromarray(obs[:84]).resize((64, 64), Image.BILINEAR)).astype(int)
    want = np.where(v == 0, 255, v - 1) / 255.0
    np.testing.assert_allclose(out, want, atol=1e-6)
    # ours: crop, bilinear, /255
    np.testing.assert_allclose(frames.prepare(obs, "wann"), v / 255.0, atol=1e-6)
    assert frames.prepare(np.stack([obs, obs]), "wann").shape == (2, 64, 64, 3)
    with pytest.raises(ValueError, match="pipeline"):
        frames.prepare(obs, "nope")


def test_a_frame_gets_the_same_code_in_any_batch():
    """Lock-step episodes share one encode, and an episode must not depend on the others."""
    params = random_params(10)
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 1, (12, 64, 64, 3)).astype(np.float32)
    alone = np.stack([model.encode(params, f)[0] for f in x])
    for n in (2, 5, 12):
        assert np.array_equal(model.encode(params, x[:n])[0], alone[:n])
    perm = rng.permutation(12)
    assert np.array_equal(model.encode(params, x[perm])[0], alone[perm])


def test_npz_files_with_foreign_entries_or_a_bad_meta_are_refused(tmp_path):
    import io
    import zipfile

    params = {k: v for k, v in random_params(12).items() if k.split("/")[0] in model.ENCODER}
    path = weights.save_vae(params, tmp_path / "vae.npz", {"pipeline": "wann"})
    data = path.read_bytes()
    extra = io.BytesIO(data)
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("payload.npy", b"x" * 10)
    with pytest.raises(weights.VaeFileError, match="entries"):
        weights.load_vae(extra.getvalue())
    weights.save_vae(params, tmp_path / "odd.npz", {"pipeline": "nope"})
    with pytest.raises(weights.VaeFileError, match="pipeline"):
        weights.load_vae(tmp_path / "odd.npz")
    bad_meta = {**params, "meta": np.array(json.dumps([1, 2]))}
    np.savez(tmp_path / "list.npz", **bad_meta)
    with pytest.raises(weights.VaeFileError, match="wann-vae"):
        weights.load_vae(tmp_path / "list.npz")
    assert model.encode(weights.load_vae(path)[0], np.zeros((0, 64, 64, 3)))[0].shape == (0, 16)
