"""benchmarks/fusion_weight.py: the sweep over fusion weights, its paired differences and the
verdict, on synthetic probabilities (no UNIPEN file, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import fusion_weight as F  # noqa: E402

LABELS = ["0", "O", "o", "x"]


def _sample(label, writer, contrib="ok"):
    return {"label": label, "contrib": contrib, "writer": writer, "cat": "1a"}


def _case():
    """Four writers, each writing a ring meant as 0, an O and an x. The image model reads the
    ring as o and the O as o; the stroke model reads the ring as 0 (a little) and the O as O (a
    lot); both read the x right. A noisy contributor's 0 is outside every measure."""
    samples, image, stroke = [], [], []
    for writer in "abcd":
        samples += [_sample("0", writer), _sample("O", writer), _sample("x", writer)]
        image += [[0.3, 0.1, 0.6, 0.0], [0.0, 0.45, 0.55, 0.0], [0.0, 0.0, 0.1, 0.9]]
        stroke += [[0.6, 0.0, 0.4, 0.0], [0.0, 0.9, 0.1, 0.0], [0.0, 0.0, 0.2, 0.8]]
    samples.append(_sample("0", "e", contrib="apa"))
    image.append([0.0, 0.0, 1.0, 0.0])
    stroke.append([0.0, 0.0, 1.0, 0.0])
    return samples, {"image": np.array(image), "stroke": np.array(stroke)}


def test_right_of_counts_the_clean_subset_and_its_digits():
    samples, _ = _case()
    pred = ["0", "o", "x", "O", "O", "x", "0", "0", None, "0", "O", "o", "0"]
    right = F.right_of(samples, pred)
    assert right["exact"].tolist() == [True, False, True, False, True, True, True, False, False,
                                       True, True, False]
    # o for O is right case-folded; O or 0 for each other is not (only the letters fold), and
    # a drawing with no reading (None) is wrong either way
    assert right["case_folded"].tolist() == [True, True, True, False, True, True, True, False,
                                             False, True, True, False]
    assert right["digits"].tolist() == [True, False, True, True]
    assert right["writers"]["digits"].tolist() == ["a", "b", "c", "d"]


def test_sweep_reads_each_weight_and_pairs_it_with_the_shipped_one():
    samples, parts = _case()
    valid = np.ones(len(samples), bool)
    rows = F.sweep(samples, parts, valid, LABELS, shipped=1.0, weights=(0, 1, 4))
    by = {r["weight"]: r for r in rows}
    assert list(by) == [0, 1, 4, "stroke alone"]
    # the ring: o at w 0 and at w 1 (0.3 * 0.6 < 0.6 * 0.4), 0 at w 4 (0.3 * 0.6^4 > 0.6 * 0.4^4)
    assert [by[w]["digits"] for w in (0, 1, 4, "stroke alone")] == [0.0, 0.0, 1.0, 1.0]
    # the O: o at w 0 (exact wrong, case-folded right), O from w 1 on
    assert [by[w]["exact"] for w in (0, 1, 4)] == [1 / 3, 2 / 3, 1.0]
    assert [by[w]["case_folded"] for w in (0, 1, 4)] == [2 / 3, 2 / 3, 1.0]
    assert "against_shipped" not in by[1]
    d = by[4]["against_shipped"]["digits"]
    assert d["difference"] == 1.0 and d["writers"] == 4 and d["low"] == d["high"] == 1.0
    assert by[0]["against_shipped"]["exact"]["difference"] == -1 / 3
    verdict = F.verdict(rows)
    assert verdict["digits"] == {"better": [4, "stroke alone"], "worse": []}
    assert verdict["exact"] == {"better": [4, "stroke alone"], "worse": [0]}
    assert verdict["case_folded"] == {"better": [4, "stroke alone"], "worse": []}


def test_markdown_says_whether_any_weight_is_better():
    samples, parts = _case()
    rows = F.sweep(samples, parts, np.ones(len(samples), bool), LABELS, shipped=1.0,
                   weights=(0, 1, 4))
    result = {"sample": {"per_class": 2, "seed": 1, "n_clean": 12, "writers_clean": 4,
                         "n_clean_digits": 4}, "model": {"model_version": "abc"},
              "shipped_weight": 1.0, "sweep": rows, "clear_of_zero": F.verdict(rows),
              "wall_s": 1.0, "command": "python benchmarks/fusion_weight.py"}
    text = F.markdown(result)
    assert "| **1** |" in text and "| -33.33 (-33.33 to -33.33) |" in text
    assert "exact: 4, stroke alone; case-folded: 4, stroke alone; digits: 4, stroke alone" in text
    rows = F.sweep(samples, parts, np.ones(len(samples), bool), LABELS, shipped=1.0, weights=(1,))
    result.update(sweep=rows[:1], clear_of_zero=F.verdict(rows[:1]))
    assert "No weight reads any of the three measures better" in F.markdown(result)
