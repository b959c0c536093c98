"""Tiny EMNIST-format files for the tests to write themselves (no network, no shared data):
IDX bytes, gzip, the mapping file, whole split folders and the official zip layout.

A plain module with its own name, imported as ``from emnist_files import ...`` (``tests/`` is on
the import path through its conftest), so tests in any folder share one definition; the
fixtures in ``tests/datasets/conftest.py`` hand the same helpers to the dataset tests.
"""

from __future__ import annotations

import gzip
import io
import string
import struct
import zipfile
from pathlib import Path

import numpy as np

BYCLASS_CHARS = list(string.digits + string.ascii_uppercase + string.ascii_lowercase)


def idx_bytes(array: np.ndarray, magic: int | None = None, dims: tuple[int, ...] | None = None) -> bytes:
    """Uncompressed IDX bytes; ``magic``/``dims`` override the header to build broken files."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    dims = dims if dims is not None else array.shape
    return struct.pack(f">I{len(dims)}I", magic, *dims) + array.tobytes()


def write_gz(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload, mtime=0))
    return path


def mapping_text(chars: list[str]) -> str:
    return "".join(f"{i} {ord(c)}\n" for i, c in enumerate(chars))


def make_split(n: int, seed: int, num_classes: int = 62) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, num_classes, size=n, dtype=np.uint8)
    return images, labels


def split_names(variant: str, split: str) -> tuple[str, str]:
    return (
        f"emnist-{variant}-{split}-images-idx3-ubyte.gz",
        f"emnist-{variant}-{split}-labels-idx1-ubyte.gz",
    )


def emnist_files(
    variant: str = "byclass", counts: dict[str, int] | None = None, chars: list[str] | None = None
) -> tuple[dict[str, bytes], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """File name -> file bytes (gz for IDX) for one variant, plus the arrays they hold."""
    counts = counts or {"train": 7, "test": 3}
    chars = chars if chars is not None else BYCLASS_CHARS
    files: dict[str, bytes] = {}
    arrays = {}
    for seed, (split, n) in enumerate(counts.items()):
        images, labels = make_split(n, seed, len(chars))
        img_name, lbl_name = split_names(variant, split)
        files[img_name] = gzip.compress(idx_bytes(images), mtime=0)
        files[lbl_name] = gzip.compress(idx_bytes(labels), mtime=0)
        arrays[split] = (images, labels)
    files[f"emnist-{variant}-mapping.txt"] = mapping_text(chars).encode()
    return files, arrays


def write_emnist_dir(
    directory: Path, counts: dict[str, int] | None = None, chars: list[str] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A folder laid out like the official byclass files; returns the arrays written."""
    directory.mkdir(parents=True, exist_ok=True)
    files, arrays = emnist_files("byclass", counts, chars)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return arrays


def official_zip_bytes(counts: dict[str, int] | None = None) -> tuple[bytes, dict]:
    """A small zip with the official layout (``gzip/...``): byclass plus another variant's files."""
    byclass, arrays = emnist_files("byclass", counts)
    digits, _ = emnist_files("digits", {"train": 2, "test": 1}, list(string.digits))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gzip/", b"")
        for name, data in {**digits, **byclass}.items():
            zf.writestr(f"gzip/{name}", data)
        zf.writestr("gzip/emnist-balanced-mapping.txt", mapping_text(BYCLASS_CHARS[:47]))
    return buffer.getvalue(), arrays
