import hashlib
import json
import os
import threading

import pytest
from kedro.io import DatasetError

from handwriting.datasets.static_model import StaticModelDirectory
from handwriting.page.manifest import ManifestError, file_path, parse_manifest, read_model_file


def _dataset(tmp_path, name="model"):
    return StaticModelDirectory(str(tmp_path / "web" / name), staging=str(tmp_path / "data" / "staging"))


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_save_then_load_round_trip(tmp_path):
    ds = _dataset(tmp_path)
    assert not ds.exists()
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01"})
    assert ds.exists()
    assert ds.load() == {"model.json": b"{}", "weights.abc.bin": b"\x00\x01"}


def test_the_folder_is_a_manifest_and_content_addressed_files(tmp_path):
    ds = _dataset(tmp_path)
    meta = json.dumps({"model_version": "v7"}).encode()
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01", "metadata.json": meta})
    model = tmp_path / "web" / "model"
    manifest = _manifest(model)
    assert manifest["format"] == 1 and manifest["version"] == "v7"
    digest = hashlib.sha256(b"\x00\x01").hexdigest()
    assert manifest["files"]["weights.abc.bin"] == {"sha256": digest, "bytes": 2}
    assert (model / "files" / f"{digest}.bin").read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(model)) == ["files", "manifest.json"]
    assert sorted(os.listdir(model / "files")) == sorted(
        hashlib.sha256(b).hexdigest() + s for b, s in ((b"{}", ".json"), (meta, ".json"), (b"\x00\x01", ".bin")))
    assert sorted(os.listdir(tmp_path / "web")) == ["model"]  # nothing else where the host copies
    assert not (tmp_path / "data" / "staging").exists()


def test_a_save_keeps_the_previous_version_and_prunes_older_ones(tmp_path):
    """A page that read the previous manifest still finds its files; older ones go."""
    ds = _dataset(tmp_path)
    versions = [{"model.json": b"v%d" % i, "weights.w.bin": b"w%d" % i} for i in range(3)]
    for files in versions:
        ds.save(files)
    assert ds.load() == versions[2]
    on_disk = set(os.listdir(tmp_path / "web" / "model" / "files"))
    named = lambda v: {hashlib.sha256(b).hexdigest() + n[n.rfind("."):] for n, b in v.items()}  # noqa: E731
    assert on_disk == named(versions[1]) | named(versions[2])


def test_failed_save_keeps_previous_model(tmp_path, monkeypatch):
    ds = _dataset(tmp_path)
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    real_replace = os.replace

    def flaky_replace(src, dst):
        if str(dst).endswith("manifest.json"):  # publishing the new manifest fails
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(DatasetError) as failure:  # Kedro wraps the OSError
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    assert "disk full" in str(failure.value.__cause__)
    monkeypatch.undo()
    assert ds.load() == {"model.json": b"old", "weights.old.bin": b"1"}


def test_rejects_bad_contents(tmp_path):
    ds = _dataset(tmp_path)
    with pytest.raises(DatasetError, match="model.json"):
        ds.save({"weights.bin": b""})
    with pytest.raises(DatasetError, match="bad file name"):
        ds.save({"model.json": b"{}", "../escape.bin": b""})
    assert not (tmp_path / "web" / "model").exists()


def test_load_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(DatasetError, match="kedro run"):
        _dataset(tmp_path).load()


@pytest.mark.parametrize("damage", ["same length", "truncated", "missing"])
def test_a_damaged_file_is_an_error_naming_it(tmp_path, damage):
    ds = _dataset(tmp_path)
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01\x02"})
    model = tmp_path / "web" / "model"
    path = model / file_path(parse_manifest((model / "manifest.json").read_bytes()), "weights.abc.bin")
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"\x00\x01\x03" if damage == "same length" else b"\x00")
    with pytest.raises(DatasetError, match=r"weights\.abc\.bin \(files/[0-9a-f]{64}\.bin\)"):
        ds.load()
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01\x02"})  # the next save mends it
    assert ds.load()["weights.abc.bin"] == b"\x00\x01\x02"


def test_the_next_save_clears_what_an_interrupted_one_left(tmp_path, caplog):
    ds = _dataset(tmp_path)
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    web, model, staging = tmp_path / "web", tmp_path / "web" / "model", tmp_path / "data" / "staging"
    for leftover in (".model.new-abc", ".model.old-def"):  # the older swap-by-rename code, killed
        (web / leftover).mkdir()
        (web / leftover / "model.json").write_bytes(b"half")
    staging.mkdir(parents=True)
    (staging / "0123.bin").write_bytes(b"half")  # killed while staging
    (model / "files" / ".abc.bin.part").write_bytes(b"half")  # killed while copying across filesystems
    (model / "model.json").write_bytes(b"flat")  # the flat layout's files
    with caplog.at_level("WARNING"):
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    assert sorted(os.listdir(web)) == ["model"]
    assert sorted(os.listdir(model)) == ["files", "manifest.json"]
    assert not staging.exists() and not any(n.startswith(".") for n in os.listdir(model / "files"))
    assert ds.load() == {"model.json": b"new", "weights.new.bin": b"2"}
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("left by an interrupted save" in m for m in warned) == 4
    assert any("model.json: not part of the published model" in m for m in warned)


def test_a_model_retired_by_the_older_code_comes_back_first(tmp_path, monkeypatch):
    """Killed between the older code's two renames: the folder is gone and the previous model sits
    in .model.old-*. The next save puts it back before anything else, so when that save fails the
    folder is still there."""
    ds = _dataset(tmp_path)
    ds.save({"model.json": b"old", "weights.old.bin": b"1"})
    web = tmp_path / "web"
    os.rename(web / "model", web / ".model.old-xyz")
    real_replace = os.replace

    def fail_publishing(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_publishing)
    with pytest.raises(DatasetError):
        ds.save({"model.json": b"new", "weights.new.bin": b"2"})
    monkeypatch.undo()
    assert ds.load() == {"model.json": b"old", "weights.old.bin": b"1"}
    assert sorted(os.listdir(web)) == ["model"]


def test_a_reader_during_many_publishes_always_finds_one_whole_version(tmp_path):
    """A reader polling the folder as a page loads it (the manifest, then each file it names) while
    models are published: every file it finds is the one its manifest names, whole, and the files
    of the manifest it read are there unless two newer versions were published meanwhile (the
    previous version's files are kept for such a reader)."""
    ds = _dataset(tmp_path)
    model = tmp_path / "web" / "model"

    def version(i):
        meta = json.dumps({"model_version": str(i)}).encode()
        return {"metadata.json": meta, "model.json": b"topology %d" % i,
                "weights.a.bin": os.urandom(3000), "weights.b.bin": b"%d" % i * 500}

    ds.save(version(0))
    done = threading.Event()
    reads, lagging = 0, 0
    errors = []

    def publish():
        try:
            for i in range(1, 120):
                ds.save(version(i))
        finally:
            done.set()

    writer = threading.Thread(target=publish)
    writer.start()
    while not done.is_set() or reads == 0:
        manifest = parse_manifest((model / "manifest.json").read_bytes())  # never missing
        try:
            files = {n: read_model_file(model, n, manifest) for n in manifest["files"]}
        except ManifestError as err:
            now = int(parse_manifest((model / "manifest.json").read_bytes())["version"])
            if "is missing" not in str(err) or now < int(manifest["version"]) + 2:
                errors.append(f"{manifest['version']} -> {now}: {err}")
            lagging += 1
            continue
        if json.loads(files["metadata.json"])["model_version"] != manifest["version"] \
                or files["model.json"] != b"topology " + manifest["version"].encode():
            errors.append(f"mixed versions under manifest {manifest['version']}")
        reads += 1
    writer.join()
    assert not errors, errors[:5]
    assert reads > 50 and lagging < reads


def test_a_staging_folder_on_another_filesystem_still_publishes_whole(tmp_path, monkeypatch):
    """Where the staging folder is on another filesystem (a rename across fails with EXDEV), each
    file is copied beside its target and renamed there: still nothing half-written in view."""
    import errno

    ds = _dataset(tmp_path)
    real_replace = os.replace
    crossed = []

    def no_rename_across(src, dst):
        if str(src).startswith(str(tmp_path / "data" / "staging")):
            crossed.append(os.path.basename(dst))
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_rename_across)
    ds.save({"model.json": b"{}", "weights.abc.bin": b"\x00\x01"})
    monkeypatch.undo()
    assert sorted(crossed) == sorted(["manifest.json", *os.listdir(tmp_path / "web" / "model" / "files")])
    assert ds.load() == {"model.json": b"{}", "weights.abc.bin": b"\x00\x01"}
    assert not any(n.startswith(".") for n in os.listdir(tmp_path / "web" / "model" / "files"))
    assert not (tmp_path / "data" / "staging").exists()
