"""The ink -> pen-line specification: how the words model sees a word or a line of writing.

The character models see one drawing at a time. The words model reads a whole word or line as
the pen moved: a sequence of points spaced evenly along the ink, each with the step from the
point before, its height in the writing and whether the pen was lifted to get there.

This module is the single definition of that input. It is implemented twice, here (numpy, used
for training and benchmarks) and in ``web/js/penline.js`` (the page and Node);
``tests/web/test_penline_parity.py`` checks that both agree on the same ink.

1. ``strokes`` is a list of strokes; a stroke is a list of ``[x, y]`` points (any units, y grows
   downward; entries after x, y are ignored). Empty strokes are ignored. Points must be finite.
2. The writing's scale, ``height``: the length-weighted median of the strokes' heights (sort the
   strokes by height, ``bottom - top`` of each, stably; the height of the first stroke at which
   their summed arc lengths reach half the total). Unlike the bounding box, it does not grow
   with the number of lines, or with ascenders and descenders. When it is 0 (dots, flat dashes):
   the bounding box's height, but at least its width / 8; 1 when that is 0 too (a single dot).
   Dividing by it makes the features independent of the device's units and of how large the
   person writes. ``top``: the smallest y of all points.
3. Each stroke is resampled by arc length with spacing ``step * height``: points at distances
   ``0, d, 2d, ...`` along the stroke (``p = p_i + f * (p_{i+1} - p_i)`` on the segment that
   holds the distance), then the stroke's last point when it lies more than ``d / 2`` beyond the
   last sample. This makes the sequence independent of the device's sampling rate.
4. Features of resampled point ``k``, in drawing order over all strokes:
   ``dx, dy`` = (its position - the previous point's) / height (0, 0 for the first point;
   across a pen lift, the jump between strokes, each clipped to ``[-JUMP_LIMIT, JUMP_LIMIT]``),
   ``y`` = (its y - top) / height - 0.5, and ``lift`` = 1 for the first point of each stroke,
   else 0. The result is float32 ``(points, 4)``, ``(0, 4)`` for no ink.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handwriting.page.trajectory import clean_strokes

__all__ = ["FEATURES", "DEFAULT_STEP", "JUMP_LIMIT", "penline_features", "writing_height"]

FEATURES = 4
"""dx, dy, y, lift."""
DEFAULT_STEP = 0.2
JUMP_LIMIT = 4.0

Strokes = Sequence[Sequence[Sequence[float]]]


def _arc_length(stroke: np.ndarray) -> float:
    seg = np.diff(stroke, axis=0)
    return float(np.sum(np.sqrt(seg[:, 0] * seg[:, 0] + seg[:, 1] * seg[:, 1])))


def writing_height(strokes: list[np.ndarray]) -> float:
    """Step 2: the writing's scale."""
    heights = np.array([float(s[:, 1].max() - s[:, 1].min()) for s in strokes])
    lengths = np.array([_arc_length(s) for s in strokes])
    order = np.argsort(heights, kind="stable")
    cum = np.cumsum(lengths[order])
    if cum[-1] > 0:
        median = float(heights[order][np.searchsorted(cum, cum[-1] / 2)])
        if median > 0:
            return median
    allp = np.concatenate(strokes)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    height = max(float(hi[1] - lo[1]), float(hi[0] - lo[0]) / 8)
    return height if height > 0 else 1.0


def _resample(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """Step 3 for one stroke: points every ``spacing`` along it, then its end when far enough."""
    seg = np.diff(stroke, axis=0)
    length = np.sqrt(seg[:, 0] * seg[:, 0] + seg[:, 1] * seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(length)])
    total = cum[-1]
    count = int(np.floor(total / spacing)) + 1
    t = np.arange(count, dtype=np.float64) * spacing
    if len(stroke) == 1 or total == 0:
        return stroke[:1]
    i = np.clip(np.searchsorted(cum, t, side="right") - 1, 0, len(stroke) - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(length[i] > 0, (t - cum[i]) / length[i], 0.0)
    out = stroke[i] + f[:, None] * seg[i]
    if total - t[-1] > spacing / 2:
        out = np.concatenate([out, stroke[-1:]])
    return out


def penline_features(strokes: Strokes | None, step: float = DEFAULT_STEP) -> np.ndarray:
    """float32 ``(points, 4)`` features of a word or line of ink (see the module docstring)."""
    if not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a number > 0, got {step!r}")
    clean = clean_strokes(strokes)
    if not clean:
        return np.zeros((0, FEATURES), dtype=np.float32)
    height = writing_height(clean)
    top = min(float(s[:, 1].min()) for s in clean)
    parts, lifts = [], []
    for stroke in clean:
        pts = _resample(stroke, step * height)
        parts.append(pts)
        lift = np.zeros(len(pts))
        lift[0] = 1.0
        lifts.append(lift)
    pts = np.concatenate(parts)
    lift = np.concatenate(lifts)
    d = np.zeros_like(pts)
    d[1:] = (pts[1:] - pts[:-1]) / height
    d = np.clip(d, -JUMP_LIMIT, JUMP_LIMIT)
    y = (pts[:, 1] - top) / height - 0.5
    return np.stack([d[:, 0], d[:, 1], y, lift], axis=1).astype(np.float32)
