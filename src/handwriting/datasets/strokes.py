"""UNIPEN pen data (gzip JSON lines of pen strokes: isolated characters, or words and lines of
text) as a Kedro dataset.

Optional by design: people without the file still get an EMNIST-only run. With
``optional: true`` a missing file loads as an empty list (with a warning); a file that exists
but is corrupt is always an error.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import zlib
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)

_FIELDS = ("label", "writer", "contrib", "strokes")
_NUMBER = (int, float)


def _is_point(p) -> bool:
    """``[x, y, ...]`` with finite numbers x and y (JSON allows NaN and Infinity; ink does not)."""
    return (type(p) is list and len(p) >= 2 and type(p[0]) in _NUMBER and type(p[1]) in _NUMBER
            and math.isfinite(p[0]) and math.isfinite(p[1]))


def record_problem(record) -> str | None:
    """What is wrong with one parsed line, or None: a JSON object with the text fields label,
    writer and contrib, and strokes, a list of strokes, each a list of ``[x, y]`` points."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__} {str(record)[:40]}"
    missing = [f for f in _FIELDS if f not in record]
    if missing:
        return f"missing fields {missing}"
    for field in ("label", "writer", "contrib"):
        if not isinstance(record[field], str) or not record[field]:
            return f"{field} must be a non-empty string, got {record[field]!r}"
    strokes = record["strokes"]
    if not isinstance(strokes, list) or not all(isinstance(s, list) for s in strokes):
        return "strokes must be a list of strokes, each a list of [x, y] points"
    for i, stroke in enumerate(strokes):
        for j, point in enumerate(stroke):
            if not _is_point(point):
                return f"strokes[{i}][{j}] is {point!r}: a point is [x, y], finite numbers"
    return None


class StrokesDataset(AbstractDataset[None, list[dict]]):
    """Read-only: ``load()`` returns ``[{"label", "writer", "contrib", "strokes", *fields}, ...]``.

    ``fields``: the optional fields kept (None when a record lacks one): for the characters,
    ``quality`` and ``cat`` (the UNIPEN category: 1a digits, 1b uppercase, 1c lowercase); for
    words and text, ``quality``, ``kind`` and ``style``. ``every``: keep every n-th record only
    (the others are not even parsed), for quick runs on a large file.
    """

    def __init__(self, filepath: str, optional: bool = False,
                 fields: list[str] | tuple[str, ...] = ("quality", "cat"), every: int = 1,
                 metadata: dict | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata
        self._optional = optional
        self._fields = tuple(fields)
        if not (isinstance(every, int) and every >= 1):
            raise DatasetError(f"every must be an integer >= 1, got {every!r}")
        self._every = every

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
                    if (number - 1) % self._every or not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DatasetError(f"{self._filepath}:{number}: not JSON ({exc.msg} at "
                                           f"column {exc.colno})") from exc
                    problem = record_problem(record)
                    if problem:
                        raise DatasetError(f"{self._filepath}:{number}: {problem}")
                    records.append({k: record.get(k) for k in (*_FIELDS, *self._fields)})
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise DatasetError(f"{self._filepath}: unreadable ({type(exc).__name__}: {exc})") from exc
        logger.info("loaded %d pen-trajectory records from %s", len(records), self._filepath)
        return records

    def save(self, data: None) -> None:
        raise DatasetError("StrokesDataset is read-only")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "optional": self._optional,
                "fields": list(self._fields), "every": self._every}
