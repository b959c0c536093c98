"""benchmarks/size_cue.py: the writer's reference height, the fitted size likelihood ratio and
the correction of case pairs (synthetic data, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import size_cue as Z  # noqa: E402

from handwriting.page.sizecue import CLIP  # noqa: E402

CLASSES = ["0", "O", "S", "o", "s"]


def test_reference_is_other_characters_of_the_same_writer():
    h = np.array([10.0, 20.0, 30.0, 1000.0, 5.0])
    w = np.array(["a", "a", "a", "b", "c"])
    ref = Z.reference_heights(h, w, None, np.random.default_rng(0))
    assert ref[0] == 25.0 and ref[1] == 20.0 and ref[2] == 15.0  # never its own height
    assert np.isnan(ref[3]) and np.isnan(ref[4])  # a writer with one character has no reference
    ref1 = Z.reference_heights(h, w, 1, np.random.default_rng(0))
    assert ref1[0] in (20.0, 30.0) and ref1[1] in (10.0, 30.0) and np.isnan(ref1[3])


def test_log_ratio_is_clipped_and_nan_without_reference():
    r = Z.log_ratio(np.array([10.0, 10.0, 1000.0, 10.0, 0.0]),
                    np.array([10.0, 20.0, 10.0, np.nan, 10.0]))
    assert r[0] == 0.0 and r[1] == pytest.approx(np.log(0.5))
    assert r[2] == CLIP  # 100 times the writer's usual size: clipped
    assert np.isnan(r[3]) and np.isnan(r[4])


def test_case_pairs_only_letters_with_both_cases():
    assert Z.case_pairs(CLASSES, "osx") == {"o": (3, 1), "s": (4, 2)}


def test_fit_and_apply_move_a_case_pair_by_relative_size_only():
    rng = np.random.default_rng(1)
    # training: lowercase s drawn at about 0.7 of the writer's usual height, S at about 1.0
    y = np.repeat([4, 2], 400)
    r = np.log(np.where(y == 4, 0.7, 1.0) * np.exp(rng.normal(0, 0.1, len(y))))
    coefs = Z.fit(y, r, Z.case_pairs(CLASSES, "s"))
    a, b = coefs["s"]
    assert b > 5  # taller -> more likely upper case
    pairs = Z.case_pairs(CLASSES, "os")
    # the models cannot tell s from S (0.4 each); a small, a tall and an unknown size
    p = np.array([[0.1, 0.05, 0.4, 0.05, 0.4]] * 3)
    out = Z.apply(p, np.array([np.log(0.7), np.log(1.0), np.nan]), coefs, pairs)
    assert out[0].argmax() == 4 and out[1].argmax() == 2  # s when small, S when tall
    np.testing.assert_allclose(out[2], p[2])  # no reference: unchanged
    np.testing.assert_allclose(out[:, 2] + out[:, 4], p[:, 2] + p[:, 4])  # the pair keeps its total
    np.testing.assert_allclose(out[:, [0, 1, 3]], p[:, [0, 1, 3]])  # o/O has no fitted ratio
    np.testing.assert_allclose(out.sum(1), 1.0)


def test_line_reference_is_the_previous_characters_of_the_line():
    refs = Z.line_references([[10.0, 20.0, 30.0, 40.0, 50.0], [7.0, 7.0]], k=2, least=2)
    np.testing.assert_array_equal(refs[0][:2], [np.nan, np.nan])  # too few before them
    assert list(refs[0][2:]) == [15.0, 25.0, 35.0]  # the 2 before, never itself or later ones
    assert np.isnan(refs[1]).all()


def test_borrowed_characters_are_rescaled_to_the_lines_writer():
    strokes = lambda h: [[[0, 0], [0, h]]]  # noqa: E731
    by_id = {1: {"writer": "a", "strokes": strokes(10)}, 2: {"writer": "a", "strokes": strokes(30)},
             3: {"writer": "b", "strokes": strokes(100)}, 4: {"writer": "b", "strokes": strokes(300)}}
    # a's usual height is 20, b's 200: b's 100 is, in a's hand, 10
    sizes = Z.line_sizes([[[1, 3]], [[4, 2]]], ["a", "b"], by_id)
    assert sizes == [[10.0, 10.0], [300.0, 300.0]]


def test_normalised_references_divide_by_the_class_typical_height():
    typical = np.array([1.0, 0.5])
    norm = Z.normalised([[10.0, 5.0], [8.0]], [[0, 1], [1]], typical)
    assert norm == [[10.0, 10.0], [16.0]]
    # a line of lowercase letters (typical 0.5) no longer looks small against itself
    sizes = [[5.0, 5.0, 5.0, 10.0]]
    raw = Z.line_ratios(sizes, k=3, least=3)
    normed = Z.line_ratios(sizes, k=3, least=3, norm=Z.normalised(sizes, [[1, 1, 1, 0]], typical))
    assert raw[3] == pytest.approx(np.log(2)) and normed[3] == pytest.approx(0.0)


def test_split_lines_cuts_a_flat_sequence_back_into_lines():
    assert Z.split_lines(list(range(7)), [["ab", "c"], ["dddd"]]) == [[0, 1, 2], [3, 4, 5, 6]]
