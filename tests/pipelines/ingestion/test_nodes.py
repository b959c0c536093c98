"""Ingestion nodes: pure checks on mapping and split arrays."""

from __future__ import annotations

import string

import numpy as np
import pytest

from handwriting.pipelines.ingestion.nodes import IngestionError, build_labels, validate_split

CHARS = list(string.digits + string.ascii_uppercase + string.ascii_lowercase)
PARAMS = {"num_classes": 62}


def _split(n: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "images": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        "labels": rng.integers(0, 62, n, dtype=np.uint8),
    }


def test_build_labels():
    labels = build_labels(CHARS, PARAMS)
    assert labels == CHARS and len(labels) == 62


def test_build_labels_rejects_61_classes():
    with pytest.raises(IngestionError, match="61 classes, expected 62"):
        build_labels(CHARS[:61], PARAMS)


def test_build_labels_rejects_duplicates():
    with pytest.raises(IngestionError, match=r"repeats class names: \['A'\]"):
        build_labels([*CHARS[:61], "A"], PARAMS)


def test_validate_split_returns_data_unchanged():
    raw = _split()
    out = validate_split(raw, CHARS)
    assert set(out) == {"images", "labels"}
    assert out["images"] is raw["images"] and out["labels"] is raw["labels"]
    assert out["images"].dtype == np.uint8 and out["labels"].dtype == np.uint8


def test_label_out_of_range():
    raw = _split()
    raw["labels"][2] = 62
    with pytest.raises(IngestionError, match=r"1 labels are out of range \[0, 62\).*62"):
        validate_split(raw, CHARS)


def test_count_mismatch():
    raw = _split()
    raw["labels"] = raw["labels"][:4]
    with pytest.raises(IngestionError, match="5 images but 4 labels"):
        validate_split(raw, CHARS)


def test_empty_split():
    raw = {"images": np.zeros((0, 28, 28), np.uint8), "labels": np.zeros(0, np.uint8)}
    with pytest.raises(IngestionError, match="empty"):
        validate_split(raw, CHARS)


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.zeros((5, 27, 27), np.uint8), r"shape \(N, 28, 28\)"),
        (np.zeros((5, 784), np.uint8), r"shape \(N, 28, 28\)"),
        (np.zeros((5, 28, 28), np.float32), "uint8"),
    ],
)
def test_bad_images(images, match):
    raw = _split()
    raw["images"] = images
    with pytest.raises(IngestionError, match=match):
        validate_split(raw, CHARS)


def test_bad_labels_dtype_and_keys():
    raw = _split()
    raw["labels"] = raw["labels"].astype(np.int64)
    with pytest.raises(IngestionError, match="labels must be a uint8"):
        validate_split(raw, CHARS)
    with pytest.raises(IngestionError, match="lacks"):
        validate_split({"images": raw["images"]}, CHARS)
