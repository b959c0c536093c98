"""Pure helpers of benchmarks/adaptation.py and benchmarks/unipen_picks.py: the tuning grid, the
picks summary and both reports. Fast: no browser, no model, no UNIPEN file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import adaptation as A  # noqa: E402
import unipen_picks as P  # noqa: E402

LABELS = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def test_grid_learns_a_habit_and_beta_zero_does_not():
    """Two writers whose bars are all l (read as 1, l second): with learning only the first bar
    of each needs a pick; the grid's rows say so, for every tau and beta > 0."""
    one, ell = LABELS.index("1"), LABELS.index("l")
    bar = np.full(62, 0.02 / 60)
    bar[[one, ell]] = [0.55, 0.43]
    p = np.stack([bar] * 10)
    y = np.full(10, ell)
    writers = np.array(["a"] * 5 + ["b"] * 5)
    fold = np.arange(62)
    rows = A.grid(p, y, writers, fold, LABELS, capacity=500)
    assert len(rows) == len(A.TAUS) * len(A.BETAS)
    for r in rows:
        assert r["exact"] == pytest.approx(0.8) and r["picks"] == pytest.approx(0.2)


def test_by_position_reads_each_writers_line_in_order():
    from _project import by_position

    right = np.array([1, 0, 1, 1, 0, 1], bool)
    order = [[2, 0, 4], [5, 1, 3]]  # writer a: 2, 0, 4; writer b: 5, 1, 3
    assert by_position(right, order, ((0, 1), (1, None))) == [1.0, 0.5]
    assert by_position(right, order, ((0, 2), (2, None), (9, None))) == [0.75, 0.5, None]
    mask = np.array([1, 1, 1, 0, 0, 0], bool)  # writer a's samples only
    assert by_position(right, order, ((0, 1), (1, None)), mask) == [1.0, 0.5]


def test_picks_summary_counts_first_readings_picks_and_stuck_characters():
    samples = [{"label": c, "cat": "1c", "contrib": "abc", "writer": "abc/1", "id": i}
               for i, c in enumerate("llx")]
    rep = [{"top": ["1", "l", "i"], "picked": 1}, {"top": ["l", "1", "i"], "picked": None},
           {"top": ["1", "l", "i"], "picked": None}]
    s = P.summary(samples, rep, ["l", "l", "x"])
    assert s["pred"] == ["1", "l", "1"]
    assert s["picks"]["all"] == pytest.approx(1 / 3) and s["stuck"]["all"] == pytest.approx(1 / 3)
    assert s["accuracy"]["all"]["overall"]["exact"] == pytest.approx(1 / 3)


def test_reports_render():
    row = {"exact": 0.8, "case-folded": 0.9, "digits": 0.85, "uppercase": 0.8, "lowercase": 0.7,
           "top-3": 0.96, "by position": [0.8, 0.81, 0.82, 0.83, None]}
    paired = [{"measure": "exact", "n": 10, "a": 0.5, "b": 0.6, "only_a": 1, "only_b": 2, "p": 1.0}]
    r = {"adaptation": {"tau": 0.5, "beta": 2.0, "capacity": 500}, "seed": 42, "characters": 10,
         "writers": 2, "characters per writer": [4, 5, 6],
         "rows": {"each alone": row, "picks, learnt (page)": {**row, "picks": 0.1,
                                                                "not correctable": 0.03}},
         "paired": {"learnt vs not learnt": paired},
         "tuning": {"characters": 5, "writers": 1, "without": {"exact": 0.8, "case-folded": 0.9},
                    "grid": [{"tau": 0.5, "beta": 2.0, "exact": 0.9, "case-folded": 0.95,
                              "picks": 0.05}]}}
    text = A.markdown(r)
    assert "| picks, learnt (page) | 80.00% |" in text and "| **0.5** | **2.0** |" in text
    assert "| 10.0 | 3.00% |" in text and "| – |" in text
