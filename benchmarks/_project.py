"""Where the benchmarks find the project, its results folder and the EMNIST and UNIPEN files (the
browser benchmarks' own settings are in _browser)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
UNIPEN = Path(os.environ.get("HANDWRITING_UNIPEN_FILE",
                             REPO.parent / "shared" / "strokes" / "unipen_chars.jsonl.gz"))


def _emnist_dir() -> Path:
    """Where the benchmarks read the EMNIST byclass files: ``HANDWRITING_EMNIST_DIR``, as the
    catalog reads it; without it the catalog's own folder (data/01_raw/emnist) once a run has
    downloaded the files there, else the development copy beside the repository
    (../shared/emnist). Benchmarks never download."""
    if os.environ.get("HANDWRITING_EMNIST_DIR"):
        return Path(os.environ["HANDWRITING_EMNIST_DIR"])
    catalog = REPO / "data" / "01_raw" / "emnist"
    if (catalog / "emnist-byclass-mapping.txt").is_file():
        return catalog
    return REPO.parent / "shared" / "emnist"


EMNIST = _emnist_dir()


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` on top: a dict in both is merged key by key (at any depth),
    anything else in ``extra`` replaces ``base``'s value. Neither argument is changed."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out
