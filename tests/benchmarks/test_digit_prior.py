"""benchmarks/digit_prior.py: favouring digits, the sweep's measures and the summary's paragraph,
on synthetic probabilities (no UNIPEN file, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import digit_prior as D  # noqa: E402
import summary as S  # noqa: E402

LABELS = ["0", "1", "O", "l", "o", "x"]


def _sample(label, contrib="ok", writer="w1"):
    return {"label": label, "contrib": contrib, "writer": writer, "cat": "1a"}


def test_favouring_digits_scales_digits_only_and_renormalises():
    p = np.array([[0.2, 0.1, 0.3, 0.1, 0.2, 0.1]])
    q = D.favour_digits(p, LABELS, 4)
    assert np.allclose(q.sum(axis=1), 1)
    assert np.allclose(q[0, :2] / q[0, 2:].sum(), 4 * p[0, :2] / p[0, 2:].sum())
    assert np.allclose(q[0, 2:] / q[0, 2], p[0, 2:] / p[0, 2])  # letters keep their ratios
    assert np.allclose(D.favour_digits(p, LABELS, 1), p)


def test_sweep_trades_letters_for_digits():
    # a ring that is really a 0 but looks like an o, an o that looks a little like a 0,
    # a plain x, and a dot the page does not recognise (valid False)
    probs = np.array([[0.30, 0.0, 0.20, 0.0, 0.50, 0.0],
                      [0.20, 0.0, 0.10, 0.0, 0.70, 0.0],
                      [0.05, 0.0, 0.00, 0.0, 0.05, 0.9],
                      [0.90, 0.0, 0.00, 0.0, 0.10, 0.0]])
    samples = [_sample("0"), _sample("o"), _sample("x"), _sample("0")]
    valid = np.array([True, True, True, False])
    rows = D.sweep(samples, probs, valid, LABELS, weights=(1, 2, 5))
    assert [r["digits"] for r in rows] == [0.0, 0.5, 0.5]        # the dot never counts as right
    assert [r["letters_exact"] for r in rows] == [1.0, 1.0, 0.5]  # k 5 turns the o into a 0
    assert rows[2]["letters_as_digits"] == 0.5 and rows[0]["digits_as_letters"] == 0.5
    assert [r["exact"] for r in rows] == [0.5, 0.75, 0.5]  # k 2: the 0 is right, the o still
    assert D.first_reaching(rows, "digits", 0.5)["k"] == 2
    assert D.first_reaching(rows, "digits", 0.97) is None
    # noisy contributors are outside the clean subset the measures use
    rows = D.sweep(samples[:3] + [_sample("x", contrib="apa")], probs, np.ones(4, bool), LABELS,
                   weights=(1,))
    assert rows[0]["n"] == 3


def test_summary_paragraph_quotes_the_cost_and_flags_another_model():
    dp = {"model": {"model_version": "abc"}, "mode_123_digits": 0.989,
          "sweep": [{"k": 1.0, "digits": 0.887, "exact": 0.795, "case_folded": 0.892}],
          "first_reaching_digits_target": {"k": 24.0, "digits": 0.972, "exact": 0.774,
                                           "case_folded": 0.858}}
    text = " ".join(S.digit_prior_lines(dp, "abc"))
    assert "weight 24" in text and "88.7% → 97.2%" in text and "89.2% → 85.8%" in text
    assert "98.9%" in text
    assert "re-run" in " ".join(S.digit_prior_lines(dp, "other"))
    assert S.digit_prior_lines(None, "abc") == []
    dp["first_reaching_digits_target"] = None
    assert "does not reach" in " ".join(S.digit_prior_lines(dp, "abc"))


def test_summary_sentence_on_numbers_quotes_each_length_and_flags_another_model():
    nums = {"model": {"model_version": "abc"},
            "page": {"decoded": {"overall": {"exact": 0.971}},
                     "interval": {"low": 0.96, "high": 0.98},
                     "by_length": {"decoded": [{"lengths": [1, 1], "exact": 0.859},
                                               {"lengths": [2, 3], "exact": 0.954},
                                               {"lengths": [4, 6], "exact": None}]}}}
    text = " ".join(S.numbers_lines(nums, "abc"))
    assert "97.1% of the digits" in text and "2–3 digits 95.4%" in text and "1 digit 85.9%" in text
    assert "96.0% – 98.0% over writers" in text
    assert "4–6" not in text  # no numbers of that length, no figure
    assert "re-run" in " ".join(S.numbers_lines(nums, "other")) and S.numbers_lines(None, "abc") == []
