"""Fixtures over the tiny EMNIST-format files of ``tests/emnist_files.py`` (no network, no
shared data), and the shared reduced copy when it is there.

Helpers reach the tests through the ``fx`` fixture rather than ``from conftest import``, which
would depend on which of the project's conftest modules was imported last.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from emnist_files import (
    BYCLASS_CHARS,
    emnist_files,
    idx_bytes,
    make_split,
    mapping_text,
    official_zip_bytes,
    split_names,
    write_emnist_dir,
    write_gz,
)

# HANDWRITING_SHARED_DIR names the shared folder (holding emnist/), as in test_run.py and
# test_notebook.py, so that one setting points every test at it
SHARED_DIR = Path(
    os.environ.get("HANDWRITING_SHARED_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared"
) / "emnist"


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
