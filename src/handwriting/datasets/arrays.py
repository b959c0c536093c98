"""A dict of numpy arrays stored as one uncompressed ``.npz`` file.

Why uncompressed and atomic: intermediate arrays (hundreds of MB of uint8 images) are written
once and read often, so fast reads beat small files; and a crash during a save must never leave
a truncated file under the final name for the next run to trip on.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from handwriting.datasets.download import atomic_writer

logger = logging.getLogger(__name__)


class ArraysDataset(AbstractDataset[Mapping[str, np.ndarray], dict[str, np.ndarray]]):
    """Save/load ``{name: ndarray}`` as ``.npz`` (no pickles; loaded eagerly)."""

    def __init__(self, filepath: str | os.PathLike[str], metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        if not self._filepath.is_file():
            raise DatasetError(
                f"{self._filepath} does not exist: run the pipeline node that produces it first"
            )
        try:
            with np.load(self._filepath, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
            raise DatasetError(
                f"{self._filepath} is not a readable .npz of plain arrays "
                f"(corrupt or truncated?): {type(exc).__name__}: {exc}"
            ) from exc
        logger.debug("Loaded %s: %s", self._filepath, {k: v.shape for k, v in arrays.items()})
        return arrays

    def save(self, data: Mapping[str, np.ndarray]) -> None:
        if not isinstance(data, Mapping):
            raise DatasetError(
                f"{type(self).__name__} saves a dict of arrays, got {type(data).__name__}"
            )
        arrays: dict[str, np.ndarray] = {}
        for name, value in data.items():
            if not isinstance(name, str) or not name:
                raise DatasetError(f"array names must be non-empty strings, got {name!r}")
            array = np.asarray(value)
            if array.dtype == object:
                raise DatasetError(f"array {name!r} has dtype object, which .npz cannot hold without pickle")
            arrays[name] = array
        with atomic_writer(self._filepath) as f:
            np.savez(f, **arrays)
        logger.debug("Saved %s: %s", self._filepath, {k: v.shape for k, v in arrays.items()})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
