"""The paper's MNIST preprocessing on hand-made images (no dataset needed)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from wann_viz.tasks.mnist import deskew, preprocess, resize_bilinear, skew_of


def sheared_bar(shear: float, centre: float, side: int = 16, rows=(2, 14)) -> np.ndarray:
    """A one-pixel-wide bar at column ``centre + shear * (y - 8)`` in rows [r0, r1).

    Each row's unit mass is split linearly between the two nearest columns,
    so the row's centroid is exactly on the bar.
    """
    img = np.zeros((side, side))
    for y in range(*rows):
        x = centre + shear * (y - 8)
        lo = int(np.floor(x))
        f = x - lo
        img[y, lo] += 1.0 - f
        img[y, lo + 1] += f
    return img


def row_centroids(img: np.ndarray) -> np.ndarray:
    mass = img.sum(axis=1)
    keep = mass > 1e-9
    return (img @ np.arange(img.shape[1]))[keep] / mass[keep]


def brute_deskew(img: np.ndarray) -> np.ndarray:
    """The spec written pixel by pixel: moments, skew, inverse map, bilinear, zero outside."""
    h, w = img.shape
    m00 = img.sum()
    if m00 == 0:
        return img.copy()
    xc = sum(x * img[y, x] for y in range(h) for x in range(w)) / m00
    yc = sum(y * img[y, x] for y in range(h) for x in range(w)) / m00
    mu11 = sum((x - xc) * (y - yc) * img[y, x] for y in range(h) for x in range(w))
    mu02 = sum((y - yc) ** 2 * img[y, x] for y in range(h) for x in range(w))
    if abs(mu02) < 0.01:
        return img.copy()
    skew = mu11 / mu02
    out = np.zeros_like(img)
    for y in range(h):
        for x in range(w):
            # Inverse map [[1, skew, -8 skew], [0, 1, 0]] applied to (x, y).
            sx = x + skew * y - 8 * skew
            x0 = int(np.floor(sx))
            f = sx - x0

            def px(c):
                return img[y, c] if 0 <= c < w else 0.0

            out[y, x] = (1 - f) * px(x0) + f * px(x0 + 1)
    return out


# ----- resize ---------------------------------------------------------------------

def test_resize_matches_pillow_affine_bilinear():
    # Pillow's affine transform samples output pixel centres (i + 0.5) * 1.75
    # bilinearly, with no anti-aliasing: the same as OpenCV's INTER_LINEAR.
    rng = np.random.default_rng(0)
    for _ in range(3):
        img = rng.random((28, 28)).astype(np.float32)
        ref = Image.fromarray(img).transform(
            (16, 16), Image.Transform.AFFINE, (28 / 16, 0, 0, 0, 28 / 16, 0), resample=Image.Resampling.BILINEAR)
        np.testing.assert_allclose(resize_bilinear(img.astype(np.float64)), np.asarray(ref), atol=1e-6)


def test_resize_keeps_constants_and_samples_between_two_pixels():
    np.testing.assert_allclose(resize_bilinear(np.full((28, 28), 0.3)), 0.3, atol=1e-15)
    # Output pixel 0 samples input position 0.375: 5/8 of pixel 0, 3/8 of pixel 1.
    img = np.zeros((28, 28))
    img[:, 1] = 1.0
    out = resize_bilinear(img)
    np.testing.assert_allclose(out[:, 0], 0.375)
    np.testing.assert_allclose(out[:, 1:], 0.0)


def test_resize_batch_equals_single():
    rng = np.random.default_rng(1)
    batch = rng.random((4, 28, 28))
    for i in range(4):
        np.testing.assert_array_equal(resize_bilinear(batch)[i], resize_bilinear(batch[i]))


# ----- deskew ---------------------------------------------------------------------

@pytest.mark.parametrize("shear", [0.4, -0.4, 0.15, -0.25])
def test_skew_is_the_bar_slope(shear):
    assert skew_of(sheared_bar(shear, 7.3)[None])[0] == pytest.approx(shear, abs=1e-12)


@pytest.mark.parametrize("shear", [0.4, -0.4, 0.2])
def test_sheared_bar_comes_out_straight(shear):
    # shear > 0: the bar leans right going down the image (x grows with y).
    img = sheared_bar(shear, 7.3)
    assert np.ptp(row_centroids(img)) > 4 * abs(shear)
    out = deskew(img[None])[0]
    np.testing.assert_allclose(row_centroids(out), 7.3, atol=1e-9)
    np.testing.assert_allclose(out.sum(axis=1), img.sum(axis=1), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(shear=st.floats(-0.5, 0.5), centre=st.floats(5.0, 10.0))
def test_any_sheared_bar_comes_out_straight(shear, centre):
    img = sheared_bar(shear, centre)
    out = deskew(img[None])[0]
    if abs(skew_of(img[None])[0]) > 0:
        np.testing.assert_allclose(row_centroids(out), centre, atol=1e-8)
    np.testing.assert_allclose(out.sum(), img.sum(), atol=1e-9)


def test_deskew_matches_the_spec_pixel_by_pixel():
    rng = np.random.default_rng(2)
    imgs = []
    for k in range(6):
        img = np.zeros((16, 16))
        img[1:15, 2 + k: 9 + k] = rng.random((14, 7))  # content near the borders too
        imgs.append(img)
    imgs.append(sheared_bar(0.45, 3.0))  # the shift carries part of the bar past the left edge
    got = deskew(np.stack(imgs))
    for img, out in zip(imgs, got):
        np.testing.assert_allclose(out, brute_deskew(img), atol=1e-12)


def test_deskew_matches_pillow_affine_inside_the_image():
    img = np.zeros((16, 16))
    img[3:13, 5:11] = np.random.default_rng(3).random((10, 6))
    skew = skew_of(img[None])[0]
    assert abs(skew) > 0.01
    # Pillow maps output pixel centres: x_in + 0.5 = (x + 0.5) + skew (y + 0.5) + c.
    ref = Image.fromarray(img.astype(np.float32)).transform(
        (16, 16), Image.Transform.AFFINE, (1, skew, -8 * skew - skew / 2, 0, 1, 0),
        resample=Image.Resampling.BILINEAR)
    np.testing.assert_allclose(deskew(img[None])[0], np.asarray(ref), atol=1e-6)


def test_flat_images_are_left_unchanged():
    line = np.zeros((16, 16))
    line[7, 3:12] = 1.0  # one row: mu02 = 0
    faint = np.zeros((16, 16))
    faint[4, 4] = faint[10, 9] = 1e-4  # mu02 = 2 * 1e-4 * 9 < 0.01
    blank = np.zeros((16, 16))
    batch = np.stack([line, faint, blank])
    np.testing.assert_array_equal(skew_of(batch), 0.0)
    np.testing.assert_array_equal(deskew(batch), batch)


def test_upright_bar_is_unchanged():
    img = np.zeros((16, 16))
    img[2:14, 6:8] = 1.0
    assert skew_of(img[None])[0] == 0.0
    np.testing.assert_array_equal(deskew(img[None])[0], img)


# ----- the whole pipeline on 28x28 images -------------------------------------------

def drawn_bar(shear_28: float) -> np.ndarray:
    """A 3-pixel-wide bar drawn on 28x28 with Pillow, leaning ``shear_28`` columns per row."""
    im = Image.new("L", (28, 28), 0)
    top, bottom, x_mid = 4, 24, 13.5
    dx_top, dx_bottom = shear_28 * (top - 14), shear_28 * (bottom - 14)
    ImageDraw.Draw(im).polygon(
        [(x_mid - 1.5 + dx_top, top), (x_mid + 1.5 + dx_top, top),
         (x_mid + 1.5 + dx_bottom, bottom), (x_mid - 1.5 + dx_bottom, bottom)], fill=255)
    return np.asarray(im)


def centroid_slope(img: np.ndarray) -> float:
    """Least-squares slope of the row centroids against the row (columns per row)."""
    mass = img.sum(axis=1)
    rows = np.flatnonzero(mass > 1e-9)
    return float(np.polyfit(rows, row_centroids(img), 1)[0])


@pytest.mark.parametrize("shear", [0.35, -0.35])
def test_preprocess_straightens_a_drawn_bar(shear):
    img = drawn_bar(shear)
    small = resize_bilinear(img / 255.0)
    out = preprocess(img).reshape(16, 16)
    # The drawn edges are jagged (Pillow fills polygons without anti-aliasing),
    # so judge the trend of the row centroids, not their spread.
    assert centroid_slope(small) == pytest.approx(shear, abs=0.03)
    assert abs(centroid_slope(out)) < 0.02


def test_preprocess_shapes_range_and_dtype():
    imgs = np.stack([drawn_bar(0.3), drawn_bar(0.0), np.zeros((28, 28), np.uint8), np.full((28, 28), 255, np.uint8)])
    out = preprocess(imgs)
    assert out.shape == (4, 256) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 + 1e-6
    np.testing.assert_array_equal(out[2], 0.0)
    np.testing.assert_allclose(out[3], 1.0, atol=1e-6)  # a full image has mu02 > 0 but no skew
    np.testing.assert_array_equal(preprocess(imgs[0]), out[0])
    # Row-major flattening: row 0 of the 16x16 image is inputs 0..15.
    np.testing.assert_array_equal(out[0].reshape(16, 16)[0], out[0][:16])


def test_preprocess_is_deterministic_and_block_independent():
    rng = np.random.default_rng(4)
    imgs = rng.integers(0, 256, (23, 28, 28), dtype=np.uint8)
    a = preprocess(imgs)
    b = preprocess(imgs.copy(), chunk=5)
    assert a.tobytes() == b.tobytes()
    assert preprocess(imgs).tobytes() == a.tobytes()


def test_preprocess_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="28, 28"):
        preprocess(np.zeros((2, 16, 16), np.uint8))
