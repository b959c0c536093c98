"""benchmarks.stats: the exact McNemar test, the paired counts it is fed, the comparison over
writers and the table cells (no models here)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from benchmarks import stats as S


def test_mcnemar_p_is_the_two_sided_sign_test_on_discordant_samples():
    assert S.mcnemar_p(0, 0) == 1.0  # nothing tells the models apart
    assert S.mcnemar_p(5, 5) == 1.0  # an even split: capped at 1
    assert S.mcnemar_p(0, 10) == pytest.approx(2 / 2 ** 10)
    assert S.mcnemar_p(10, 0) == S.mcnemar_p(0, 10)  # symmetric
    # 2 of 12 one way: 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12
    assert S.mcnemar_p(2, 10) == pytest.approx(2 * (1 + 12 + comb(12, 2)) / 4096)
    # the same share of a larger sample is stronger evidence
    assert S.mcnemar_p(20, 100) < S.mcnemar_p(2, 10)


def test_compare_counts_only_the_samples_one_model_gets_right():
    a = np.array([1, 1, 0, 0, 1, 0], bool)
    b = np.array([1, 0, 1, 1, 1, 0], bool)
    r = S.compare(a, b)
    assert (r["n"], r["only_a"], r["only_b"]) == (6, 1, 2)
    assert r["a"] == pytest.approx(3 / 6) and r["b"] == pytest.approx(4 / 6)
    assert r["p"] == S.mcnemar_p(1, 2)
    with pytest.raises(ValueError, match="different sample counts"):
        S.compare(a, b[:5])


def _writers_pair(gains: list[int], per_writer: int = 50):
    """Per writer, ``per_writer`` characters; A gets the first half right, B the same plus
    ``gains[k]`` more of writer k's characters."""
    a, b, who = [], [], []
    for k, gain in enumerate(gains):
        ra = np.arange(per_writer) < per_writer // 2
        rb = np.arange(per_writer) < per_writer // 2 + gain
        a.append(ra)
        b.append(rb)
        who += [f"w{k}"] * per_writer
    return np.concatenate(a), np.concatenate(b), np.array(who)


def test_by_writer_does_not_trust_a_gain_that_one_writer_makes():
    # 20 more characters right, all from one of 40 writers: McNemar, counting characters,
    # calls it certain; over writers it is one writer in 40, which other writers may not repeat
    a, b, who = _writers_pair([20] + [0] * 39)
    assert S.compare(a, b)["p"] < 1e-5
    w = S.by_writer(a, b, who, reps=4000, seed=3)
    assert w["writers"] == 40 and w["p"] > 0.3
    assert w["low"] <= 0 < w["high"]


def test_by_writer_confirms_a_gain_most_writers_share():
    a, b, who = _writers_pair([1, 0] * 20)  # +20 characters again, one each from 20 writers
    w = S.by_writer(a, b, who, reps=4000, seed=3)
    assert S.compare(a, b)["p"] < 1e-5 and w["p"] < 1e-3
    assert 0 < w["low"] < 0.01 < w["high"]  # B - A = 20 / 2000 = 1 pp
    # deterministic for a seed; no difference at all: p is 1 and the interval is 0
    assert S.by_writer(a, b, who, reps=4000, seed=3) == w
    same = S.by_writer(a, a, who, reps=500)
    assert same["p"] == 1.0 and same["low"] == same["high"] == 0.0


def test_cells_give_the_writer_columns_where_a_row_has_them():
    row = {"n": 3100, "a": 0.8745, "b": 0.8397, "only_a": 118, "only_b": 10, "p": 1.5e-24}
    assert S.cells(row) == "3,100 | 87.45% | 83.97% | -3.48 pp | 118 | 10 | 1.5e-24 | – | – | –"
    row["by_writer"] = {"writers": 58, "low": -0.051, "high": -0.021, "p": 1e-4}
    assert S.cells(row).endswith("| 1.5e-24 | 58 | -5.10 to -2.10 pp | 0.0001")
    # one cell per column of the head
    assert S.cells(row).count("|") == S.CELLS_HEAD.count("|") == S.CELLS_RULE.count("|")


def test_by_position_reads_each_writers_line_in_order():
    right = np.array([1, 0, 1, 1, 0, 1], bool)
    order = [[2, 0, 4], [5, 1, 3]]  # writer a: 2, 0, 4; writer b: 5, 1, 3
    assert S.by_position(right, order, ((0, 1), (1, None))) == [1.0, 0.5]
    assert S.by_position(right, order, ((0, 2), (2, None), (9, None))) == [0.75, 0.5, None]
    mask = np.array([1, 1, 1, 0, 0, 0], bool)  # writer a's samples only
    assert S.by_position(right, order, ((0, 1), (1, None)), mask) == [1.0, 0.5]
