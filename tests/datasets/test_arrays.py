"""ArraysDataset: uncompressed .npz round trip, atomic writes, clear errors."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from kedro.io import DatasetError

from handwriting.datasets import ArraysDataset


def test_round_trip_creates_parent_dirs(tmp_path):
    path = tmp_path / "a" / "b" / "split.npz"
    arrays = {
        "images": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
        "labels": np.array([3, 61], dtype=np.uint8),
        "weights": np.array([0.5, 2.0]),
    }
    dataset = ArraysDataset(filepath=str(path))
    assert not dataset.exists()
    dataset.save(arrays)
    assert dataset.exists()
    loaded = dataset.load()
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_file_is_uncompressed_npz(tmp_path):
    path = tmp_path / "x.npz"
    ArraysDataset(filepath=path).save({"x": np.zeros(1000, np.uint8)})
    with zipfile.ZipFile(path) as zf:
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_STORED}


def test_load_is_eager(tmp_path):
    path = tmp_path / "x.npz"
    dataset = ArraysDataset(filepath=path)
    dataset.save({"x": np.ones(3)})
    loaded = dataset.load()
    path.unlink()  # arrays must not depend on the file staying open
    np.testing.assert_array_equal(loaded["x"], np.ones(3))


def test_overwrite_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "x.npz"
    dataset = ArraysDataset(filepath=path)
    dataset.save({"x": np.ones(3)})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(DatasetError, match="disk full"):
        dataset.save({"x": np.zeros(3)})
    np.testing.assert_array_equal(dataset.load()["x"], np.ones(3))  # old file intact
    assert list(tmp_path.iterdir()) == [path]


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match=r"missing\.npz does not exist"):
        ArraysDataset(filepath=tmp_path / "missing.npz").load()


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04truncated"])
def test_corrupt_file(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=r"bad\.npz is not a readable \.npz"):
        ArraysDataset(filepath=path).load()


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.npz"
    ArraysDataset(filepath=path).save({"x": np.arange(10_000)})
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match=r"cut\.npz"):
        ArraysDataset(filepath=path).load()


def test_pickled_arrays_are_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DatasetError, match="obj.npz"):
        ArraysDataset(filepath=path).load()
    with pytest.raises(DatasetError, match="dtype object"):
        ArraysDataset(filepath=tmp_path / "y.npz").save({"x": np.array([{"a": 1}], dtype=object)})


def test_save_needs_a_dict(tmp_path):
    with pytest.raises(DatasetError, match="dict of arrays"):
        ArraysDataset(filepath=tmp_path / "x.npz").save(np.zeros(3))
