"""benchmarks/sample_draws.py: the draws, the weighting that averages them and the table, on
synthetic samples (no UNIPEN file, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import sample_draws as S  # noqa: E402
import unipen as U  # noqa: E402


def _samples(rng, counts, accuracy, noisy_share=0.0):
    """Samples of classes with ``counts`` members, each right with its class's ``accuracy``;
    writers w0..w9 in turn; a share of them from a noisy contributor. Returns (samples, pred)."""
    samples, pred = [], []
    for label, n in counts.items():
        for k in range(n):
            contrib = "apa" if rng.random() < noisy_share else "ok"
            samples.append({"label": label, "writer": f"w{k % 10}", "contrib": contrib,
                            "cat": "1a" if label.isdigit() else "1b"})
            pred.append(label if rng.random() < accuracy[label] else "?")
    return samples, pred


def test_correctness_counts_clean_samples_and_clean_digits_only():
    samples = [{"label": "0", "contrib": "ok"}, {"label": "o", "contrib": "ok"},
               {"label": "O", "contrib": "ok"}, {"label": "1", "contrib": "apa"}]
    right = S.correctness(samples, ["0", "O", None, "1"])
    assert right["exact"].tolist() == [True, False, False, True]
    # o read as O folds (o is a shape-alike letter); a drawing with no reading is wrong
    assert right["case_folded"].tolist() == [True, True, False, True]
    assert right["mask"]["exact"].tolist() == [True, True, True, False]
    assert right["mask"]["digits"].tolist() == [True, False, False, False]


def test_inclusion_weights_are_each_samples_chance_of_being_drawn():
    w = S.inclusion_weights(["a", "a", "a", "a", "b", "c", "c"], per_class=2)
    assert w.tolist() == [0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0]
    # and they are what the draws do: over many seeds each sample is drawn that often
    labels = ["a"] * 8 + ["b"] * 3
    hits = np.zeros(len(labels))
    for seed in range(4000):
        hits[U.stratified_sample(labels, 3, seed)] += 1
    assert np.allclose(hits / 4000, S.inclusion_weights(labels, 3), atol=0.035)  # 4.5 sd


def test_drawing_among_the_heldout_samples_is_unipens_draw_of_all_samples():
    """The benchmark draws from the held-out samples alone; unipen.py draws from every sample
    with the others ineligible. The two must pick the same characters."""
    rng = np.random.default_rng(3)
    labels = list(rng.choice(list("abc0"), 400))
    eligible = rng.random(400) < 0.3
    full = U.stratified_sample(labels, 20, 20240601, eligible=eligible)
    kept = np.flatnonzero(eligible)
    among = U.stratified_sample([labels[i] for i in kept], 20, 20240601)
    assert kept[among].tolist() == full


def test_the_weighted_figure_is_the_average_over_draws_not_the_unweighted_one():
    rng = np.random.default_rng(0)
    # a large class read badly and small classes read well: counting every sample once would
    # weigh the large class by its size, a draw counts it as any other
    samples, pred = _samples(rng, {"a": 400, "b": 60, "c": 60, "1": 60},
                             {"a": 0.5, "b": 0.9, "c": 0.9, "1": 0.8})
    right = S.correctness(samples, pred)
    labels = [s["label"] for s in samples]
    writers = np.array([s["writer"] for s in samples])
    every = S.weighted(right, S.inclusion_weights(labels, 50), writers, reps=200, seed=1)
    draws = [S.draw_figures(right, labels, 50, seed)["exact"] for seed in range(400)]
    unweighted = right["exact"].mean()
    assert abs(np.mean(draws) - every["exact"]["estimate"]) < 0.005
    assert abs(unweighted - every["exact"]["estimate"]) > 0.08
    assert every["exact"]["low"] <= every["exact"]["estimate"] <= every["exact"]["high"]
    assert every["exact"]["writers"] == 10
    # the digits measure counts the digit class only
    assert every["digits"]["estimate"] == pytest.approx(right["digits"][400 + 60 * 2:].mean())


def test_draw_figures_count_only_the_clean_samples_of_the_draw():
    rng = np.random.default_rng(1)
    samples, pred = _samples(rng, {"a": 30, "1": 30}, {"a": 0.7, "1": 0.7}, noisy_share=0.3)
    right = S.correctness(samples, pred)
    labels = [s["label"] for s in samples]
    d = S.draw_figures(right, labels, 10, 5)
    idx = U.stratified_sample(labels, 10, 5)
    clean = [i for i in idx if samples[i]["contrib"] == "ok"]
    assert d["n_exact"] == len(clean) < 20
    assert d["exact"] == pytest.approx(np.mean([pred[i] == labels[i] for i in clean]))
    assert d["n_digits"] == sum(labels[i] == "1" for i in clean)


def test_spread_places_the_committed_draw_among_the_others():
    s = S.spread([0.78, 0.79, 0.80, 0.80, 0.81], committed=0.80, target=0.80)
    assert s["committed_rank"] == pytest.approx((2 + 0.5 * 2) / 5)
    assert s["meeting_target"] == pytest.approx(3 / 5)
    assert s["min"] == 0.78 and s["max"] == 0.81 and s["mean"] == pytest.approx(0.796)


def test_markdown_gives_each_target_its_three_readings():
    spread = {k: {"mean": 0.5, "low": 0.4, "high": 0.6, "committed_rank": 0.25,
                  "meeting_target": 0.1, "min": 0.3, "max": 0.7} for k, _, _ in S.MEASURES}
    every = {k: {"estimate": 0.55, "low": 0.5, "high": 0.58, "writers": 3, "weighted_n": 9.0}
             for k, _, _ in S.MEASURES}
    result = {"sample": {"per_class": 100, "seed": 7, "heldout_characters": 50, "clean": 40,
                         "clean_digits": 10, "writers_clean": 3},
              "model": {"model_version": "abc"}, "targets": {"exact": 0.8, "case-folded": 0.9,
                                                             "digits": 0.97},
              "committed": {k: 0.52 for k, _, _ in S.MEASURES},
              "committed_check": {"same_characters": True, "top1_agreement_with_browser": 1.0,
                                  "browser_model": "abc"},
              "draws": {"count": 4, "seeds": "0-3", "spread": spread},
              "every_character": {**every, "reps": 10}, "wall_s": 2.0,
              "command": ".venv/bin/python benchmarks/sample_draws.py"}
    text = S.markdown(result)
    assert "| exact, clean | 80% | 52.00% | 50.00% (40.00% – 60.00%) | 25% | 10% | **55.00%** " \
           "| 50.00% – 58.00% |" in text
    assert "exact, clean -25.00 points" in text and "digits, clean (exact) -42.00 points" in text
    assert "the same characters as `unipen.json`'s" in text and "100.00%" in text
    # the writers' interval is narrower than the draws' here, and the text says so
    assert "(not always wider here)" in text
