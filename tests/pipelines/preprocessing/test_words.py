"""Word ink split by contributor, then pen lines for the words model."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.page.penline import penline_features
from handwriting.pipelines.preprocessing.words import penline_set, penline_training_set, split_word_ink

PARAMS = {"test_contributors": ["tst"], "validation_contributors": ["val"],
          "x_scale": {"wid": 2.0}}
MODEL = {"step": 0.2, "max_points": 400}


def piece(label, contrib, width=1.0, kind="word"):
    t = np.linspace(0, 2 * np.pi * max(len(label), 1), 40 * max(len(label), 1))
    ink = np.stack([width * t / (2 * np.pi), 0.5 - 0.5 * np.cos(t)], axis=1)
    return {"label": label, "writer": f"{contrib}/1", "contrib": contrib, "kind": kind,
            "style": "CURSIVE", "quality": "OK", "strokes": [ink.tolist()]}


def test_split_by_contributor_and_unequal_resolution_corrected():
    ink = [piece("one", "trn"), piece("two", "val"), piece("three", "tst"), piece("wide", "wid"),
           piece("caf\u00e9", "trn"), piece("", "trn")]
    train, validation, test = split_word_ink(ink, PARAMS)
    assert [r["label"] for r in train] == ["one", "wide"]  # no unreadable or empty label
    assert [r["label"] for r in validation] == ["two"] and [r["label"] for r in test] == ["three"]
    assert train[1]["strokes"][0][-1][0] == pytest.approx(2 * ink[3]["strokes"][0][-1][0])
    assert ink[3]["strokes"][0][-1][0] == pytest.approx(4.0)  # the loaded record is untouched


def test_a_contributor_in_test_and_validation_is_refused():
    with pytest.raises(ValueError, match="both in test and validation: \\['val'\\]"):
        split_word_ink([], {**PARAMS, "test_contributors": ["tst", "val"]})


def test_penline_sets_concatenate_pieces_and_training_leaves_out_what_ctc_cannot_read():
    pieces = [piece("hello", "trn"), piece("it", "trn", kind="text"),
              {**piece("moon", "trn"), "strokes": [[[0, 0], [1, 1]]]},  # too few points for it
              piece("a" * 40, "trn")]  # longer than max_points
    assert len(penline_set(pieces, MODEL)["label"]) == 4  # what is measured keeps everything
    out = penline_training_set(pieces, MODEL)
    assert out["label"].tolist() == ["hello", "it"] and out["kind"].tolist() == ["word", "text"]
    first = out["x"][out["offsets"][0]:out["offsets"][1]]
    np.testing.assert_array_equal(first, penline_features(pieces[0]["strokes"], 0.2))
    assert out["offsets"][-1] == len(out["x"]) and out["x"].dtype == np.float32
    empty = penline_set([], MODEL)
    assert empty["x"].shape == (0, 4) and empty["offsets"].tolist() == [0]
