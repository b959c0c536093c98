"""Pen-stroke records as model inputs: rendered through the canvas spec (the image model) or
resampled through the trajectory spec (the stroke model), exactly as the page reads a drawing."""

from __future__ import annotations

import numpy as np

from handwriting.page.preprocess import CanvasSpec, render
from handwriting.page.trajectory import FEATURES, trajectory_features


def _featurise(records: list[dict], labels: list[str], featurise, empty: tuple[int, ...]
               ) -> dict[str, np.ndarray]:
    """``featurise(strokes)`` of every record whose label is a class, as model inputs; records it
    returns None for (a single dot) are dropped, and ``index`` says which records the rows of
    ``x`` and ``y`` came from. ``empty`` is the shape of one row, for an empty result."""
    class_of = {ch: i for i, ch in enumerate(labels)}
    xs, ys, index = [], [], []
    for i, record in enumerate(records):
        features = featurise(record["strokes"]) if record["label"] in class_of else None
        if features is not None:
            xs.append(features)
            ys.append(class_of[record["label"]])
            index.append(i)
    x = np.stack(xs) if xs else np.zeros((0, *empty), np.float32)
    return {"x": x.astype(np.float32), "y": np.asarray(ys, dtype=np.int64),
            "index": np.asarray(index, dtype=np.int64)}


def render_strokes(records: list[dict], labels: list[str], canvas_spec: dict
                   ) -> dict[str, np.ndarray]:
    """Render pen-stroke records through the canvas spec (as the page does) into model inputs.

    Records whose label is not a class, or whose drawing is a single dot, are dropped;
    ``index`` says which records the rows of ``x`` and ``y`` came from.
    """
    spec = CanvasSpec.from_dict(canvas_spec or {})
    out = _featurise(records, labels, lambda strokes: render(strokes, spec), (spec.size, spec.size))
    return {**out, "x": out["x"][..., np.newaxis]}


def trajectory_set(records: list[dict], labels: list[str], points: int) -> dict[str, np.ndarray]:
    """Pen-path features (handwriting.page.trajectory) of stroke records, as model inputs.

    Records whose label is not a class, or whose drawing is a single dot, are dropped;
    ``index`` says which records the rows of ``x`` and ``y`` came from.
    """
    return _featurise(records, labels, lambda strokes: trajectory_features(strokes, points),
                      (points, FEATURES))
