"""The vectorised IDX reader: round trip, every kind of corruption, and python-mnist agreement."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest

from handwriting.datasets.idx import (
    IDXFormatError,
    read_idx_header,
    read_idx_images,
    read_idx_labels,
)


def _python_mnist():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # its `is 'lists'` comparisons
        import mnist
    return mnist


def python_mnist_split(directory: Path, split: str, emnist_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """Read a byclass split with python-mnist (lists) and turn its output into arrays.

    In EMNIST mode (``select_emnist``) python-mnist transposes every image to upright; in plain
    mode it returns the bytes as stored. Both give flat 784-long lists.
    """
    reader = _python_mnist().MNIST(str(directory), return_type="lists", gz=True)
    if emnist_mode:
        reader.select_emnist("byclass")
    else:
        stem = f"emnist-byclass-{split}"
        setattr(reader, f"{split}_img_fname", f"{stem}-images-idx3-ubyte")
        setattr(reader, f"{split}_lbl_fname", f"{stem}-labels-idx1-ubyte")
    images, labels = reader.load_training() if split == "train" else reader.load_testing()
    assert isinstance(images, list) and isinstance(images[0], list)
    return np.array(images, dtype=np.uint8).reshape(-1, 28, 28), np.array(labels, dtype=np.uint8)


# ---- valid files ---------------------------------------------------------------------------


def test_round_trip(tmp_path, fx):
    images, labels = fx.make_split(11, seed=1)
    img = fx.write_gz(tmp_path / "i.gz", fx.idx_bytes(images))
    lbl = fx.write_gz(tmp_path / "l.gz", fx.idx_bytes(labels))
    got_images, got_labels = read_idx_images(img), read_idx_labels(lbl)
    assert got_images.dtype == np.uint8 and got_images.shape == (11, 28, 28)
    assert got_labels.dtype == np.uint8 and got_labels.shape == (11,)
    np.testing.assert_array_equal(got_images, images)  # as stored: no transposition
    np.testing.assert_array_equal(got_labels, labels)


def test_header_only(tmp_path, fx):
    images, _ = fx.make_split(4, seed=2)
    path = fx.write_gz(tmp_path / "i.gz", fx.idx_bytes(images))
    header = read_idx_header(path, 2051)
    assert (header.magic, header.dims, header.count) == (2051, (4, 28, 28), 4)


def test_empty_file_reads_as_zero_images(tmp_path, fx):
    path = fx.write_gz(tmp_path / "i.gz", fx.idx_bytes(np.zeros((0, 28, 28), np.uint8)))
    assert read_idx_images(path).shape == (0, 28, 28)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.gz"):
        read_idx_images(tmp_path / "nope.gz")


# ---- corruption ----------------------------------------------------------------------------


def test_truncated_gzip(tmp_path, fx):
    images, _ = fx.make_split(20, seed=3)
    data = gzip.compress(fx.idx_bytes(images))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match=r"cut\.gz.*(gzip|EOF)") as info:
        read_idx_images(path)
    assert info.value.path == path


def test_gzip_with_bad_crc(tmp_path, fx):
    images, _ = fx.make_split(3, seed=3)
    data = bytearray(gzip.compress(fx.idx_bytes(images)))
    data[-8] ^= 0xFF  # CRC32 field of the trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(IDXFormatError, match=r"crc\.gz.*(CRC|gzip)"):
        read_idx_images(path)


def test_not_gzip(tmp_path, fx):
    images, _ = fx.make_split(2, seed=4)
    path = tmp_path / "plain.gz"
    path.write_bytes(fx.idx_bytes(images))  # uncompressed IDX under a .gz name
    with pytest.raises(IDXFormatError, match=r"plain\.gz.*gzip"):
        read_idx_images(path)


@pytest.mark.parametrize(
    ("reader", "magic", "expected"),
    [(read_idx_images, 2049, 2051), (read_idx_labels, 2051, 2049), (read_idx_images, 0x12345678, 2051)],
)
def test_wrong_magic(tmp_path, fx, reader, magic, expected):
    array = fx.make_split(2, seed=5)[0 if expected == 2051 else 1]
    path = fx.write_gz(tmp_path / "magic.gz", fx.idx_bytes(array, magic=magic))
    with pytest.raises(IDXFormatError, match=rf"magic\.gz.*magic number {magic}.*{expected}"):
        reader(path)


def test_labels_file_given_as_images(tmp_path, fx):
    _, labels = fx.make_split(5, seed=5)
    path = fx.write_gz(tmp_path / "labels.gz", fx.idx_bytes(labels))
    with pytest.raises(IDXFormatError, match="magic number 2049"):
        read_idx_images(path)


def test_wrong_image_size(tmp_path, fx):
    images = np.zeros((3, 27, 27), dtype=np.uint8)
    path = fx.write_gz(tmp_path / "small.gz", fx.idx_bytes(images))
    with pytest.raises(IDXFormatError, match=r"small\.gz.*27x27, expected 28x28"):
        read_idx_images(path)


def test_payload_shorter_than_header(tmp_path, fx):
    images, _ = fx.make_split(5, seed=6)
    path = fx.write_gz(tmp_path / "short.gz", fx.idx_bytes(images, dims=(6, 28, 28)))
    with pytest.raises(IDXFormatError, match=r"short\.gz.*truncated.*6 images"):
        read_idx_images(path)


def test_payload_longer_than_header(tmp_path, fx):
    images, _ = fx.make_split(5, seed=6)
    path = fx.write_gz(tmp_path / "long.gz", fx.idx_bytes(images, dims=(4, 28, 28)))
    with pytest.raises(IDXFormatError, match=r"long\.gz.*784 trailing bytes"):
        read_idx_images(path)


def test_labels_count_mismatch(tmp_path, fx):
    _, labels = fx.make_split(5, seed=7)
    path = fx.write_gz(tmp_path / "lbl.gz", fx.idx_bytes(labels, dims=(9,)))
    with pytest.raises(IDXFormatError, match=r"lbl\.gz.*9 labels"):
        read_idx_labels(path)


def test_header_too_short(tmp_path, fx):
    path = fx.write_gz(tmp_path / "tiny.gz", b"\x00\x00\x08")
    with pytest.raises(IDXFormatError, match=r"tiny\.gz.*too short"):
        read_idx_labels(path)


def test_error_is_a_value_error(tmp_path, fx):
    path = fx.write_gz(tmp_path / "x.gz", b"\x00" * 16)
    with pytest.raises(ValueError):
        read_idx_images(path)


# ---- python-mnist as the reference reader --------------------------------------------------


@pytest.mark.parametrize("split", ["train", "test"])
def test_matches_python_mnist(emnist_dir, split):
    directory, arrays = emnist_dir
    img_name, lbl_name = f"emnist-byclass-{split}-images-idx3-ubyte.gz", f"emnist-byclass-{split}-labels-idx1-ubyte.gz"
    ours_images = read_idx_images(directory / img_name)
    ours_labels = read_idx_labels(directory / lbl_name)
    np.testing.assert_array_equal(ours_images, arrays[split][0])

    plain_images, plain_labels = python_mnist_split(directory, split, emnist_mode=False)
    np.testing.assert_array_equal(plain_images, ours_images)
    np.testing.assert_array_equal(plain_labels, ours_labels)

    # python-mnist's EMNIST mode transposes each image; ours keeps the stored orientation.
    upright_images, upright_labels = python_mnist_split(directory, split, emnist_mode=True)
    np.testing.assert_array_equal(upright_images, ours_images.transpose(0, 2, 1))
    np.testing.assert_array_equal(upright_labels, ours_labels)


@pytest.mark.slow
@pytest.mark.parametrize("split", ["test", "train"])
def test_shared_data_matches_python_mnist(shared_emnist_dir, split):
    """All images of the real (reduced) EMNIST copy: both readers agree byte for byte."""
    ours_images = read_idx_images(shared_emnist_dir / f"emnist-byclass-{split}-images-idx3-ubyte.gz")
    ours_labels = read_idx_labels(shared_emnist_dir / f"emnist-byclass-{split}-labels-idx1-ubyte.gz")
    theirs_images, theirs_labels = python_mnist_split(shared_emnist_dir, split, emnist_mode=True)
    assert ours_images.shape == (theirs_images.shape[0], 28, 28)
    assert ours_images.shape[0] == {"train": 85_000, "test": 15_000}[split]
    np.testing.assert_array_equal(theirs_images, ours_images.transpose(0, 2, 1))
    np.testing.assert_array_equal(theirs_labels, ours_labels)
    assert int(ours_labels.max()) == 61


def test_one_copy_in_memory(tmp_path, fx):
    """Peak allocation while loading stays near the payload size (no int64, no double buffer)."""
    import tracemalloc

    n = 20_000  # 15.7 MB of pixels
    images = np.broadcast_to(np.arange(784, dtype=np.uint8).reshape(28, 28), (n, 28, 28))
    path = fx.write_gz(tmp_path / "big.gz", fx.idx_bytes(images))
    payload = n * 784
    tracemalloc.start()
    try:
        loaded = read_idx_images(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert loaded.shape == (n, 28, 28) and loaded.base is not None  # a view, not a copy
    assert peak < payload * 1.3, f"peak {peak / 2**20:.1f} MiB for a {payload / 2**20:.1f} MiB payload"


@pytest.mark.parametrize("declared", [1_000_000, 0xFFFFFFFF])
def test_a_header_declaring_more_than_the_file_holds_fails_clearly_without_allocating_it(
        tmp_path, fx, declared):
    """A few kilobytes whose header claims a million images (784 MB) or 2**32 - 1: a clear error
    naming the file and both sizes, with memory near what the file holds."""
    import struct
    import tracemalloc

    images = np.zeros((10, 28, 28), np.uint8)
    data = bytearray(fx.idx_bytes(images))
    data[4:8] = struct.pack(">I", declared)
    path = fx.write_gz(tmp_path / "lying.gz", bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match=f"header declares {declared} images") as err:
            read_idx_images(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.path == path and "only 7840 bytes follow" in str(err.value)
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB for a {len(data)}-byte file"


def test_a_multi_member_gzip_still_reads(tmp_path, fx):
    """The trailer records only the last member's size: a file made of two gzip members (valid,
    if unusual) is read in full, without the preallocated fast path."""
    images = np.arange(5 * 784, dtype=np.uint8).reshape(5, 28, 28)
    data = fx.idx_bytes(images)
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip.compress(data[:1000]) + gzip.compress(data[1000:]))
    np.testing.assert_array_equal(read_idx_images(path), images)
