"""benchmarks/paired.py: the exact McNemar test and the paired counts it is fed (no models here)."""

from __future__ import annotations

import sys
from math import comb
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import paired as P  # noqa: E402


def test_mcnemar_p_is_the_two_sided_sign_test_on_discordant_samples():
    assert P.mcnemar_p(0, 0) == 1.0  # nothing tells the models apart
    assert P.mcnemar_p(5, 5) == 1.0  # an even split: capped at 1
    assert P.mcnemar_p(0, 10) == pytest.approx(2 / 2 ** 10)
    assert P.mcnemar_p(10, 0) == P.mcnemar_p(0, 10)  # symmetric
    # 2 of 12 one way: 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12
    assert P.mcnemar_p(2, 10) == pytest.approx(2 * (1 + 12 + comb(12, 2)) / 4096)
    # the same share of a larger sample is stronger evidence
    assert P.mcnemar_p(20, 100) < P.mcnemar_p(2, 10)


def test_compare_counts_only_the_samples_one_model_gets_right():
    a = np.array([1, 1, 0, 0, 1, 0], bool)
    b = np.array([1, 0, 1, 1, 1, 0], bool)
    r = P.compare(a, b)
    assert (r["n"], r["only_a"], r["only_b"]) == (6, 1, 2)
    assert r["a"] == pytest.approx(3 / 6) and r["b"] == pytest.approx(4 / 6)
    assert r["p"] == P.mcnemar_p(1, 2)
    with pytest.raises(ValueError, match="different sample counts"):
        P.compare(a, b[:5])


def test_markdown_shows_each_pair_with_its_p_values():
    measure = {"measure": "EMNIST test file, exact", "n": 15000, "a": 0.8497, "b": 0.8487,
               "only_a": 278, "only_b": 262, "p": 0.519}
    text = P.markdown({"x vs y": {"a": "x", "b": "y", "measures": [measure]}})
    assert "## A = `x`, B = `y`" in text
    row = "| EMNIST test file, exact | 15,000 | 84.97% | 84.87% | -0.10 pp | 278 | 262 | 0.52 |"
    assert row in text
