"""Pure parts of benchmarks.unipen_words: which test pieces are written, where and how large the
ink goes on the page, the latency summary and the table. No browser, no model."""

from __future__ import annotations

import gzip
import json

import pytest

from benchmarks import unipen_words as W
from handwriting.page.lexicon import Lexicon, format_lexicon
from handwriting.page.penline import penline_features

BOX = (40.0, 220.0, 920.0, 360.0)


def word(width: float, height: float, x: float = 0.0, y: float = 0.0) -> list:
    """Two strokes: a zigzag of ``height`` across ``width``, and a dot above it."""
    zig = [[x + width * i / 8, y + (height if i % 2 else 0)] for i in range(9)]
    return [zig, [[x + width / 2, y - height]]]


def test_a_piece_keeps_its_shape_at_the_writing_height():
    strokes = word(3000, 500, x=1e4, y=-7e3)
    placed, shrunk = W.place_line(strokes, 48.0, BOX)
    assert not shrunk
    ys = [p[1] for s in placed for p in s]
    xs = [p[0] for s in placed for p in s]
    assert max(ys) - min(ys) == pytest.approx(96, abs=0.02)  # the zigzag 48 px, the dot above
    assert min(xs) == pytest.approx(BOX[0]) and max(xs) == pytest.approx(BOX[0] + 288, abs=0.02)
    assert (min(ys) + max(ys)) / 2 == pytest.approx(BOX[1] + BOX[3] / 2, abs=0.02)
    # what the words model reads does not change (the features are scale-free)
    assert penline_features(placed).shape == penline_features(strokes).shape


def test_a_piece_too_wide_for_the_box_is_fitted_to_it():
    placed, shrunk = W.place_line(word(50000, 100), 48.0, BOX)
    xs = [p[0] for s in placed for p in s]
    assert shrunk and max(xs) - min(xs) == pytest.approx(BOX[2], abs=0.02)
    assert W.place_line([[], []], 48.0, BOX) == ([], False)
    dot, shrunk = W.place_line([[[5, 5]]], 48.0, BOX)  # a single point: no extent to fit
    assert len(dot) == 1 and not shrunk


def test_the_sample_is_seeded_and_keeps_each_contributor_and_kind():
    pieces = [{"contrib": c, "kind": k} for c in ("aaa", "bbb") for k in ("word", "text")
              for _ in range(50)]
    a = W.sample_pieces(pieces, 20, 1)
    assert a == W.sample_pieces(pieces, 20, 1) and a != W.sample_pieces(pieces, 20, 2)
    assert len(a) == 20
    assert {(pieces[i]["contrib"], pieces[i]["kind"]) for i in a} == {
        ("aaa", "word"), ("aaa", "text"), ("bbb", "word"), ("bbb", "text")}
    assert W.sample_pieces(pieces, None, 1) == list(range(200))


def test_only_the_test_contributors_readable_pieces_are_loaded(tmp_path):
    rows = [{"label": "hello", "kind": "word", "contrib": "tst", "writer": "tst/1",
             "style": "PRINTED", "quality": "GOOD", "strokes": [[[0, 0], [1, 1]]]},
            {"label": "café", "kind": "word", "contrib": "tst", "writer": "tst/1",
             "style": "PRINTED", "quality": "GOOD", "strokes": [[[0, 0], [1, 1]]]},
            {"label": "world", "kind": "word", "contrib": "trn", "writer": "trn/1",
             "style": "PRINTED", "quality": "GOOD", "strokes": [[[0, 0], [1, 1]]]}]
    path = tmp_path / "words.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
    params = {"test_contributors": ["tst"], "validation_contributors": ["val"]}
    got = W.load_test_pieces(path, ["tst"], params)
    assert [p["label"] for p in got] == ["hello"]


def test_latency_is_the_median_and_90th_percentile_of_what_was_measured():
    assert W.latency([10, None, 30, 20]) == {"n": 3, "median_ms": 20, "p90_ms": 30}
    assert W.latency([None]) == {"n": 0, "median_ms": None, "p90_ms": None}


def test_the_table_states_the_sample_and_the_targets():
    from handwriting.pipelines.reporting.words import summarise

    lexicon = Lexicon(format_lexicon([("the", -1.0), ("cat", -2.0)], 0.25, "test"))
    labels, kinds = ["the", "Cat", "the cat"], ["word", "word", "text"]
    styles, contribs = ["PRINTED", "CURSIVE", "MIXED"], ["aaa", "aaa", "bbb"]
    page = summarise(labels, ["the", "cat", "the cat"], kinds, styles, contribs, lexicon)
    plain = summarise(labels, ["th", "Cat", "the"], kinds, styles, contribs, lexicon)
    lat = W.latency([12.0, 14.0, 30.0])
    result = {"model": {"model_version": "v1"}, "browser": {"backend": "wasm", "chromium": "C 1"},
              "sample": {"n": 3, "of": 1000, "seed": 0, "contributors": ["aaa", "bbb"],
                         "words": 2, "lines": 1, "height_px": 48.0, "box_css_px": list(BOX),
                         "shrunk_to_box": 0},
              "page": page, "python_with_language_model": page, "python_best_path": plain,
              "latency": {"all": lat, "words": lat, "lines": W.latency([])},
              "python_twin": {"agreement": 1.0, "disagreements": []}, "page_errors": [],
              "timing_s": {"page": 1, "python": 1, "total": 2},
              "command": ".venv/bin/python -m benchmarks.unipen_words --sample 3"}
    md = W.markdown(result)
    assert "Sample: 3 of the 1,000 test pieces" in md
    assert "| words right >= 85% overall | 75.0% |" in md  # the, cat wrong case, the cat: 3 of 4
    assert "| words right >= 92% printed | 100.0% |" in md
    assert "| reading <= 50 ms after the pen lifts (median) | 14.0 ms |" in md
    row = next(line for line in md.splitlines() if line.startswith("| Python twin, no language"))
    assert "**50.0%**" in row  # Cat, and "the" in the line
    assert "--sample 3" in md
