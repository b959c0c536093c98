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
    ("{broken json", r"u.jsonl.gz:1: not JSON"),
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


@pytest.mark.parametrize("line, problem", [
    ("42", "not a JSON object but int 42"),
    (json.dumps({**RECORD, "writer": None}), "writer must be a non-empty string, got None"),
    (json.dumps({**RECORD, "label": ""}), "label must be a non-empty string"),
    (json.dumps({**RECORD, "strokes": "abc"}), "strokes must be a list of strokes"),
    (json.dumps({**RECORD, "strokes": [[[0, 0], ["1", 2]]]}),
     r"strokes\[0\]\[1\] is \['1', 2\]: a point is \[x, y\], finite numbers"),
    (json.dumps({**RECORD, "strokes": [[[0, 0]], [[float("nan"), 2]]]}), r"strokes\[1\]\[0\] is \[nan, 2\]"),
    (json.dumps({**RECORD, "strokes": [[[0, 0], [1]]]}), r"strokes\[0\]\[1\] is \[1\]"),
    (json.dumps({**RECORD, "strokes": [[[True, 0]]]}), r"strokes\[0\]\[0\] is \[True, 0\]"),
])
def test_a_bad_record_names_the_file_the_line_and_what_is_wrong(tmp_path, line, problem):
    path = tmp_path / "u.jsonl.gz"
    _write(path, [json.dumps(RECORD), json.dumps(RECORD), line])
    with pytest.raises(DatasetError, match=f"u.jsonl.gz:3: {problem}"):
        StrokesDataset(filepath=str(path), optional=True).load()


def test_words_keep_their_fields_and_every_nth_record(tmp_path):
    path = tmp_path / "w.jsonl.gz"
    words = [{"label": f"word{i}", "kind": "word", "style": "CURSIVE", "writer": "abc/1",
              "contrib": "abc", "quality": "OK", "strokes": [[[0, 0], [i, 1]]]} for i in range(7)]
    lines = [json.dumps(w) for w in words]
    lines[4] = "{not json"  # skipped lines are not even parsed
    _write(path, lines)
    records = StrokesDataset(filepath=str(path), fields=["kind", "style"], every=3).load()
    assert [r["label"] for r in records] == ["word0", "word3", "word6"]
    assert records[0]["style"] == "CURSIVE" and "cat" not in records[0]
    with pytest.raises(DatasetError, match=r"w.jsonl.gz:5: not JSON \(Expecting property name .* at column 2\)"):
        StrokesDataset(filepath=str(path), fields=["kind"]).load()
    with pytest.raises(DatasetError, match="every must be an integer >= 1"):
        StrokesDataset(filepath=str(path), every=0)
