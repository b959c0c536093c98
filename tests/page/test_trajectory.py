"""The strokes -> pen-path specification (handwriting.page.trajectory) and the fusion rule."""

import numpy as np
import pytest

from handwriting.page.fusion import FLOOR, fuse
from handwriting.page.trajectory import FEATURES, trajectory_batch, trajectory_features


def test_hand_computed_path_with_a_pen_up_jump():
    # a vertical bar (length 1 after scaling), then the pen jumps back up to dot its start
    f = trajectory_features([[[0, 0], [0, 10]], [[0, 0]]], points=3)
    assert f.shape == (3, FEATURES) and f.dtype == np.float32
    # centre (0, 5), side 10: the bar runs from (0, -0.5) to (0, 0.5), the jump back (length 1)
    np.testing.assert_allclose(f[:, :2], [[0, -0.5], [0, 0.5], [0, -0.5]], atol=1e-7)
    np.testing.assert_allclose(f[:, 2:4], [[0, 1], [0, -1], [0, 0]], atol=1e-7)
    # sample 1 sits exactly at the end of the bar: the next segment (the jump) owns it
    np.testing.assert_array_equal(f[:, 4], [1, 0, 0])


def test_samples_are_equally_spaced_along_the_path():
    f = trajectory_features([[[0, 0], [3, 0], [3, 4]]], points=9)  # an L of length 7 (scaled)
    steps = np.linalg.norm(np.diff(f[:, :2], axis=0), axis=1)
    # equal arc length per step; the one step cutting the corner is a chord, hence shorter
    arc = 7 / 4 / 8  # length 7 / side 4, over 8 steps
    assert np.isclose(steps, arc, atol=1e-6).sum() == 7 and steps.max() <= arc + 1e-6
    np.testing.assert_allclose(f[-1, :2], [0.375, 0.5], atol=1e-6)  # (3, 4) - centre (1.5, 2), / 4


def test_independent_of_position_scale_and_sampling_rate():
    rng = np.random.default_rng(0)
    sparse = [rng.uniform(0, 50, (2, 2)).tolist(), rng.uniform(0, 50, (3, 2)).tolist()]
    dense = []  # the same polylines with extra points on every segment
    for stroke in sparse:
        pts = np.asarray(stroke)
        fine = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:]):
            fine += [a + (b - a) * t for t in np.linspace(0, 1, 7)[1:]]
        dense.append(np.asarray(fine).tolist())
    moved = [(np.asarray(s) * 3.7 + [100, -20]).tolist() for s in sparse]
    base = trajectory_features(sparse)
    np.testing.assert_allclose(trajectory_features(dense), base, atol=1e-5)
    np.testing.assert_allclose(trajectory_features(moved), base, atol=1e-5)


def test_features_are_centred_unit_sized_and_consistent():
    rng = np.random.default_rng(1)
    f = trajectory_features([rng.normal(0, 5, (20, 2)).tolist(), rng.normal(3, 1, (9, 2)).tolist()])
    xy = f[:, :2]
    extent = xy.max(0) - xy.min(0)
    assert extent.max() <= 1 + 1e-6 and np.all(np.abs(xy) <= 0.5 + 1e-6)
    np.testing.assert_allclose(f[:-1, 2:4], np.diff(xy, axis=0), atol=1e-6)
    assert set(np.unique(f[:, 4])) <= {0.0, 1.0} and f[:, 4].sum() > 0


def test_nothing_to_read_and_bad_input():
    assert trajectory_features([]) is None
    assert trajectory_features(None) is None
    assert trajectory_features([[], [[4, 4]], [[4, 4], [4, 4]]]) is None  # a single dot
    with pytest.raises(ValueError, match="finite"):
        trajectory_features([[[0, 0], [float("nan"), 1]]])
    with pytest.raises(ValueError, match="points"):
        trajectory_features([[[0, 0], [1, 1]]], points=1)
    x, valid = trajectory_batch([[[[0, 0], [1, 1]]], [[[2, 2]]]], points=16)
    assert x.shape == (2, 16, FEATURES) and valid.tolist() == [True, False]
    assert not x[1].any()


def test_fusion_multiplies_experts_and_renormalises():
    img = np.array([0.6, 0.3, 0.1])
    stroke = np.array([0.1, 0.8, 0.1])
    expected = img * stroke / (img * stroke).sum()
    np.testing.assert_allclose(fuse(img, stroke, 1.0), expected)
    np.testing.assert_allclose(fuse(img, stroke, 0.0), img)
    np.testing.assert_allclose(fuse(img, None), img)
    half = img * np.sqrt(stroke)
    np.testing.assert_allclose(fuse(img, stroke, 0.5), half / half.sum())
    # a hard zero in one model is floored, not a veto: the class keeps the other's ranking
    out = fuse(np.array([[0.5, 0.5, 0.0]]), np.array([[0.0, 0.0, 1.0]]))
    assert out.shape == (1, 3) and np.isclose(out.sum(), 1) and out[0, 0] == out[0, 1]
    assert out[0, 2] == pytest.approx(FLOOR / (FLOOR + 2 * 0.5 * FLOOR), rel=1e-6)
    with pytest.raises(ValueError, match="weight"):
        fuse(img, stroke, -1)
    with pytest.raises(ValueError, match="shapes"):
        fuse(img, stroke[:2])
