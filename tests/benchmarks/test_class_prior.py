"""benchmarks/class_prior.py: the training prior, dividing it out, and the sweep's pairing and
verdict, on synthetic probabilities (no UNIPEN file, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import class_prior as C  # noqa: E402

LABELS = ["0", "O", "o"]


def test_training_prior_is_count_times_weight():
    prior = C.training_prior(np.array([0, 0, 0, 1, 2, 2]), {"0": 0.5, "1": 2.0, "2": 1.0}, 3)
    assert prior.tolist() == pytest.approx([1.5 / 5.5, 2.0 / 5.5, 2.0 / 5.5])
    with pytest.raises(ValueError, match="every class"):
        C.training_prior(np.array([0, 1]), {}, 3)


def test_without_prior_is_the_page_at_zero_and_evens_the_prior_at_one():
    probs = np.array([[0.5, 0.3, 0.2]])
    prior = np.array([0.6, 0.2, 0.2])
    assert C.without_prior(probs, prior, 0) == pytest.approx(probs)
    # 0.5 / 0.6 < 0.3 / 0.2: with the digit-heavy prior gone, the ring is an O
    even = C.without_prior(probs, prior, 1)
    assert even.argmax() == 1 and even.sum() == pytest.approx(1.0)


def _case():
    """Four writers each draw a ring meant as 0 and one meant as O, read 0-leaning; a noisy
    contributor's ring is outside every measure. The prior favours 0 three to one over O."""
    samples, probs = [], []
    for w in "abcd":
        samples += [{"label": "0", "writer": w, "contrib": "ok", "cat": "1a"},
                    {"label": "O", "writer": w, "contrib": "ok", "cat": "1b"}]
        probs += [[0.7, 0.25, 0.05], [0.55, 0.4, 0.05]]
    samples.append({"label": "O", "writer": "e", "contrib": "apa", "cat": "1b"})
    probs.append([0.55, 0.4, 0.05])
    return samples, np.array(probs), np.array([0.6, 0.2, 0.2])


def test_sweep_pairs_each_tau_with_the_page_on_the_drawn_samples():
    samples, probs, prior = _case()
    drawn = np.arange(len(samples))
    rows = C.sweep(samples, probs, np.ones(len(samples), bool), LABELS, prior, drawn,
                   np.ones(len(samples)), reps=50, taus=(0, 1))
    page, even = rows
    # the page reads every ring as 0; tau 1 reads the 0.55/0.4 rings as O (0.92 < 2.0) and the
    # 0.7/0.25 ones as O too (1.17 < 1.25)
    assert page["exact"] == 0.5 and page["digits"] == 1.0 and "against_page" not in page
    assert even["digits"] == 0.0 and even["exact"] == 0.5
    d = even["against_page"]["digits"]
    assert d["difference"] == -1.0 and d["high"] == -1.0 and d["writers"] == 4
    assert even["every_character"]["digits"]["estimate"] == 0.0
    assert "worse: tau 1 (digits)" in C.verdict(rows)
    assert C.verdict(rows[:1]).startswith("no tau")
