"""UNIPEN isolated characters (gzip JSON lines of pen strokes) as a Kedro dataset.

Optional by design: people without the file still get an EMNIST-only run. With
``optional: true`` a missing file loads as an empty list (with a warning); a file that exists
but is corrupt is always an error.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)

_FIELDS = ("label", "writer", "contrib", "strokes")


class StrokesDataset(AbstractDataset[None, list[dict]]):
    """Read-only: ``load()`` returns ``[{"label", "writer", "contrib", "quality", "cat", "strokes"}, ...]`` (``cat``: the UNIPEN category, 1a digits, 1b uppercase, 1c lowercase)."""

    def __init__(self, filepath: str, optional: bool = False):
        self._filepath = Path(filepath)
        self._optional = optional

    def load(self) -> list[dict]:
        if not self._filepath.is_file():
            if self._optional:
                logger.warning("%s not found: training without UNIPEN strokes "
                               "(set HANDWRITING_UNIPEN_FILE to use them)", self._filepath)
                return []
            raise DatasetError(f"UNIPEN strokes file not found: {self._filepath}")
        records = []
        try:
            with gzip.open(self._filepath, "rt", encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    missing = [f for f in _FIELDS if f not in record]
                    if missing:
                        raise DatasetError(f"{self._filepath}:{number}: missing fields {missing}")
                    records.append({k: record.get(k) for k in (*_FIELDS, "quality", "cat")})
        except (OSError, EOFError, zlib.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{self._filepath}: unreadable ({type(exc).__name__}: {exc})") from exc
        logger.info("loaded %d pen-trajectory characters from %s", len(records), self._filepath)
        return records

    def save(self, data: None) -> None:
        raise DatasetError("StrokesDataset is read-only")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "optional": self._optional}
