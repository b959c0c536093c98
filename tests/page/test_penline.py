"""The pen-line specification: what the words model reads does not depend on the device's units,
where the ink is, how often the device sampled the pen, or how many lines the writing has."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.page.penline import DEFAULT_STEP, FEATURES, penline_features, writing_height


def word(scale=1.0, offset=(0.0, 0.0), density=1):
    """A made-up cursive-ish word: three loops, then a separate dot."""
    t = np.linspace(0, 3 * 2 * np.pi, 90 * density)
    loops = np.stack([t / (2 * np.pi) + 0.3 * np.sin(t), 0.5 - 0.5 * np.cos(t)], axis=1)
    dot = np.array([[1.5, -0.6]])
    return [(s * scale + np.asarray(offset)).tolist() for s in (loops, dot)]


def test_units_and_position_do_not_matter():
    a = penline_features(word())
    b = penline_features(word(scale=37.5, offset=(-900, 1200)))
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_sampling_rate_does_not_matter():
    a = penline_features(word())
    b = penline_features(word(density=7))
    assert abs(len(a) - len(b)) <= 1
    n = min(len(a), len(b)) - 1
    np.testing.assert_allclose(a[:n, 2], b[:n, 2], atol=0.02)


def test_features_mark_lifts_and_steps():
    f = penline_features(word())
    assert f.dtype == np.float32 and f.shape[1] == FEATURES
    assert f[:, 3].tolist().count(1.0) == 2 and f[0, 3] == 1 and f[-1, 3] == 1  # two strokes
    steps = np.hypot(f[1:-1, 0], f[1:-1, 1])
    assert np.all(steps <= DEFAULT_STEP + 1e-6) and np.median(steps) > 0.9 * DEFAULT_STEP


def test_scale_is_the_writing_not_the_page():
    one = word()
    two_lines = one + [[[x, y + 3.0] for x, y in s] for s in one]  # the same word again below
    assert writing_height([np.asarray(s, float) for s in two_lines]) == pytest.approx(
        writing_height([np.asarray(s, float) for s in one]))
    assert len(penline_features(two_lines)) == 2 * len(penline_features(one))


def test_no_ink_and_dots():
    assert penline_features([]).shape == (0, FEATURES)
    assert penline_features([[[3, 3]]]).tolist() == [[0, 0, -0.5, 1]]
    with pytest.raises(ValueError, match="finite"):
        penline_features([[[0, 0], [float("inf"), 1]]])
