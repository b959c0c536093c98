"""Pure checks on what the EMNIST datasets loaded; nothing here opens a file.

Why check again after the readers: the readers guarantee the file format, these nodes guarantee
what the rest of the project relies on (62 classes, labels in range, 28x28 uint8, N > 0), so a
wrong variant or a mismatched mapping stops the run here with a clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

IMAGE_SHAPE = (28, 28)


class IngestionError(ValueError):
    """Loaded EMNIST data that the rest of the pipeline must not receive."""


def build_labels(mapping: list[str], params: Mapping[str, Any]) -> list[str]:
    """The class names in label order; exactly ``params['num_classes']`` unique characters."""
    num_classes = int(params["num_classes"])
    labels = list(mapping)
    if len(labels) != num_classes:
        raise IngestionError(
            f"The EMNIST mapping has {len(labels)} classes, expected {num_classes} "
            f"(parameter ingestion.num_classes); is the variant byclass?"
        )
    bad = [label for label in labels if not isinstance(label, str) or not label]
    if bad:
        raise IngestionError(f"Class names must be non-empty strings, got {bad[:5]}")
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise IngestionError(f"The EMNIST mapping repeats class names: {duplicates}")
    logger.info("%d classes: %s", len(labels), "".join(labels))
    return labels


def validate_split(raw: Mapping[str, np.ndarray], labels: list[str]) -> dict[str, np.ndarray]:
    """Check one split against the class list; returns its images and labels unchanged."""
    missing = {"images", "labels"} - set(raw)
    if missing:
        raise IngestionError(f"Split data lacks {sorted(missing)}; got keys {sorted(raw)}")
    images, targets = raw["images"], raw["labels"]
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise IngestionError(f"images must be a uint8 array, got {getattr(images, 'dtype', type(images))}")
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise IngestionError(f"images must have shape (N, 28, 28), got {images.shape}")
    if not isinstance(targets, np.ndarray) or targets.dtype != np.uint8:
        raise IngestionError(f"labels must be a uint8 array, got {getattr(targets, 'dtype', type(targets))}")
    if targets.ndim != 1:
        raise IngestionError(f"labels must have shape (N,), got {targets.shape}")
    if images.shape[0] != targets.shape[0]:
        raise IngestionError(f"{images.shape[0]} images but {targets.shape[0]} labels")
    if images.shape[0] == 0:
        raise IngestionError("The split is empty (N = 0)")
    top = int(targets.max())
    if top >= len(labels):
        out = int(np.count_nonzero(targets >= len(labels)))
        raise IngestionError(
            f"{out} labels are out of range [0, {len(labels)}): the largest is {top}"
        )
    counts = np.bincount(targets, minlength=len(labels))
    absent = [labels[i] for i in np.flatnonzero(counts == 0)]
    if absent:
        logger.warning("Classes with no examples in this split: %s", absent)
    logger.info(
        "%d images; rarest class %r (%d), commonest %r (%d)",
        images.shape[0],
        labels[int(counts.argmin())],
        int(counts.min()),
        labels[int(counts.argmax())],
        int(counts.max()),
    )
    return {"images": images, "labels": targets}
