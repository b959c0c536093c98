"""benchmarks.summary: the target checks and the choice of the shipped row, on result files
written here (no training, no browser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import summary as S
from benchmarks._project import data_path


def _row(variant, params, acc, **kw):
    return {"variant": variant, "parameters": params, "test_accuracy": acc, "shipped_accuracy": acc,
            "test_case_folded_accuracy": acc + 0.03, "test_top3_accuracy": 0.98,
            "val_accuracy": acc, "train_samples": 1000, "samples_per_second": 500.0,
            "epochs_run": 5, "best_epoch": 4, "quantization": None,
            "shipped_weights_bytes": params * 4, **kw}


def _write(tmp_path: Path, *, shipped_acc=0.85, weights=118_000, f16_acc=0.8499, wasm_ms=0.6):
    results, root = tmp_path / "results", tmp_path
    results.mkdir()
    data_path("test_metrics", root).parent.mkdir(parents=True)
    files = {
        results / "ablation.json": {"rows": [_row("seed", 100_000, 0.80),
                                             _row("other", 50_000, shipped_acc),
                                             _row("shipped", 59_000, shipped_acc)]},
        results / "exports.json": {"rows": [
            {"quantization": q, "weights_bytes": b, "accuracy": a, "case_folded_accuracy": a,
             "top3_accuracy": 0.98} for q, b, a in (("float32", 2 * weights, shipped_acc),
                                                    ("float16", weights, f16_acc),
                                                    ("uint8", weights // 2, shipped_acc - 0.01))]},
        results / "web_latency.json": {"model": {"model_version": "abc"}, "backends": {
            "wasm": {"available": True, "predict_sync": {"median": wasm_ms, "p95": 1.5},
                     "predict_sync_block_mean": wasm_ms, "predict": {"median": wasm_ms, "p95": 2}},
            "webgl": {"available": False}}},
        results / "ingestion.json": {"machine": "test", "full_train_images": 697932, "rows": []},
        data_path("test_metrics", root): {"parameters": 59_000, "accuracy": shipped_acc},
        data_path("deployment_report", root): {"quantization": "float16", "weights_bytes": weights},
    }
    for path, content in files.items():
        path.write_text(json.dumps(content))
    return results, root


def test_all_targets_met(tmp_path):
    s = S.collate(*_write(tmp_path))
    assert s["shipped"]["variant"] == "shipped"  # same accuracy, other parameter count: not chosen
    assert [t["met"] for t in s["targets"]] == [True, True, True, True]
    md = S.markdown(s)
    assert "+5.00 pp" in md and "| float16 (shipped) | 118.0 KB |" in md and "not available" in md


@pytest.mark.parametrize("change, failing", [
    ({"shipped_acc": 0.825, "f16_acc": 0.825}, 0),   # only 2.5 pp above the seed
    ({"weights": 151_000}, 1),
    ({"f16_acc": 0.847}, 2),                         # 0.3 pp lost to quantisation
    ({"wasm_ms": 1.1}, 3),
])
def test_each_target_can_fail(tmp_path, change, failing):
    s = S.collate(*_write(tmp_path, **change))
    assert [i for i, t in enumerate(s["targets"]) if not t["met"]] == [failing]


def test_no_matching_ablation_row_is_an_error(tmp_path):
    results, root = _write(tmp_path)
    data_path("test_metrics", root).write_text(json.dumps({"parameters": 59_000, "accuracy": 0.9}))
    with pytest.raises(SystemExit, match="no ablation row matches"):
        S.collate(results, root)


def test_a_shipped_stroke_model_counts_in_size_and_time(tmp_path):
    results, root = _write(tmp_path, weights=118_000, wasm_ms=0.6)
    stroke = {"shipped": True, "weights_bytes": 25_000, "quantization": "uint8"}
    data_path("stroke_deployment_report", root).write_text(json.dumps(stroke))
    with pytest.raises(SystemExit, match="no stroke model timing"):
        S.collate(results, root)
    latency = json.loads((results / "web_latency.json").read_text())
    latency["backends"]["wasm"]["predict_strokes_sync"] = {"median": 0.3, "p95": 0.5}
    (results / "web_latency.json").write_text(json.dumps(latency))
    s = S.collate(results, root)
    assert [t["met"] for t in s["targets"]] == [True, True, True, True]
    assert s["targets"][1]["value"].startswith("143.0 KB") and "uint8" in s["targets"][1]["value"]
    assert s["targets"][3]["value"].startswith("0.90 ms")
    # the page's timer values are float32 multiples of 0.1 ms, as web_latency.json records them
    latency["backends"]["wasm"]["predict_sync"]["median"] = 0.6000000089406967
    latency["backends"]["wasm"]["predict_strokes_sync"] = {"median": 0.4000000059604645, "p95": 0.5}
    (results / "web_latency.json").write_text(json.dumps(latency))
    s = S.collate(results, root)  # 1.0000000149 ms in floats: 1.00 ms, the target
    assert s["targets"][3]["met"] and s["targets"][3]["value"].startswith("1.00 ms")
    stroke["weights_bytes"] = 40_000  # 158 KB in all: over the budget
    data_path("stroke_deployment_report", root).write_text(json.dumps(stroke))
    latency["backends"]["wasm"]["predict_sync"]["median"] = 0.6
    latency["backends"]["wasm"]["predict_strokes_sync"] = {"median": 0.5, "p95": 0.7}  # 1.1 ms
    (results / "web_latency.json").write_text(json.dumps(latency))
    assert [t["met"] for t in S.collate(results, root)["targets"]] == [True, False, True, False]
    data_path("stroke_deployment_report", root).write_text(json.dumps({"shipped": False}))
    assert [t["met"] for t in S.collate(results, root)["targets"]] == [True, True, True, True]


def _pen(results, name, estimate, low, high, key="clean/overall/exact", extra=None):
    iv = {key: {"estimate": estimate, "low": low, "high": high, "writers": 60}}
    (results / name).write_text(json.dumps({"intervals": iv, **(extra or {})}))


def test_pen_targets_read_the_page_benchmark_and_place_the_target_in_its_interval(tmp_path):
    results, root = _write(tmp_path)
    assert S.collate(results, root)["pen_targets"] is None  # no page benchmark run yet
    iv = {"clean/overall/exact": {"estimate": 0.795, "low": 0.77, "high": 0.82, "writers": 63},
          "clean/overall/case_folded": {"estimate": 0.93, "low": 0.91, "high": 0.95, "writers": 63},
          "clean/digits/exact": {"estimate": 0.887, "low": 0.85, "high": 0.91, "writers": 58}}
    (results / "unipen.json").write_text(json.dumps({"intervals": iv}))
    _pen(results, "unipen_digits.json", 0.989, 0.976, 0.996, key="clean/digits/exact")
    s = S.collate(results, root)
    t = s["pen_targets"]
    assert [x["target"] for x in t] == ["exact, Auto mode >= 80%", "case-folded, Auto mode >= 90%",
                                        "digits, Auto mode >= 97%", "digits, 123 mode >= 97%"]
    assert [x["met"] for x in t] == [False, True, False, True]
    assert [x["interval"] for x in t] == ["inside", "below", "above", "below"]
    assert {x["reading"] for x in t} == {"each alone"}  # no sequence run yet
    md = S.markdown(s)
    assert ("| exact, Auto mode >= 80% | each alone | 79.5% | 77.0% – 82.0% | 63 | **no** | "
            "inside it |") in md
    # the same characters in sequence (size cue): their rows follow, from their own files
    iv["clean/overall/exact"] = {"estimate": 0.805, "low": 0.778, "high": 0.83, "writers": 63}
    (results / "unipen_sequence.json").write_text(json.dumps({"intervals": iv}))
    t = S.collate(results, root)["pen_targets"]
    assert [x["reading"] for x in t[4:]] == ["in sequence (size cue)"] * 3  # no 123 sequence file
    assert t[4]["file"] == "unipen_sequence.json" and t[4]["met"] and t[4]["interval"] == "inside"
    # and written by a user who picks the right guess (the page learning): rows of their own
    iv["clean/overall/case_folded"] = {"estimate": 0.901, "low": 0.879, "high": 0.921,
                                       "writers": 63}
    (results / "unipen_picks.json").write_text(json.dumps({"intervals": iv}))
    t = S.collate(results, root)["pen_targets"]
    assert [x["file"] for x in t[7:]] == ["unipen_picks.json"] * 3
    assert t[8]["target"] == "case-folded, Auto mode >= 90%" and t[8]["met"]
    assert t[8]["interval"] == "inside" and "picking the right guess" in t[8]["reading"]
    assert "EMNIST test figure" not in md  # no class-mix block in this unipen.json
