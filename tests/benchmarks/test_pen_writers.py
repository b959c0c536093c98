"""benchmarks/pen_writers.py: the writers each share trains on, the trend and its projection,
and the table, on synthetic data (no UNIPEN file, no model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import pen_writers as W  # noqa: E402

BAR = [[[0, 0], [0, 10]]]


def test_slope_and_reach_projects_along_the_line_in_log_writers():
    # +1 point per doubling exactly
    pts = [(50, 0.78), (100, 0.79), (200, 0.80)]
    t = W.slope_and_reach(pts, target=0.82, start=0.80)
    assert t["per_doubling"] == pytest.approx(0.01)
    assert t["steps"] == pytest.approx([0.01, 0.01])
    assert t["times_writers"] == pytest.approx(4.0)  # two more doublings
    assert W.slope_and_reach(pts, target=0.80, start=0.805)["times_writers"] == 1.0
    flat = W.slope_and_reach([(50, 0.8), (100, 0.79), (200, 0.78)], target=0.9, start=0.78)
    assert flat["times_writers"] is None and flat["per_doubling"] < 0


def test_two_seeds_at_one_writer_count_both_count_in_the_fit_and_average_in_the_steps():
    t = W.slope_and_reach([(50, 0.78), (100, 0.79), (100, 0.80), (200, 0.80)], target=0.9,
                          start=0.80)
    assert t["steps"] == pytest.approx([0.015, 0.005])
    assert t["per_doubling"] == pytest.approx(0.01)  # least squares over the four points


def test_correctness_marks_every_clean_sample_and_the_digits():
    pen = {"y": np.array([0, 1, 2]), "fold": np.array([0, 2, 2]),
           "digits": np.array([True, False, False])}
    right = W.correctness(np.array([0, 2, 1]), pen)
    assert right["exact"].tolist() == [True, False, False]
    assert right["case_folded"].tolist() == [True, True, True]  # 1 and 2 fold together
    assert right["mask"]["digits"].tolist() == [True, False, False]
    assert right["mask"]["exact"].all()


def test_writer_counts_follow_the_pipelines_selection():
    strokes = []
    for w in range(300):
        contrib = "apa" if w % 5 == 0 else "abc"
        strokes.append({"label": "1", "writer": f"{contrib}/{w}", "contrib": contrib,
                        "strokes": BAR})
    conf = {"preprocessing": {"seed": 0, "unipen": {"heldout_fraction": 0.25,
                                                    "train_clean_only": True}},
            "stroke_modelling": {"validation_writers": 0.1}}
    full, half = (W.writer_counts(strokes, conf, s) for s in (1.0, 0.5))
    # the image model: clean training writers; the stroke model: all but the validation writers
    assert full["image_characters"] == full["image_writers"] < full["stroke_writers"]
    assert 0.4 < half["image_writers"] / full["image_writers"] < 0.6
    assert 0.4 < half["stroke_writers"] / full["stroke_writers"] < 0.65


def test_page_figures_come_from_sample_draws(tmp_path):
    assert W.page_figures(tmp_path) is None
    every = {k: {"estimate": v} for k, v in (("exact", 0.7992), ("case_folded", 0.8954),
                                              ("digits", 0.8817))}
    (tmp_path / "sample_draws.json").write_text(json.dumps(
        {"model": {"model_version": "abc"}, "every_character": every}))
    assert W.page_figures(tmp_path) == {"model": "abc", "exact": 0.7992,
                                        "case_folded": 0.8954, "digits": 0.8817}


def test_markdown_names_each_row_and_the_projection():
    est = {k: {"estimate": 0.8, "low": 0.78, "high": 0.82} for k in W.TARGETS}
    diff = {k: {"difference": -0.01, "low": -0.02, "high": 0.0} for k in W.TARGETS}
    rows = [{"row": "q", "share": 0.25, "seed": 42, "image_writers": 50, "stroke_writers": 60,
             "image_characters": 1000, "stroke_characters": 2000, "weighted": est,
             "against_shipped": diff},
            {"row": "lite_pen_x2_seeded", "share": 1.0, "image_writers": 200,
             "stroke_writers": 240, "image_characters": 4000, "stroke_characters": 8000,
             "weighted": est}]
    trend = {"exact": {"per_doubling": 0.008, "steps": [0.006, 0.01], "start": 0.7992,
                       "times_writers": 1.07},
             "case_folded": {"per_doubling": 0.01, "steps": [0.01, 0.01], "start": 0.8954,
                             "times_writers": 1.4},
             "digits": {"per_doubling": 0.004, "steps": [0.0, 0.008], "start": 0.88,
                        "times_writers": 5e6}}
    r = {"rows": rows, "trend": trend, "targets": W.TARGETS, "page": None, "n_clean": 10,
         "writers_heldout": 3, "fusion_weight": 1.0, "wall_seconds": 5, "command": "c"}
    text = W.markdown(r)
    assert "| `q` | 0.25 | 42 | 50 / 60 | 1,000 / 2,000 | 80.00% (78.00% – 82.00%)" in text
    assert "-1.00 (-2.00 to +0.00)" in text and "(shipped)" in text
    # 1.4 times today's 200 writers: some 80 more
    assert "exact +0.80 points per doubling (the steps: +0.60, +1.00), from 79.92%" in text
    assert "case-folded +1.00 points per doubling (the steps: +1.00, +1.00), from 89.54% the 90% target at about 1.4 " \
           "times today's writers (some 80 more writers of the image model's kind)" in text
    assert "the 97% target beyond any collection" in text
    assert "the shipped pair's figures above" in text
