"""The EMNIST download against a local HTTP server on 127.0.0.1 serving a tiny official-layout zip."""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import threading
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError

from handwriting.datasets import EMNISTSplitDataset
from handwriting.datasets import download as dl
from handwriting.datasets.download import (
    ChecksumError,
    DownloadError,
    atomic_writer,
    download_emnist,
    download_file,
    variant_filenames,
)
from handwriting.datasets.idx import read_idx_images, read_idx_labels

TINY_COUNTS = {"train": 7, "test": 3}
BYCLASS_FILES = sorted(variant_filenames("byclass"))


class FileServer:
    """A threaded HTTP server with switchable Range support and a one-off cut connection."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.range_support = True
        self.cut_next_after: int | None = None
        self.refuse_ranges = False  # answer 503 to Range requests (a server having a bad day)
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                rng = self.headers.get("Range")
                server.requests.append((self.path, rng))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                match = re.fullmatch(r"bytes=(\d+)-", rng or "")
                if match and server.refuse_ranges:
                    self.send_error(503)
                    return
                if server.range_support and match:
                    start = int(match.group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/zip")
                self.end_headers()
                if server.cut_next_after is not None:
                    cut, server.cut_next_after = server.cut_next_after, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/cs_links/EMNIST/gzip.zip") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> FileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class FakeTqdm:
    """Records what the progress bar was told."""

    instances: list[FakeTqdm] = []

    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs
        self.updates: list[int] = []
        FakeTqdm.instances.append(self)

    def update(self, n: int) -> None:
        self.updates.append(n)

    def __enter__(self) -> FakeTqdm:
        return self

    def __exit__(self, *exc) -> None:
        pass


@pytest.fixture
def bars(monkeypatch) -> list[FakeTqdm]:
    FakeTqdm.instances = []
    monkeypatch.setattr(dl, "tqdm", FakeTqdm)
    return FakeTqdm.instances


@pytest.fixture
def archive(fx) -> tuple[bytes, str, dict]:
    data, arrays = fx.official_zip_bytes(TINY_COUNTS)
    return data, hashlib.md5(data).hexdigest(), arrays


@pytest.fixture
def server(archive):
    with FileServer({"/cs_links/EMNIST/gzip.zip": archive[0]}) as srv:
        yield srv


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _assert_arrays(directory: Path, arrays: dict) -> None:
    for split, (images, labels) in arrays.items():
        np.testing.assert_array_equal(read_idx_images(directory / f"emnist-byclass-{split}-images-idx3-ubyte.gz"), images)
        np.testing.assert_array_equal(read_idx_labels(directory / f"emnist-byclass-{split}-labels-idx1-ubyte.gz"), labels)


# ---- happy path ------------------------------------------------------------------------------


def test_download_extracts_only_byclass_and_deletes_zip(tmp_path, server, archive, bars):
    data, md5, arrays = archive
    directory = tmp_path / "emnist"
    paths = download_emnist(directory, url=server.url(), md5=md5, expected_counts=TINY_COUNTS)
    assert sorted(p.name for p in paths) == BYCLASS_FILES
    assert _listing(directory) == BYCLASS_FILES  # no zip, no .part, no temp files, no digits files
    _assert_arrays(directory, arrays)
    assert (directory / "emnist-byclass-mapping.txt").read_text().startswith("0 48\n1 49\n")
    # progress: one bar over the whole archive
    (bar,) = bars
    assert bar.kwargs["total"] == len(data) and bar.kwargs["unit"] == "B"
    assert sum(bar.updates) == len(data)
    assert server.requests == [("/cs_links/EMNIST/gzip.zip", None)]


def test_dataset_downloads_when_missing_then_uses_files(tmp_path, server, archive, monkeypatch):
    _, md5, arrays = archive
    directory = tmp_path / "emnist"
    kwargs = dict(directory=directory, url=server.url(), md5=md5, expected_counts=TINY_COUNTS)
    data = EMNISTSplitDataset(split="train", **kwargs).load()
    np.testing.assert_array_equal(data["images"], arrays["train"][0])
    np.testing.assert_array_equal(data["labels"], arrays["train"][1])
    assert len(server.requests) == 1
    # the other split is now present: loading it must not touch the network at all
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("network touched"))
    test = EMNISTSplitDataset(split="test", **kwargs).load()
    np.testing.assert_array_equal(test["images"], arrays["test"][0])
    assert len(server.requests) == 1


def test_present_directory_never_touches_network(tmp_path, fx, monkeypatch):
    directory = tmp_path / "emnist"
    fx.write_emnist_dir(directory)
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("network touched"))
    paths = download_emnist(directory, url="http://127.0.0.1:9/unreachable.zip")
    assert sorted(p.name for p in paths) == BYCLASS_FILES


def test_only_missing_files_are_extracted(tmp_path, server, archive, fx):
    """A user's own files (different counts) are left alone; only the missing one is added."""
    _, md5, arrays = archive
    directory = tmp_path / "emnist"
    mine = fx.write_emnist_dir(directory, counts={"train": 4, "test": 2})
    (directory / "emnist-byclass-mapping.txt").unlink()
    download_emnist(directory, url=server.url(), md5=md5, expected_counts=TINY_COUNTS)
    assert _listing(directory) == BYCLASS_FILES
    _assert_arrays(directory, mine)


# ---- counts --------------------------------------------------------------------------------


def test_official_counts_are_checked_by_default(tmp_path, server, archive):
    _, md5, _ = archive
    directory = tmp_path / "emnist"
    with pytest.raises(DownloadError, match="holds 7 items, the official byclass train split has 697932"):
        download_emnist(directory, url=server.url(), md5=md5)
    # nothing unverified is left under a final name: the next run downloads again
    assert not any(name.endswith((".gz", ".txt")) for name in _listing(directory))


def test_wrong_count_fails(tmp_path, server, archive):
    _, md5, _ = archive
    with pytest.raises(DownloadError, match="holds 3 items, the official byclass test split has 4"):
        download_emnist(tmp_path, url=server.url(), md5=md5, expected_counts={"train": 7, "test": 4})
    assert not (tmp_path / "emnist-byclass-test-images-idx3-ubyte.gz").exists()


# ---- resume --------------------------------------------------------------------------------


def test_resume_from_partial_file(tmp_path, server, archive, bars):
    data, md5, arrays = archive
    directory = tmp_path / "emnist"
    directory.mkdir()
    done = len(data) // 3
    (directory / "emnist-gzip.zip.part").write_bytes(data[:done])
    download_emnist(directory, url=server.url(), md5=md5, expected_counts=TINY_COUNTS)
    assert server.requests == [("/cs_links/EMNIST/gzip.zip", f"bytes={done}-")]
    assert bars[0].kwargs["initial"] == done and sum(bars[0].updates) == len(data) - done
    assert _listing(directory) == BYCLASS_FILES
    _assert_arrays(directory, arrays)


def test_server_ignoring_range_restarts(tmp_path, server, archive):
    data, md5, arrays = archive
    server.range_support = False
    part = tmp_path / "gzip.zip.part"
    part.write_bytes(b"garbage that must be overwritten")
    download_file(server.url(), tmp_path / "gzip.zip", md5, progress=False)
    assert (tmp_path / "gzip.zip").read_bytes() == data and not part.exists()
    assert server.requests[0][1] == "bytes=32-"


def test_interrupted_transfer_is_resumed(tmp_path, server, archive):
    data, md5, _ = archive
    server.cut_next_after = len(data) // 2
    download_file(server.url(), tmp_path / "gzip.zip", md5, progress=False, retries=2)
    assert (tmp_path / "gzip.zip").read_bytes() == data
    assert [r for _, r in server.requests] == [None, f"bytes={len(data) // 2}-"]


def test_interrupted_transfer_keeps_part_for_next_run(tmp_path, server, archive):
    data, md5, _ = archive
    server.cut_next_after = 1000
    server.refuse_ranges = True
    with pytest.raises(DownloadError, match="HTTP Error 503.*resumes from there"):
        download_file(server.url(), tmp_path / "gzip.zip", md5, progress=False, retries=1, backoff=0)
    # one cut transfer, then two refused resumes (1 retry without progress)
    assert [r for _, r in server.requests] == [None, "bytes=1000-", "bytes=1000-"]
    assert (tmp_path / "gzip.zip.part").read_bytes() == data[:1000]
    assert not (tmp_path / "gzip.zip").exists()
    server.refuse_ranges = False
    download_file(server.url(), tmp_path / "gzip.zip", md5, progress=False, retries=0)
    assert (tmp_path / "gzip.zip").read_bytes() == data
    assert server.requests[-1] == ("/cs_links/EMNIST/gzip.zip", "bytes=1000-")


def test_unreachable_server_fails_with_a_hint(tmp_path, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(dl.time, "sleep", sleeps.append)
    dataset = EMNISTSplitDataset(
        directory=tmp_path / "emnist", split="train", url="http://127.0.0.1:9/gzip.zip"
    )
    with pytest.raises(DatasetError, match="(?s)Downloading http://127.0.0.1:9/gzip.zip failed.*HANDWRITING_EMNIST_DIR"):
        dataset.load()
    assert _listing(tmp_path / "emnist") == []
    assert sleeps == [1.0, 2.0, 4.0]  # 3 retries with backoff, then give up


def test_already_complete_part_file(tmp_path, server, archive):
    """Resuming past the end gets HTTP 416; a complete .part is then just verified and kept."""
    data, md5, _ = archive
    (tmp_path / "gzip.zip.part").write_bytes(data)
    download_file(server.url(), tmp_path / "gzip.zip", md5, progress=False)
    assert (tmp_path / "gzip.zip").read_bytes() == data


# ---- integrity -----------------------------------------------------------------------------


def test_md5_mismatch_leaves_nothing(tmp_path, server):
    directory = tmp_path / "emnist"
    with pytest.raises(ChecksumError, match="md5 .* expected 0{32}"):
        download_emnist(directory, url=server.url(), md5="0" * 32, expected_counts=TINY_COUNTS)
    assert _listing(directory) == []


def test_corrupt_zip_member_fails_testzip(tmp_path, fx):
    data, _ = fx.official_zip_bytes(TINY_COUNTS)
    broken = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # where the member's compressed bytes start
        info = zf.getinfo("gzip/emnist-byclass-train-images-idx3-ubyte.gz")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken[start + 10] ^= 0xFF
    with FileServer({"/gzip.zip": bytes(broken)}) as srv:
        directory = tmp_path / "emnist"
        with pytest.raises(DownloadError, match="(CRC|not a readable zip)"):
            download_emnist(directory, url=srv.url("/gzip.zip"), md5=None, expected_counts=TINY_COUNTS)
    assert _listing(directory) == []  # corrupt archive deleted, nothing extracted


def test_archive_without_byclass_files(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("gzip/emnist-digits-mapping.txt", "0 48\n")
    with FileServer({"/gzip.zip": buffer.getvalue()}) as srv:
        with pytest.raises(DownloadError, match="lacks .*emnist-byclass-train-images"):
            download_emnist(tmp_path, url=srv.url("/gzip.zip"), md5=None)
    assert not any(p.suffix == ".gz" for p in tmp_path.iterdir())


def test_http_error_is_reported(tmp_path, server):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(server.url("/missing.zip"), tmp_path / "x.zip", None, progress=False)
    assert len(server.requests) == 1  # a 404 is not retried


def test_atomic_writer_removes_temp_file_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_writer(tmp_path / "out.bin") as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
