"""How the page combines its two models' opinions of one drawing.

The image model (the rendered ink) and the stroke model (the pen path, see trajectory_spec) are
treated as independent experts: their probabilities are multiplied, the stroke model's raised to
``weight``, and renormalised. In log space, with probabilities floored at ``FLOOR`` so that one
model's certainty cannot veto the other with a hard zero:

    s_i = ln(max(p_image_i, FLOOR)) + weight * ln(max(p_stroke_i, FLOOR))
    p_i = exp(s_i - max(s)) / sum_j exp(s_j - max(s))

``weight`` 0 is the image model alone. ``web/js/fusion.js`` is the page's copy of this rule;
``tests/web/test_trajectory_parity.py`` checks the two agree.
"""

from __future__ import annotations

import numpy as np

FLOOR = 1e-12
DEFAULT_WEIGHT = 1.0


def uses_stroke_model(stroke_history: dict | None, stroke_params: dict) -> bool:
    """Whether the page gets a stroke model: it was trained, and its fusion weight is above 0
    (the deployment ships it only then, and the reporting fuses only then)."""
    return bool((stroke_history or {}).get("trained")) and stroke_params.get("fusion_weight", 0) > 0


def fuse(p_image: np.ndarray, p_stroke: np.ndarray | None, weight: float = DEFAULT_WEIGHT
         ) -> np.ndarray:
    """Fused probabilities, same shape as ``p_image`` (one row per drawing or a single row).

    ``p_stroke`` None (no stroke model, or nothing to read) returns ``p_image`` as float64.
    """
    if not weight >= 0:
        raise ValueError(f"fusion weight must be >= 0, got {weight!r}")
    p_image = np.asarray(p_image, dtype=np.float64)
    if p_stroke is None or weight == 0:
        return p_image
    p_stroke = np.asarray(p_stroke, dtype=np.float64)
    if p_stroke.shape != p_image.shape:
        raise ValueError(f"probability shapes differ: {p_image.shape} vs {p_stroke.shape}")
    return normalise_log(np.log(np.maximum(p_image, FLOOR))
                         + weight * np.log(np.maximum(p_stroke, FLOOR)))


def normalise_log(s: np.ndarray) -> np.ndarray:
    """Probabilities from log scores along the last axis: exp(s - max s), summing to 1 (float64).
    Shared with handwriting.page.sizecue, as web/js/fusion.js's normalizeLog is with sizecue.js."""
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
