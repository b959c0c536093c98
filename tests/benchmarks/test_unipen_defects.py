"""benchmarks/unipen_defects.py's rule: which recordings are one straight stroke of a character
that needs more. Fast: no UNIPEN file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import unipen_defects as D  # noqa: E402


def rec(label, strokes):
    return {"label": label, "strokes": strokes}


def test_one_straight_stroke_of_a_multi_stroke_character_is_flagged():
    bar = [[[0, 0], [0.3, 5], [0, 10]]]  # bends 3% of its length
    assert D.incomplete(rec("H", bar)) and D.incomplete(rec("4", [[[0, 0], [10, 10]]]))
    assert not D.incomplete(rec("l", bar)) and not D.incomplete(rec("1", bar))  # may be a bar
    assert not D.incomplete(rec("H", bar + [[[5, 0], [5, 10]]]))  # two strokes
    assert not D.incomplete(rec("L", [[[0, 0], [0, 10], [6, 10]]]))  # a corner
    assert not D.incomplete(rec("O", [[[0, 0], [5, 5], [0, 0]]]))  # ends where it began
    assert not D.incomplete(rec("T", [[[1, 1]]]))  # a dot is not a stroke
    assert D.incomplete(rec("T", [[[0, 0], [1.2, 5], [0, 10]]]), tolerance=0.15)
    assert not D.incomplete(rec("T", [[[0, 0], [1.2, 5], [0, 10]]]))  # 12% off the chord
