"""The ingestion pipeline end to end on tiny files written here, through the real datasets."""

from __future__ import annotations

import gzip
import string
import struct

import numpy as np
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.json import JSONDataset

from handwriting.datasets import ArraysDataset, EMNISTMappingDataset, EMNISTSplitDataset
from handwriting.pipelines.ingestion import create_pipeline

CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _write(directory, chars=CHARS, counts=(("train", 6), ("test", 4))):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in counts:
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, len(chars), n, dtype=np.uint8)
        stem = directory / f"emnist-byclass-{split}"
        stem.with_name(stem.name + "-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
        )
        stem.with_name(stem.name + "-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">II", 2049, n) + labels.tobytes())
        )
        arrays[split] = (images, labels)
    (directory / "emnist-byclass-mapping.txt").write_text("".join(f"{i} {ord(c)}\n" for i, c in enumerate(chars)))
    return arrays


def _catalog(directory, out):
    source = {"directory": directory, "download": False}
    return DataCatalog(
        {
            "emnist_train_raw": EMNISTSplitDataset(split="train", **source),
            "emnist_test_raw": EMNISTSplitDataset(split="test", **source),
            "emnist_mapping_raw": EMNISTMappingDataset(**source),
            "params:ingestion": MemoryDataset({"num_classes": 62}),
            "labels": JSONDataset(filepath=str(out / "labels.json")),  # as in catalog.yml
            "emnist_train": ArraysDataset(out / "emnist_train.npz"),
            "emnist_test": ArraysDataset(out / "emnist_test.npz"),
        }
    )


def test_pipeline_structure():
    pipeline = create_pipeline()
    assert pipeline.inputs() == {"emnist_mapping_raw", "emnist_train_raw", "emnist_test_raw", "params:ingestion"}
    assert pipeline.outputs() == {"emnist_train", "emnist_test"}
    assert {n.name for n in pipeline.nodes} == {"build_labels", "validate_emnist_train", "validate_emnist_test"}
    assert "labels" in pipeline.all_outputs()


def test_pipeline_runs(tmp_path):
    arrays = _write(tmp_path)
    catalog = _catalog(tmp_path, tmp_path / "out")
    SequentialRunner().run(create_pipeline(), catalog)
    assert catalog.load("labels") == list(CHARS)
    for split in ("train", "test"):
        saved = ArraysDataset(tmp_path / "out" / f"emnist_{split}.npz").load()
        np.testing.assert_array_equal(saved["images"], arrays[split][0])
        np.testing.assert_array_equal(saved["labels"], arrays[split][1])
        assert saved["images"].dtype == np.uint8 and saved["labels"].dtype == np.uint8


def test_pipeline_stops_on_61_classes(tmp_path):
    _write(tmp_path, chars=CHARS[:61])
    with pytest.raises(Exception, match="61 classes, expected 62"):
        SequentialRunner().run(create_pipeline(), _catalog(tmp_path, tmp_path / "out"))
    assert not (tmp_path / "out").exists()
