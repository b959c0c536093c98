"""EMNIST Kedro datasets: loading a present folder (no network), missing files, bad files."""

from __future__ import annotations

import urllib.request

import numpy as np
import pytest
from kedro.io import DataCatalog, DatasetError

from handwriting.datasets import EMNISTMappingDataset, EMNISTSplitDataset
from handwriting.datasets.emnist import EMNISTFilesMissingError

UNREACHABLE = "http://127.0.0.1:9/never/gzip.zip"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a URL fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network touched: {args[0] if args else kwargs}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.parametrize("split", ["train", "test"])
def test_split_loads_present_folder_without_network(emnist_dir, no_network, split):
    directory, arrays = emnist_dir
    dataset = EMNISTSplitDataset(directory=str(directory), split=split, download=True, url=UNREACHABLE)
    assert dataset.exists()
    data = dataset.load()
    assert set(data) == {"images", "labels"}
    assert data["images"].dtype == np.uint8 and data["images"].shape[1:] == (28, 28)
    assert data["labels"].dtype == np.uint8 and data["labels"].ndim == 1
    np.testing.assert_array_equal(data["images"], arrays[split][0])  # as stored
    np.testing.assert_array_equal(data["labels"], arrays[split][1])


def test_mapping_loads_present_folder_without_network(emnist_dir, no_network, fx):
    directory, _ = emnist_dir
    dataset = EMNISTMappingDataset(directory=directory, url=UNREACHABLE)
    assert dataset.load() == fx.BYCLASS_CHARS
    assert dataset.load()[:3] == ["0", "1", "2"] and dataset.load()[-1] == "z"


def test_from_catalog_config(emnist_dir, no_network):
    directory, arrays = emnist_dir
    catalog = DataCatalog.from_config(
        {
            "raw": {"type": "handwriting.datasets.EMNISTSplitDataset", "directory": str(directory), "split": "test"},
            "mapping": {"type": "handwriting.datasets.EMNISTMappingDataset", "directory": str(directory)},
        }
    )
    assert catalog.load("raw")["images"].shape == arrays["test"][0].shape
    assert len(catalog.load("mapping")) == 62


def test_missing_files_without_download(tmp_path):
    dataset = EMNISTSplitDataset(directory=tmp_path / "none", split="train", download=False)
    assert not dataset.exists()
    with pytest.raises(EMNISTFilesMissingError) as info:
        dataset.load()
    message = str(info.value)
    assert "emnist-byclass-train-images-idx3-ubyte.gz" in message
    assert "emnist-byclass-train-labels-idx1-ubyte.gz" in message
    assert "HANDWRITING_EMNIST_DIR" in message
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, DatasetError)


def test_one_missing_file_is_named(emnist_dir):
    directory, _ = emnist_dir
    (directory / "emnist-byclass-test-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(EMNISTFilesMissingError, match=r"missing.*: emnist-byclass-test-labels-idx1-ubyte\.gz\."):
        EMNISTSplitDataset(directory=directory, split="test", download=False).load()


def test_mapping_missing_without_download(tmp_path):
    with pytest.raises(EMNISTFilesMissingError, match="emnist-byclass-mapping.txt"):
        EMNISTMappingDataset(directory=tmp_path, download=False).load()


def test_image_label_count_mismatch_names_both_files(emnist_dir, fx):
    directory, _ = emnist_dir
    _, labels = fx.make_split(4, seed=9)
    fx.write_gz(directory / "emnist-byclass-test-labels-idx1-ubyte.gz", fx.idx_bytes(labels))
    with pytest.raises(DatasetError) as info:
        EMNISTSplitDataset(directory=directory, split="test", download=False).load()
    message = str(info.value)
    assert "emnist-byclass-test-images-idx3-ubyte.gz" in message
    assert "emnist-byclass-test-labels-idx1-ubyte.gz" in message
    assert "3 images" in message and "4 labels" in message


def test_corrupt_file_is_reported_with_its_name(emnist_dir):
    directory, _ = emnist_dir
    path = directory / "emnist-byclass-train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DatasetError, match=r"emnist-byclass-train-images-idx3-ubyte\.gz.*gzip"):
        EMNISTSplitDataset(directory=directory, split="train", download=False).load()


def test_save_is_refused(emnist_dir):
    directory, _ = emnist_dir
    with pytest.raises(DatasetError, match="read-only"):
        EMNISTSplitDataset(directory=directory, split="train").save({"images": np.zeros(1)})
    with pytest.raises(DatasetError, match="read-only"):
        EMNISTMappingDataset(directory=directory).save(["a"])


def test_describe(tmp_path):
    text = str(EMNISTSplitDataset(directory=tmp_path, split="test", download=False))
    assert "split='test'" in text and "variant='byclass'" in text and "download=False" in text


def test_bad_split_or_variant(tmp_path):
    with pytest.raises(ValueError, match="split"):
        EMNISTSplitDataset(directory=tmp_path, split="validation")
    with pytest.raises(ValueError, match="variant"):
        EMNISTMappingDataset(directory=tmp_path, variant="bytype")


# ---- mapping format ------------------------------------------------------------------------


def _write_mapping(directory, text):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "emnist-byclass-mapping.txt").write_text(text)
    return EMNISTMappingDataset(directory=directory, download=False)


def test_mapping_with_61_classes_loads(tmp_path, fx):
    """The dataset reads any contiguous mapping; the 62-class rule lives in the ingestion node."""
    assert _write_mapping(tmp_path, fx.mapping_text(fx.BYCLASS_CHARS[:61])).load() == fx.BYCLASS_CHARS[:61]


def test_mapping_out_of_order_lines_are_sorted_by_label(tmp_path):
    assert _write_mapping(tmp_path, "1 66\n0 65\n\n2 67\n").load() == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0 48\n1\n", "line 2.*two integers"),
        ("0 48\n1 x\n", "line 2.*two integers"),
        ("0 48\n1 49 50\n", "line 2.*two integers"),
        ("0 48\n0 49\n", "label 0 appears twice"),
        ("0 48\n2 50\n", "0..1 without gaps.*missing \\[1\\]"),
        ("1 48\n2 49\n", "without gaps"),
        ("", "no mapping lines"),
    ],
)
def test_malformed_mapping(tmp_path, text, match):
    with pytest.raises(DatasetError, match=match):
        _write_mapping(tmp_path, text).load()
