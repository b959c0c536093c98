"""Tiny EMNIST-format fixtures written by the tests themselves (no network, no shared data).

Helpers reach the tests through the ``fx`` fixture rather than ``from conftest import``, which
would depend on which of the project's conftest modules was imported last.
"""

from __future__ import annotations

import gzip
import io
import os
import string
import struct
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

BYCLASS_CHARS = list(string.digits + string.ascii_uppercase + string.ascii_lowercase)
# HANDWRITING_SHARED_DIR names the shared folder (holding emnist/), as in test_run.py and
# test_notebook.py, so that one setting points every test at it
SHARED_DIR = Path(
    os.environ.get("HANDWRITING_SHARED_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared"
) / "emnist"


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


@pytest.fixture
def emnist_dir(tmp_path: Path) -> tuple[Path, dict[str, tuple[np.ndarray, np.ndarray]]]:
    directory = tmp_path / "emnist"
    return directory, write_emnist_dir(directory)


@pytest.fixture
def fx() -> SimpleNamespace:
    """The helpers above, for tests to build (and break) their own files."""
    return SimpleNamespace(
        BYCLASS_CHARS=BYCLASS_CHARS,
        idx_bytes=idx_bytes,
        write_gz=write_gz,
        mapping_text=mapping_text,
        make_split=make_split,
        split_names=split_names,
        emnist_files=emnist_files,
        write_emnist_dir=write_emnist_dir,
        official_zip_bytes=official_zip_bytes,
    )


@pytest.fixture
def shared_emnist_dir() -> Path:
    """The real (reduced) EMNIST byclass copy next to the repo; skip when it is not there."""
    if not (SHARED_DIR / "emnist-byclass-train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"shared EMNIST data not found at {SHARED_DIR} (set HANDWRITING_SHARED_DIR)")
    return SHARED_DIR
