"""benchmarks.unipen_picks: what a user who picks the right guess sees (no browser, no model)."""

from __future__ import annotations

import pytest

from benchmarks import unipen_picks as P


def test_picks_summary_counts_first_readings_picks_and_stuck_characters():
    samples = [{"label": c, "cat": "1c", "contrib": "abc", "writer": "abc/1", "id": i}
               for i, c in enumerate("llx")]
    rep = [{"top": ["1", "l", "i"], "picked": 1}, {"top": ["l", "1", "i"], "picked": None},
           {"top": ["1", "l", "i"], "picked": None}]
    s = P.summary(samples, rep, ["l", "l", "x"])
    assert s["pred"] == ["1", "l", "1"]
    assert s["picks"]["all"] == pytest.approx(1 / 3) and s["stuck"]["all"] == pytest.approx(1 / 3)
    assert s["accuracy"]["all"]["overall"]["exact"] == pytest.approx(1 / 3)
