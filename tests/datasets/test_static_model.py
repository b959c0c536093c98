import os

import pytest
from kedro.io import DatasetError

from handwriting.datasets.static_model import StaticModelDirectory


def test_save_then_load_round_trip(tmp_path):
    ds = StaticModelDirectory(str(tmp_path / "web" / "model"))
    assert not ds.exists()
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01"})
    assert ds.exists()
    assert ds.load() == {"model.json": b"{}", "weights.abc.bin": b"\x00\x01"}


def test_save_replaces_the_whole_folder(tmp_path):
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    assert ds.load() == {"model.json": b"new", "weights.new.bin": b"2"}
    assert sorted(os.listdir(tmp_path)) == ["model"]  # no staging or retired folders left


def test_failed_save_keeps_previous_model(tmp_path, monkeypatch):
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    real_rename = os.rename
    calls = []

    def flaky_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # moving the new folder into place fails
            raise OSError("disk full")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(DatasetError) as failure:  # Kedro wraps the OSError
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    assert "disk full" in str(failure.value.__cause__)
    monkeypatch.undo()
    assert ds.load() == {"model.json": b"old", "weights.old.bin": b"1"}
    assert sorted(os.listdir(tmp_path)) == ["model"]


def test_rejects_bad_contents(tmp_path):
    ds = StaticModelDirectory(str(tmp_path / "model"))
    with pytest.raises(DatasetError, match="model.json"):
        ds.save({"weights.bin": b""})
    with pytest.raises(DatasetError, match="bad file name"):
        ds.save({"model.json": b"{}", "../escape.bin": b""})
    assert not (tmp_path / "model").exists()


def test_load_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(DatasetError, match="kedro run"):
        StaticModelDirectory(str(tmp_path / "model")).load()


def test_the_next_save_clears_what_an_interrupted_one_left(tmp_path, caplog):
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    for leftover in (".model.new-abc", ".model.old-def"):  # a kill during a save
        (tmp_path / leftover).mkdir()
        (tmp_path / leftover / "model.json").write_bytes(b"half")
    with caplog.at_level("WARNING"):
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    assert sorted(os.listdir(tmp_path)) == ["model"]
    assert ds.load() == {"model.json": b"new", "weights.new.bin": b"2"}
    assert sum("left by an interrupted save" in r.getMessage() for r in caplog.records) == 2


def test_a_model_retired_by_an_interrupted_save_comes_back_first(tmp_path, monkeypatch):
    """Killed between the two renames: the folder is gone and the previous model sits in
    .model.old-*. The next save puts it back before anything else, so when that save fails too
    the page still has the previous model."""
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    os.rename(tmp_path / "model", tmp_path / ".model.old-xyz")
    real_rename = os.rename

    def fail_moving_the_new_folder(src, dst):
        if ".model.new-" in str(src):
            raise OSError("disk full")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", fail_moving_the_new_folder)
    with pytest.raises(DatasetError):
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    monkeypatch.undo()
    assert ds.load() == {"model.json": b"old", "weights.old.bin": b"1"}
    assert sorted(os.listdir(tmp_path)) == ["model"]
