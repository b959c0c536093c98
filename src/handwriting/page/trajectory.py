"""The strokes -> trajectory specification: how the stroke model sees a drawing.

The image model sees the ink; once a drawing is rendered, the order and direction of the pen's
movement and where it was lifted are gone. Real pen strokes carry that information (a 5 is
usually two strokes, an S one; a 1 starts with its flag), so the page also reads the pen path
itself with a small 1-D CNN (the *stroke model*) and multiplies the two models' probabilities.

This module is the single definition of that input. It is implemented twice, here (numpy, used
for training and benchmarks) and in ``web/js/trajectory.js`` (the page and Node);
``tests/web/test_trajectory_parity.py`` checks that both agree on the same strokes.

1. ``strokes`` is a list of strokes; a stroke is a list of ``[x, y]`` points (any units, y grows
   downward; entries after x, y are ignored). Empty strokes are ignored. Points must be finite.
2. Bounding box of all points, centre ``(cx, cy)``, ``side = max(width, height)``. No points, or
   ``side == 0`` (a single dot): nothing to recognise, return ``None``.
3. Every point becomes ``((x - cx) / side, (y - cy) / side)``: the drawing centred on the origin,
   its longer side 1, aspect ratio kept (so size and position on the canvas do not matter).
4. The points of all strokes, in drawing order, form one path of ``n - 1`` segments; segment
   ``i`` runs from point ``i`` to point ``i + 1`` and is *ink* when both points belong to the same
   stroke, a *pen-up jump* otherwise. Its length is ``sqrt(dx*dx + dy*dy)``; ``cum[0] = 0`` and
   ``cum[i + 1] = cum[i] + length[i]`` (summed in order); ``L = cum[n - 1]``.
5. ``points`` samples equally spaced along that path: ``t_k = k * (L / (points - 1))`` for
   ``k < points - 1`` and ``t_{points-1} = L``. Sample ``k`` lies on segment ``i``, the largest
   ``i <= n - 2`` with ``cum[i] <= t_k``, at ``f = (t_k - cum[i]) / length[i]`` (0 for a
   zero-length segment): ``p_k = p_i + f * (p_{i+1} - p_i)``; its pen value is 1 on ink, 0 on a jump.
   Resampling by arc length makes the result independent of the device's sampling rate.
6. Features of sample ``k``: ``x, y, dx, dy, pen`` with ``(dx, dy) = p_{k+1} - p_k``
   (0 for the last sample). The result is float32 ``(points, 5)``: what the stroke model takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["FEATURES", "DEFAULT_POINTS", "trajectory_features", "trajectory_batch"]

FEATURES = 5
"""x, y, dx, dy, pen."""
DEFAULT_POINTS = 64

Strokes = Sequence[Sequence[Sequence[float]]]


def clean_strokes(strokes: Strokes | None) -> list[np.ndarray]:
    """Step 1: the non-empty strokes as float64 ``(n, 2)`` arrays; ValueError on a point that
    is not finite."""
    clean = []
    for stroke in strokes or []:
        if stroke is None or len(stroke) == 0:
            continue
        pts = np.asarray([[float(p[0]), float(p[1])] for p in stroke], dtype=np.float64)
        if not np.isfinite(pts).all():
            raise ValueError("stroke points must be finite")
        clean.append(pts)
    return clean


def _path(strokes: Strokes | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(points (n, 2) normalised as in step 3, ink flag per segment (n - 1,)) or None."""
    clean = clean_strokes(strokes)
    if not clean:
        return None
    allp = np.concatenate(clean)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    side = float(max(hi[0] - lo[0], hi[1] - lo[1]))
    if not side > 0:
        return None
    centre = (lo + hi) / 2
    points = (allp - centre) / side
    ink = np.ones(len(points) - 1, dtype=bool)
    ends = np.cumsum([len(s) for s in clean])[:-1]  # index of each later stroke's first point
    ink[ends - 1] = False
    return points, ink


def trajectory_features(strokes: Strokes | None, points: int = DEFAULT_POINTS) -> np.ndarray | None:
    """float32 ``(points, 5)`` features of a drawing (see the module docstring), or None."""
    if int(points) != points or points < 2:
        raise ValueError(f"points must be an integer >= 2, got {points!r}")
    path = _path(strokes)
    if path is None:
        return None
    p, ink = path
    d = np.diff(p, axis=0)
    length = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(length)])
    total = float(cum[-1])
    t = np.arange(points, dtype=np.float64) * (total / (points - 1))
    t[-1] = total
    seg = np.clip(np.searchsorted(cum, t, side="right") - 1, 0, len(length) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(length[seg] > 0, (t - cum[seg]) / length[seg], 0.0)
    q = p[seg] + f[:, None] * d[seg]
    out = np.zeros((points, FEATURES), dtype=np.float64)
    out[:, :2] = q
    out[:-1, 2:4] = q[1:] - q[:-1]
    out[:, 4] = ink[seg]
    return out.astype(np.float32)


def trajectory_batch(drawings: Iterable[Strokes], points: int = DEFAULT_POINTS
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Features of many drawings: ``(N, points, 5)`` float32 (zeros where there is nothing to
    recognise) and a boolean ``valid`` mask."""
    rows, valid = [], []
    for strokes in drawings:
        f = trajectory_features(strokes, points)
        valid.append(f is not None)
        rows.append(f if f is not None else np.zeros((points, FEATURES), np.float32))
    x = np.stack(rows) if rows else np.zeros((0, points, FEATURES), np.float32)
    return x, np.asarray(valid, dtype=bool)

