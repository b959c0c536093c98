"""The canvas -> 28x28 specification: pen strokes in, model input out.

This is the single definition of how a drawing becomes the image the model sees. It is
implemented twice, here (numpy, used to render training / benchmark samples) and in
``web/js/preprocess.js`` (the browser and Node); ``tests/web/test_preprocess_parity.py`` checks that
both agree to 1e-4 on the same strokes.

The specification is *geometric*: it takes the pointer trajectories, not canvas pixels, so the
result does not depend on screen size, device pixel ratio or the on-screen stroke width.

1. ``strokes`` is a list of strokes; a stroke is a list of ``[x, y]`` points (any units, y grows
   downward). Empty strokes are ignored. Points must be finite.
2. Take the bounding box of all points; ``side = max(width, height)``. If there are no points,
   or ``side == 0`` (a single dot), there is nothing to recognise: return ``None``.
3. Scale ``k = (inner - 2 * radius) / side`` and map every point so that the box centre lands on
   the image centre: ``X = (x - cx) * k + size / 2`` (same for y). The inked extent (stroke
   centre lines plus the ink radius) then fills the central ``inner`` x ``inner`` pixels with a
   ``(size - inner) / 2`` pixel border, aspect ratio kept (padded to a square), the way EMNIST
   was made.
4. For every output pixel (row ``i``, column ``j``) with centre ``(j + 0.5, i + 0.5)``, ``d`` is the
   distance to the nearest stroke segment (a one-point stroke is a point) and
   ``ink = 1 if d <= radius else exp(-(d - radius)**2 / (2 * softness**2))``
   (``softness <= 0`` gives a hard edge: 0 outside the radius).
5. The result is a float32 ``(size, size)`` array in [0, 1], row-major, ink 1.0 on background
   0.0 (the inverse of black ink on a white canvas): exactly what the model takes (after adding
   the channel axis).

How the defaults were chosen (measured on the shared EMNIST byclass images, 15,000 test
images, transposed upright): the mean cross-section of straight vertical strokes (1, I, l) is a
soft bell, ~1.8 px at >= 0.9, ~3.3 px at >= 0.5, ~4.9 px at >= 0.1, ink sum ~3.4 per row; the
ink's bounding box is 20 / 22 / 24 px at thresholds 0.9 / 0.5 / 0.1. With ``inner = 24`` (the
contract) ``radius = 1.0, softness = 0.6`` gives a cross-section of 2.6 / 3.5 / 4.6 px (ink sum
3.5) and, with a throwaway CNN trained on EMNIST, recognised jittered clean glyphs best among the
inner = 24 settings tried (radius 0.3 - 1.4, softness 0.6 - 1.1). Note for tuning: because the
soft tail is outside the ``inner`` square, renderings are ~2 px larger than EMNIST at every
threshold; ``inner = 20, radius = 0.5, softness = 1.0`` reproduces EMNIST's 20 / 22 / 24 px
extents and stroke profile and scored ~2 points higher on the jittered glyphs. They are
parameters on purpose: the deployment writes the spec it uses into ``web/model/metadata.json``
and the page reads it from there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

__all__ = [
    "CanvasSpec",
    "DEFAULT_SPEC",
    "normalise_strokes",
    "transform_strokes",
    "render",
    "render_batch",
]

Strokes = Sequence[Sequence[Sequence[float]]]


@dataclass(frozen=True)
class CanvasSpec:
    """Parameters of the strokes -> image mapping (all lengths in output pixels)."""

    size: int = 28
    """Side of the output image."""
    inner: int = 24
    """Side of the central square the inked extent is scaled into (EMNIST: 24 of 28)."""
    radius: float = 1.0
    """Ink half-width: pixels whose centre is within ``radius`` of a stroke get ink 1.0."""
    softness: float = 0.6
    """Gaussian sigma of the ink falloff beyond ``radius``; ``<= 0`` means a hard edge."""

    def __post_init__(self) -> None:
        if int(self.size) != self.size or self.size <= 0:
            raise ValueError(f"size must be a positive integer, got {self.size!r}")
        if not (0 < self.inner <= self.size):
            raise ValueError(f"inner must be in (0, size], got {self.inner!r}")
        if self.radius < 0:
            raise ValueError(f"radius must be >= 0, got {self.radius!r}")
        if self.inner - 2 * self.radius <= 0:
            raise ValueError("inner - 2 * radius must be > 0")
        if not math.isfinite(self.softness):
            raise ValueError(f"softness must be finite, got {self.softness!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (what goes into ``metadata.json`` as ``canvas_spec``)."""
        d = asdict(self)
        d["size"] = int(d["size"])
        d["inner"] = int(d["inner"]) if float(d["inner"]).is_integer() else float(d["inner"])
        d["radius"] = float(d["radius"])
        d["softness"] = float(d["softness"])
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> CanvasSpec:
        """Build from a dict; missing keys take the defaults, unknown keys are ignored
        (so metadata may carry extra information such as a spec version)."""
        if data is None:
            return cls()
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: data[k] for k in names if k in data}
        if "size" in kwargs:
            kwargs["size"] = int(kwargs["size"])
        for k in ("inner", "radius", "softness"):
            if k in kwargs:
                kwargs[k] = float(kwargs[k])
        if "inner" in kwargs and kwargs["inner"].is_integer():
            kwargs["inner"] = int(kwargs["inner"])
        return cls(**kwargs)


DEFAULT_SPEC = CanvasSpec()


def normalise_strokes(strokes: Strokes | None) -> list[np.ndarray]:
    """Strokes as a list of float64 ``(n, 2)`` arrays, empty strokes dropped.

    Accepts any nesting of sequences / arrays of ``[x, y]`` pairs (extra columns, e.g. time or
    pressure, are ignored). Raises ``ValueError`` on malformed or non-finite points.
    """
    out: list[np.ndarray] = []
    if strokes is None:
        return out
    for stroke in strokes:
        a = np.asarray(stroke, dtype=np.float64)
        if a.size == 0:
            continue
        if a.ndim != 2 or a.shape[1] < 2:
            raise ValueError(f"a stroke must be a list of [x, y] points, got shape {a.shape}")
        a = a[:, :2]
        if not np.all(np.isfinite(a)):
            raise ValueError("stroke points must be finite")
        out.append(a)
    return out


def transform_strokes(strokes: Strokes | None, spec: CanvasSpec = DEFAULT_SPEC) -> list[np.ndarray] | None:
    """Map strokes into output-pixel coordinates (steps 2-3), or ``None`` if nothing to draw."""
    arrs = normalise_strokes(strokes)
    if not arrs:
        return None
    pts = np.concatenate(arrs, axis=0)
    lo = pts.min(axis=0)
    hi = pts.max(axis=0)
    side = float(np.max(hi - lo))
    if not side > 0:
        return None
    k = (spec.inner - 2.0 * spec.radius) / side
    c = (lo + hi) / 2.0
    half = spec.size / 2.0
    return [(a - c) * k + half for a in arrs]


def _segments(mapped: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Segment start points and direction vectors, ``(S, 2)`` each; a one-point stroke is a
    zero-length segment."""
    starts, ends = [], []
    for a in mapped:
        if len(a) == 1:
            starts.append(a)
            ends.append(a)
        else:
            starts.append(a[:-1])
            ends.append(a[1:])
    a = np.concatenate(starts, axis=0)
    b = np.concatenate(ends, axis=0)
    return a, b - a


_CENTRES: dict[int, np.ndarray] = {}


def _pixel_centres(size: int) -> np.ndarray:
    """``(size*size, 2)`` array of (x, y) pixel centres, row-major."""
    c = _CENTRES.get(size)
    if c is None:
        ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        c = np.stack([jj.ravel() + 0.5, ii.ravel() + 0.5], axis=1).astype(np.float64)
        c.setflags(write=False)
        _CENTRES[size] = c
    return c


def _min_sq_distance(p: np.ndarray, a: np.ndarray, ab: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Squared distance from each point in ``p`` (P, 2) to the nearest segment ``a + t*ab``."""
    best = np.full(len(p), np.inf)
    px = p[:, 0:1]
    py = p[:, 1:2]
    for s in range(0, len(a), chunk):
        ax = a[s : s + chunk, 0][None, :]
        ay = a[s : s + chunk, 1][None, :]
        dx = ab[s : s + chunk, 0][None, :]
        dy = ab[s : s + chunk, 1][None, :]
        ll = dx * dx + dy * dy
        wx = px - ax
        wy = py - ay
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(ll > 0, (wx * dx + wy * dy) / np.where(ll > 0, ll, 1.0), 0.0)
        np.clip(t, 0.0, 1.0, out=t)
        ex = wx - t * dx
        ey = wy - t * dy
        d2 = ex * ex + ey * ey
        np.minimum(best, d2.min(axis=1), out=best)
    return best


def _ink(d: np.ndarray, spec: CanvasSpec) -> np.ndarray:
    r = spec.radius
    if spec.softness > 0:
        e = np.maximum(d - r, 0.0)
        ink = np.exp(-(e * e) / (2.0 * spec.softness * spec.softness))
    else:
        ink = np.zeros_like(d)
    ink[d <= r] = 1.0
    return ink


def render(strokes: Strokes | None, spec: CanvasSpec = DEFAULT_SPEC) -> np.ndarray | None:
    """Render strokes to a float32 ``(size, size)`` image in [0, 1], or ``None`` when there is
    nothing to recognise (no points, or all points on one spot)."""
    mapped = transform_strokes(strokes, spec)
    if mapped is None:
        return None
    a, ab = _segments(mapped)
    d = np.sqrt(_min_sq_distance(_pixel_centres(spec.size), a, ab))
    return _ink(d, spec).reshape(spec.size, spec.size).astype(np.float32)


def render_batch(
    samples: Iterable[Strokes | None],
    spec: CanvasSpec = DEFAULT_SPEC,
    *,
    return_valid: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Render many samples to a float32 ``(N, size, size)`` array.

    Samples with nothing to recognise (``render`` returns ``None``: no points, or a single
    dot) become all-zero images, so row ``n`` always belongs to sample ``n``. With
    ``return_valid=True`` a boolean ``(N,)`` mask of the samples that did render is returned too,
    so callers can drop the empty ones (``images[valid]``).
    """
    images: list[np.ndarray] = []
    valid: list[bool] = []
    blank = np.zeros((spec.size, spec.size), dtype=np.float32)
    for strokes in samples:
        img = render(strokes, spec)
        valid.append(img is not None)
        images.append(blank if img is None else img)
    out = np.stack(images, axis=0) if images else np.zeros((0, spec.size, spec.size), np.float32)
    if return_valid:
        return out, np.asarray(valid, dtype=bool)
    return out
