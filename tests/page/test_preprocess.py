"""Unit tests of the canvas -> 28x28 specification (Python side).

The JavaScript side (web/js/preprocess.js) is checked against this one in
tests/web/test_preprocess_parity.py.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from handwriting.page.preprocess import (
    DEFAULT_SPEC,
    CanvasSpec,
    render,
    render_batch,
    transform_strokes,
)

SQUARE = [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]


def reference_render(strokes, spec):
    """Slow, obviously-correct version of the spec (pure Python loops)."""
    pts = [p for s in strokes for p in s]
    if not pts:
        return None
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    if side == 0:
        return None
    k = (spec.inner - 2 * spec.radius) / side
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    m = [[((x - cx) * k + spec.size / 2, (y - cy) * k + spec.size / 2) for x, y in s] for s in strokes if s]
    segs = []
    for s in m:
        segs += [(s[0], s[0])] if len(s) == 1 else list(zip(s, s[1:]))
    out = np.zeros((spec.size, spec.size), np.float32)
    for i in range(spec.size):
        for j in range(spec.size):
            px, py = j + 0.5, i + 0.5
            best = math.inf
            for (ax, ay), (bx, by) in segs:
                dx, dy = bx - ax, by - ay
                ll = dx * dx + dy * dy
                t = 0.0 if ll == 0 else min(1.0, max(0.0, ((px - ax) * dx + (py - ay) * dy) / ll))
                best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
            if best <= spec.radius:
                v = 1.0
            elif spec.softness > 0:
                v = math.exp(-((best - spec.radius) ** 2) / (2 * spec.softness**2))
            else:
                v = 0.0
            out[i, j] = v
    return out


def random_strokes(rng, n_strokes=3, n_points=12):
    return [rng.uniform(-50, 300, size=(rng.integers(1, n_points), 2)).tolist() for _ in range(n_strokes)]


# ---- the spec object ----------------------------------------------------------------------------


def test_defaults_and_dict_round_trip():
    spec = CanvasSpec()
    assert (spec.size, spec.inner) == (28, 24)
    assert 0 < spec.radius < spec.inner / 2
    assert spec.softness > 0
    d = spec.to_dict()
    assert set(d) == {"size", "inner", "radius", "softness"}
    assert CanvasSpec.from_dict(d) == spec
    assert CanvasSpec.from_dict(None) == spec
    assert CanvasSpec.from_dict({}) == spec
    # unknown keys (e.g. added by a later metadata version) are ignored
    assert CanvasSpec.from_dict({**d, "spec_version": 2}) == spec
    s2 = CanvasSpec.from_dict({"radius": "1.5", "softness": 0.5, "size": 32.0, "inner": 28})
    assert s2 == CanvasSpec(size=32, inner=28, radius=1.5, softness=0.5)
    assert isinstance(s2.size, int)


@pytest.mark.parametrize(
    "kwargs",
    [{"size": 0}, {"inner": 0}, {"inner": 40}, {"radius": -1}, {"radius": 12}, {"softness": math.nan}],
)
def test_invalid_specs_raise(kwargs):
    with pytest.raises(ValueError):
        CanvasSpec(**kwargs)


# ---- nothing to recognise -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "strokes",
    [None, [], [[]], [[], []], [[[5, 5]]], [[[5, 5], [5, 5], [5, 5]]], [[[3, 4]], [[3, 4]]]],
    ids=["none", "no-strokes", "empty-stroke", "empty-strokes", "dot", "repeated-dot", "two-dots-same-place"],
)
def test_nothing_to_recognise_gives_none(strokes):
    assert render(strokes) is None
    assert transform_strokes(strokes) is None


def test_non_finite_points_raise():
    with pytest.raises(ValueError):
        render([[[0, 0], [math.nan, 3]]])
    with pytest.raises(ValueError):
        render([[[0, 0], [math.inf, 3]]])


def test_malformed_stroke_raises():
    with pytest.raises(ValueError):
        render([[1, 2, 3]])


# ---- geometry -----------------------------------------------------------------------------------


def test_output_type_range_and_shape():
    img = render(SQUARE)
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() == 1.0
    assert img[14, 14] < 1e-3, "background is dark (ink is bright)"


def test_box_fills_the_inner_square_with_a_border():
    spec = CanvasSpec(radius=1.0, softness=0.0)  # hard edge: ink exactly where d <= radius
    img = render(SQUARE, spec)
    rows = np.where(img.max(axis=1) > 0)[0]
    cols = np.where(img.max(axis=0) > 0)[0]
    # the inked extent [2, 26] covers the pixels whose centres lie in it: 2..25
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (2, 25, 2, 25)
    assert img[14, 14] == 0.0, "the inside of the square is empty"


def test_aspect_ratio_is_kept_and_centred():
    spec = CanvasSpec(radius=1.0, softness=0.0)
    # a 100 x 20 rectangle: width fills the inner square, height is scaled by the same factor
    rect = [[[0, 0], [100, 0], [100, 20], [0, 20], [0, 0]]]
    img = render(rect, spec)
    rows = np.where(img.max(axis=1) > 0)[0]
    cols = np.where(img.max(axis=0) > 0)[0]
    assert (cols.min(), cols.max()) == (2, 25)
    k = (24 - 2) / 100
    top, bottom = 14 - 10 * k - 1, 14 + 10 * k + 1  # centre line +- radius
    assert rows.min() == math.ceil(top - 0.5) and rows.max() == math.floor(bottom - 0.5)
    # symmetric about the centre
    np.testing.assert_array_equal(img, img[::-1, :])
    np.testing.assert_array_equal(img, img[:, ::-1])


def test_vertical_line_is_centred_horizontally():
    img = render([[[7, 0], [7, 50]]], CanvasSpec(radius=1.0, softness=0.8))
    col_mass = img.sum(axis=0)
    centre = (col_mass * (np.arange(28) + 0.5)).sum() / col_mass.sum()
    assert centre == pytest.approx(14.0, abs=1e-6)


def test_centroid_of_a_symmetric_shape_is_the_image_centre():
    img = render(SQUARE)
    ii, jj = np.mgrid[0:28, 0:28] + 0.5
    assert (img * ii).sum() / img.sum() == pytest.approx(14.0, abs=1e-6)
    assert (img * jj).sum() / img.sum() == pytest.approx(14.0, abs=1e-6)


def test_invariant_to_translation_scale_and_stroke_direction():
    rng = np.random.default_rng(0)
    strokes = random_strokes(rng)
    base = render(strokes)
    moved = [[[3.5 * x - 1000, 3.5 * y + 77] for x, y in s] for s in strokes]
    np.testing.assert_allclose(render(moved), base, atol=1e-5)
    reversed_ = [list(reversed(s)) for s in reversed(strokes)]
    np.testing.assert_allclose(render(reversed_), base, atol=1e-6)


def test_extra_point_columns_and_empty_strokes_are_ignored():
    with_time = [[[x, y, 123.0, 0.5] for x, y in s] for s in SQUARE]
    np.testing.assert_array_equal(render(with_time), render(SQUARE))
    np.testing.assert_array_equal(render([[], *SQUARE, []]), render(SQUARE))


def test_one_point_stroke_is_a_dot():
    spec = CanvasSpec(radius=1.0, softness=0.0)
    img = render([[[0, 0], [10, 0]], [[5, 10]]], spec)  # a bar and a dot under its middle
    dot = img[20:, :]
    assert dot.sum() > 0
    ii, jj = np.nonzero(dot)
    assert jj.mean() == pytest.approx(13.5, abs=0.01)


def test_hard_edge_when_softness_is_zero():
    img = render(SQUARE, CanvasSpec(softness=0.0))
    assert set(np.unique(img)) <= {0.0, 1.0}


def test_softness_spreads_ink_monotonically():
    sums = [render(SQUARE, CanvasSpec(radius=1.0, softness=s)).sum() for s in (0.0, 0.5, 1.0)]
    assert sums[0] < sums[1] < sums[2]


def test_matches_the_slow_reference():
    rng = np.random.default_rng(1)
    for spec in (DEFAULT_SPEC, CanvasSpec(radius=1.3, softness=0.7), CanvasSpec(size=20, inner=16, radius=0.0, softness=1.0)):
        for _ in range(5):
            strokes = random_strokes(rng)
            np.testing.assert_allclose(render(strokes, spec), reference_render(strokes, spec), atol=1e-6)


def test_many_segments_cross_chunk_boundaries():
    t = np.linspace(0, 6 * np.pi, 1500)
    spiral = np.stack([t * np.cos(t), t * np.sin(t)], axis=1).tolist()
    np.testing.assert_allclose(render([spiral]), reference_render([spiral], DEFAULT_SPEC), atol=1e-6)


# ---- batches ------------------------------------------------------------------------------------


def test_render_batch_keeps_rows_aligned_and_reports_empty_samples():
    samples = [SQUARE, None, [[[1, 1]]], [[[0, 0], [0, 9]]], []]
    out, valid = render_batch(samples, return_valid=True)
    assert out.shape == (5, 28, 28) and out.dtype == np.float32
    assert valid.tolist() == [True, False, False, True, False]
    np.testing.assert_array_equal(out[0], render(SQUARE))
    assert not out[~valid].any(), "empty samples are all-zero images"
    assert render_batch([]).shape == (0, 28, 28)
    np.testing.assert_array_equal(render_batch(samples), out)


def test_render_batch_speed():
    rng = np.random.default_rng(2)
    samples = [random_strokes(rng, n_strokes=3, n_points=20) for _ in range(200)]
    t0 = time.perf_counter()
    render_batch(samples)
    per_sample = (time.perf_counter() - t0) / len(samples)
    assert per_sample < 0.01, f"{per_sample * 1e3:.2f} ms per sample"
