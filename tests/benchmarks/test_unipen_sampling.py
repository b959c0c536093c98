"""Pure helpers of benchmarks.unipen: sampling, the clean subset, coordinate normalisation,
case-folded scoring, intervals over writers. Fast, no browser, no model, no UNIPEN file."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from benchmarks import unipen as U

LABELS = [c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]


def _labels(rng, n=5000):
    """A label list with an imbalanced class distribution and a rare class ('X': 7 items)."""
    pool = [c for c in LABELS if c != "X"]
    out = list(rng.choice(pool, size=n, p=np.linspace(1, 3, len(pool)) / np.linspace(1, 3, len(pool)).sum()))
    for k in range(7):
        out.insert(13 * k + 5, "X")
    return [str(x) for x in out]


def test_stratified_sample_is_deterministic_and_covers_every_class():
    labels = _labels(np.random.default_rng(1))
    a = U.stratified_sample(labels, 20, seed=3)
    b = U.stratified_sample(labels, 20, seed=3)
    assert a == b
    assert a == sorted(set(a))  # sorted, no duplicates
    counts = Counter(labels[i] for i in a)
    assert set(counts) == set(LABELS)
    assert counts["X"] == 7  # a class with fewer than per_class: all of it
    assert all(n == 20 for c, n in counts.items() if c != "X")
    assert U.stratified_sample(labels, 20, seed=4) != a  # the seed matters


def test_stratified_sample_respects_eligibility_and_validates():
    labels = _labels(np.random.default_rng(2), 800)
    eligible = [i % 3 != 0 for i in range(len(labels))]
    got = U.stratified_sample(labels, 5, seed=0, eligible=eligible)
    assert got and all(eligible[i] for i in got)
    with pytest.raises(ValueError):
        U.stratified_sample(labels, 0)


def test_normalise_to_box_fits_keeping_aspect_ratio():
    box = (100.0, 50.0, 300.0)
    strokes = [[[10, 10], [10, 30]], [], [[20, 20]]]  # 10 wide, 20 tall; an empty stroke
    out = U.normalise_to_box(strokes, box)
    assert len(out) == 2  # the empty stroke is dropped
    pts = np.array([p for s in out for p in s])
    assert pts[:, 1].min() == pytest.approx(50.0) and pts[:, 1].max() == pytest.approx(350.0)
    width = pts[:, 0].max() - pts[:, 0].min()
    assert width == pytest.approx(150.0)  # aspect kept
    assert (pts[:, 0].max() + pts[:, 0].min()) / 2 == pytest.approx(250.0)  # centred
    dot = U.normalise_to_box([[[5, 5], [5, 5]]], box)
    assert dot == [[[250.0, 200.0], [250.0, 200.0]]]
    assert U.normalise_to_box([], box) == []


def test_case_folding_merges_only_the_bymerge_letters():
    assert U.fold("o") == U.fold("O") == "O"
    assert U.fold("c") == "C" and U.fold("z") == "Z"
    assert U.fold("a") == "a" and U.fold("A") == "A"  # different shapes: kept apart
    assert U.fold("0") == "0" and U.fold("O") != U.fold("0")
    assert U.fold(None) is None


def test_accuracy_exact_and_case_folded():
    true = ["o", "S", "a", "1", "b"]
    pred = ["O", "s", "A", "1", None]  # None: nothing recognised, always wrong
    r = U.accuracy(true, pred)
    assert r["n"] == 5
    assert r["exact"] == pytest.approx(1 / 5)
    assert r["case_folded"] == pytest.approx(3 / 5)
    assert U.accuracy([], [])["exact"] is None


def test_grouped_accuracy_splits_groups_and_clean_subset():
    samples = [
        {"label": "1", "cat": "1a", "contrib": "ibm"},
        {"label": "A", "cat": "1b", "contrib": "apa"},  # noisy
        {"label": "c", "cat": "1c", "contrib": "val"},
        {"label": "d", "cat": "1c", "contrib": "kai"},  # noisy
    ]
    pred = ["1", "A", "C", "a"]
    top3 = [["1"], ["A"], ["C", "c"], ["a", "d"]]
    g = U.grouped_accuracy(samples, pred, top3)
    assert g["all"]["overall"]["n"] == 4 and g["clean"]["overall"]["n"] == 2
    assert g["all"]["overall"]["exact"] == pytest.approx(0.5)
    assert g["all"]["overall"]["case_folded"] == pytest.approx(0.75)
    assert g["all"]["lowercase"]["top3"] == pytest.approx(1.0)
    assert g["clean"]["lowercase"] == {"n": 1, "exact": 0.0, "case_folded": 1.0, "top3": 1.0}
    assert g["clean"]["uppercase"]["n"] == 0


def test_confusions_counts_true_to_predicted():
    c = U.confusions(["o", "o", "o", "l", "l", "x"], ["0", "0", "O", "1", "l", None], k=2)
    assert c[0] == {"true": "o", "pred": "0", "count": 2, "of_true": pytest.approx(2 / 3)}
    assert len(c) == 2


def test_error_kinds_split_the_mistakes():
    true = ["x", "O", "l", "q", "a", "b", "7", "S"]
    pred = ["X", "0", "1", "9", "a", "h", None, "s"]
    e = U.error_kinds(true, pred)
    assert e["n"] == 8 and e["errors"] == 7
    assert e["other_case"] == 2 / 8  # x/X, S/s
    assert e["digit_letter"] == 3 / 8  # O/0, l/1, q/9
    assert e["other_character"] == 1 / 8 and e["not_recognised"] == 1 / 8


def _writer_samples(writers: int, per_writer: int, right: list[bool], contrib: str = "ibm"):
    """``writers`` writers of ``per_writer`` digit samples each; writer k is all right or all
    wrong as ``right[k]`` says."""
    samples, pred = [], []
    for k in range(writers):
        for _ in range(per_writer):
            samples.append({"label": "1", "cat": "1a", "contrib": contrib,
                            "writer": f"{contrib}/w{k}"})
            pred.append("1" if right[k] else "7")
    return samples, pred


def test_writer_intervals_resample_writers_not_characters():
    # 40 writers, 30 right: 75% whichever way it is counted
    right = [k % 4 != 0 for k in range(40)]
    few, pred_few = _writer_samples(40, 25, right)             # 1,000 characters, 40 hands
    many, pred_many = _writer_samples(1000, 1, right * 25)     # 1,000 characters, 1,000 hands
    a = U.writer_intervals(few, pred_few, reps=500, seed=1)["clean/overall/exact"]
    b = U.writer_intervals(many, pred_many, reps=500, seed=1)["clean/overall/exact"]
    assert a["estimate"] == b["estimate"] == pytest.approx(0.75)
    assert a["writers"] == 40 and b["writers"] == 1000
    assert a["low"] < 0.75 < a["high"] and b["low"] < 0.75 < b["high"]
    # the same share of characters right is far less certain when it comes from 40 writers
    assert (a["high"] - a["low"]) > 3 * (b["high"] - b["low"])
    # about the binomial width for 40 independent writers (+-1.96 * sqrt(.75 * .25 / 40) = 0.27)
    assert 0.18 < a["high"] - a["low"] < 0.36


def test_writer_intervals_rows_and_degenerate_cases():
    samples, pred = _writer_samples(5, 3, [True] * 5)
    noisy, npred = _writer_samples(4, 2, [False] * 4, contrib="apa")
    iv = U.writer_intervals(samples + noisy, pred + npred, reps=200, seed=0)
    # every clean writer right: nothing to resample away
    assert iv["clean/overall/exact"] == {"estimate": 1.0, "low": 1.0, "high": 1.0, "writers": 5}
    assert iv["all/overall/exact"]["estimate"] == pytest.approx(15 / 23)
    assert iv["all/overall/exact"]["writers"] == 9
    assert iv["clean/digits/exact"]["writers"] == 5
    # deterministic for a seed; the markdown lists each row
    assert U.writer_intervals(samples + noisy, pred + npred, reps=200, seed=0) == iv
    table = U.interval_table(iv)
    assert table[0].startswith("| subset | group | accuracy | estimate | 95% interval")
    assert "| clean | overall | exact | 100.0% | 100.0% – 100.0% | 5 |" in table


def test_class_mix_weights_the_page_and_emnist_each_at_the_others_mix():
    from handwriting.pipelines.reporting.nodes import accuracy_summary

    labels = ["0", "A", "c"]
    # the test file: mostly digits (6 of 10), all read right; A half right; c never
    y = np.array([0] * 6 + [1] * 2 + [2] * 2)
    pred = np.array([0] * 6 + [1, 0] + [0, 1])
    emnist = accuracy_summary(y, np.eye(3)[pred], labels, "c")
    assert emnist["accuracy"] == pytest.approx(0.7)
    # the page's sample: equal classes; the wrong "c" by a noisy contributor is not clean
    samples = ([{"label": "0", "contrib": "ibm"}] * 2 + [{"label": "A", "contrib": "ibm"}] * 2
               + [{"label": "c", "contrib": "ibm"}] * 3 + [{"label": "c", "contrib": "apa"}])
    page = ["0", "0", "A", None, "c", "C", "A", "0"]
    cm = U.class_mix(samples, page, emnist, labels)
    assert cm["emnist"]["file"]["exact"] == pytest.approx(0.7)
    assert cm["emnist"]["file"]["digit_share"] == pytest.approx(0.6)
    assert cm["emnist"]["balanced"]["exact"] == pytest.approx((1 + 0.5 + 0) / 3)
    a = cm["all"]
    assert a["n"] == 8
    assert a["balanced"]["exact"] == pytest.approx((1 + 0.5 + 0.25) / 3)
    assert a["balanced"]["case_folded"] == pytest.approx((1 + 0.5 + 0.5) / 3)  # C for c folds
    assert a["emnist_mix"]["exact"] == pytest.approx((6 * 1 + 2 * 0.5 + 2 * 0.25) / 10)
    assert a["balanced"]["groups"] == pytest.approx({"digit": 1.0, "upper": 0.5, "lower": 0.25})
    assert cm["clean"]["n"] == 7
    assert cm["clean"]["balanced"]["groups"]["lower"] == pytest.approx(1 / 3)
    rows = U.class_mix_table(cm)
    assert len(rows) == 2 + 2 + 4
    assert rows[2].startswith("| EMNIST test file (10) |") and "| **70.0%** |" in rows[2]
    assert "| **75.0%** | 80.0% | 100.0% | 50.0% | 25.0% |" in rows[5]  # all, at the file's mix
    # no class-balanced block (metadata written before it existed): nothing to compare
    assert U.class_mix(samples, page, {"accuracy": 0.7}, labels) is None
