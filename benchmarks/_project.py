"""Where the benchmarks find the project's files: its folders, and the datasets of its catalog
(conf/base/catalog.yml, read as a `kedro run` reads it). The browser benchmarks' own settings
are in _browser."""

from __future__ import annotations

import functools
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
# The development copies beside the repository, read when the catalog's own file is missing.
SHARED = REPO.parent / "shared"


@functools.cache
def _config(key: str) -> dict:
    from handwriting.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

    loader = CONFIG_LOADER_CLASS(conf_source=str(REPO / "conf"), **CONFIG_LOADER_ARGS)
    return dict(loader[key])


def catalog() -> dict:
    """The catalog's entries, with the project's config loader (its ``user_path`` resolver, so
    HANDWRITING_EMNIST_DIR and HANDWRITING_UNIPEN_FILE count as they do for a run)."""
    return _config("catalog")


def parameters() -> dict:
    """The parameters a plain `kedro run` uses (conf/base, then conf/local)."""
    return _config("parameters")


def data_path(name: str, root: Path = REPO) -> Path:
    """Where dataset ``name`` of the catalog lives in the project at ``root``."""
    entry = catalog()[name]
    entry = entry.get("dataset", entry)  # a CachedDataset's file is its wrapped dataset's
    where = next(entry[k] for k in ("filepath", "path", "directory") if k in entry)
    return root / where


def _emnist_dir() -> Path:
    """Where the benchmarks read the EMNIST byclass files: the catalog's folder when
    HANDWRITING_EMNIST_DIR names it or a run has downloaded the files there, else the development
    copy (../shared/emnist). Benchmarks never download."""
    folder = data_path("emnist_train_raw")
    downloaded = (folder / "emnist-byclass-mapping.txt").is_file()
    if os.environ.get("HANDWRITING_EMNIST_DIR") or downloaded:
        return folder
    return SHARED / "emnist"


def _unipen_file() -> Path:
    """The UNIPEN characters: the catalog's file when HANDWRITING_UNIPEN_FILE names it or it is
    there, else the development copy (../shared/strokes)."""
    path = data_path("unipen_strokes")
    if os.environ.get("HANDWRITING_UNIPEN_FILE") or path.is_file():
        return path
    return SHARED / "strokes" / "unipen_chars.jsonl.gz"


EMNIST = _emnist_dir()
UNIPEN = _unipen_file()


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` on top: a dict in both is merged key by key (at any depth),
    anything else in ``extra`` replaces ``base``'s value. Neither argument is changed."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out
