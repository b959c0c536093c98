import gzip
import json

import pytest
from kedro.io import DatasetError

from handwriting.datasets import StrokesDataset

RECORD = {"label": "a", "cat": "1c", "writer": "abc/1", "contrib": "abc", "quality": "OK",
          "strokes": [[[0, 0], [3, 4]], [[1, 1]]]}


def _write(path, lines):
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")


def test_loads_records(tmp_path):
    path = tmp_path / "u.jsonl.gz"
    _write(path, [json.dumps(RECORD), "", json.dumps({**RECORD, "label": "B"})])
    records = StrokesDataset(filepath=str(path)).load()
    assert [r["label"] for r in records] == ["a", "B"]
    assert records[0]["strokes"] == RECORD["strokes"] and records[0]["writer"] == "abc/1"


def test_missing_file_optional_or_not(tmp_path):
    assert StrokesDataset(filepath=str(tmp_path / "none.gz"), optional=True).load() == []
    with pytest.raises(DatasetError, match="not found"):
        StrokesDataset(filepath=str(tmp_path / "none.gz")).load()


@pytest.mark.parametrize("content, problem", [
    (b"not gzip at all", "unreadable"),
    (None, "unreadable"),            # truncated gzip
    ("{broken json", "unreadable"),
    (json.dumps({"label": "a"}), "missing fields"),
])
def test_bad_files_fail_clearly_even_when_optional(tmp_path, content, problem):
    path = tmp_path / "u.jsonl.gz"
    if content is None:
        _write(path, [json.dumps(RECORD)] * 200)
        path.write_bytes(path.read_bytes()[:-30])
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        _write(path, [content])
    with pytest.raises(DatasetError, match=problem):
        StrokesDataset(filepath=str(path), optional=True).load()
