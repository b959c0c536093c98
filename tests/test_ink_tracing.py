"""Pen paths guessed from ink images (handwriting.ink_tracing): thinning and walking."""

import numpy as np
import pytest

from handwriting.ink_tracing import skeletonize, trace_skeleton, traced_drawings
from handwriting.page.trajectory import trajectory_features


def _draw(size=28, *boxes):
    """A uint8 image with the (row0, row1, col0, col1) boxes inked."""
    img = np.zeros((size, size), np.uint8)
    for r0, r1, c0, c1 in boxes:
        img[r0:r1, c0:c1] = 255
    return img


def _ring(size=28, centre=(14, 14), outer=9, inner=5):
    yy, xx = np.mgrid[:size, :size]
    d = np.hypot(yy - centre[0], xx - centre[1])
    return ((d <= outer) & (d >= inner)).astype(np.uint8) * 255


def test_thinning_leaves_one_pixel_lines_with_the_shapes_extent_and_holes():
    bar, ring = _draw(28, (10, 15, 4, 24)), _ring()
    thin = skeletonize(np.stack([bar, ring]) > 96)
    rows = np.nonzero(thin[0].any(axis=1))[0]
    cols = np.nonzero(thin[0].any(axis=0))[0]
    assert len(rows) == 1 and 10 <= rows[0] < 15              # one row thick, inside the bar
    assert cols.min() <= 7 and cols.max() >= 20                # most of its length
    assert thin[1].sum() > 20 and not thin[1][14, 14]          # a ring stays a ring
    assert (thin <= (np.stack([bar, ring]) > 96)).all()        # only ever removes ink
    assert skeletonize(np.zeros((2, 5, 5), bool)).sum() == 0
    with pytest.raises(ValueError, match="N, H, W"):
        skeletonize(np.zeros((5, 5), bool))


def test_an_L_is_one_stroke_from_its_top_down_then_right():
    sk = np.zeros((20, 20), bool)
    sk[2:15, 4] = True          # down
    sk[14, 4:16] = True         # then right
    (stroke,) = trace_skeleton(sk)
    x, y = np.array(stroke).T
    assert (x[0], y[0]) == (4, 2) and (x[-1], y[-1]) == (15, 14)
    assert len(stroke) == sk.sum()                               # each pixel once
    turn = int(np.argmax(y))
    assert np.all(np.diff(y[:turn]) >= 0) and np.all(np.diff(x[turn:]) >= 0)


def test_a_loop_starts_at_its_top_goes_counter_clockwise_and_closes():
    (sk,) = skeletonize(_ring()[None] > 96)
    (stroke,) = trace_skeleton(sk)       # the staircase corners go with the line
    p = np.array(stroke)
    assert np.allclose(p[0], p[-1], atol=1.0)
    assert p[0][1] <= np.nonzero(sk)[0].min() + 3                  # starts near the top
    x, y = p.T
    assert (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() < 0     # counter-clockwise on screen
    ys, xs = np.nonzero(sk)                                         # and misses no ink
    assert np.hypot(xs[:, None] - x, ys[:, None] - y).min(axis=1).max() <= 1.5


def test_a_cross_is_walked_straight_through_its_junction():
    sk = np.zeros((21, 21), bool)
    sk[10, 2:19] = True
    sk[2:19, 10] = True
    vertical, horizontal = (np.array(s) for s in trace_skeleton(sk))
    assert vertical[0].tolist() == [10, 2] and vertical[-1].tolist() == [10, 18]
    assert horizontal[0].tolist() == [2, 10] and horizontal[-1].tolist() == [18, 10]
    assert len(horizontal) == 17                          # through the crossing, not around it


def test_specks_are_dropped_and_blank_images_give_no_strokes():
    sk = np.zeros((10, 10), bool)
    sk[1, 1] = sk[5, 5] = sk[5, 6] = True
    assert trace_skeleton(sk) == []
    assert trace_skeleton(sk, min_pixels=1) != []
    images = np.stack([np.zeros((28, 28), np.uint8), _draw(28, (4, 24, 12, 16))])
    blank, bar = list(traced_drawings(images, batch=1))
    assert blank == [] and len(bar) == 1
    assert trajectory_features(bar).shape == (64, 5)            # the stroke model's input
    with pytest.raises(ValueError, match="uint8"):
        list(traced_drawings(images.astype(np.float32)))
