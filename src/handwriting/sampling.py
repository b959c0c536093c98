"""Class-stratified samples and splits, and class weights: what the pipelines share to subset,
split and balance labelled data."""

from __future__ import annotations

import numpy as np


def stratified_indices(labels: np.ndarray, size: int | float | None, seed: int) -> np.ndarray:
    """Indices of a class-stratified sample of ``size`` items (an int count or a fraction).

    Every class present keeps at least one item, so rare classes survive small subsets.
    ``size=None`` (or a size >= len(labels)) keeps everything, in the original order.
    """
    n = len(labels)
    if size is None:
        return np.arange(n)
    fraction = size if isinstance(size, float) else size / n
    if not 0 < fraction:
        raise ValueError(f"subset size must be positive, got {size!r}")
    if fraction >= 1:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        take = max(1, int(round(len(members) * fraction)))
        chosen.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(chosen))


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into (keep, held_out) with ``fraction`` of every class held out.

    A class with a single item stays on the training side: it cannot be both learned and held out.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    held = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        take = int(round(len(members) * fraction)) if len(members) > 1 else 0
        take = min(max(take, 1 if len(members) > 1 else 0), len(members) - 1)
        held.append(rng.choice(members, size=take, replace=False))
    held_out = np.sort(np.concatenate(held)) if held else np.array([], dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held_out] = False
    return np.flatnonzero(mask), held_out


def class_weights(labels: np.ndarray, num_classes: int, power: float = 1.0,
                  max_weight: float | None = None) -> dict[str, float]:
    """Weights n / (k * count_c) ** power, normalised so the mean sample weight is 1.

    ``power`` 1 is sklearn's "balanced"; 0.5 softens it (byclass is very imbalanced: upweighting
    a rare class 30x makes the model guess it for common look-alikes). Absent classes get 1.0.
    Keys are class indices as strings (JSON keys).
    """
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    present = counts > 0
    raw = np.ones(num_classes)
    raw[present] = (counts[present].sum() / (present.sum() * counts[present])) ** power
    if max_weight is not None:
        raw = np.minimum(raw, max_weight)
    mean_sample_weight = (raw * counts).sum() / counts.sum()
    weights = raw / mean_sample_weight
    return {str(c): float(weights[c]) for c in range(num_classes)}
