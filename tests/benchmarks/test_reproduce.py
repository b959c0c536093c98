"""benchmarks.reproduce: a second run's artefacts compared with the shipped ones."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import reproduce as R
from benchmarks._project import data_path
from handwriting.datasets.static_model import StaticModelDirectory


def _project(root: Path, weights: bytes, created: str, penalty: float = 8.0) -> Path:
    StaticModelDirectory(str(root / "web" / "model")).save({
        "model.json": b'{"format": "layers-model"}', "weights.abc.bin": weights,
        "metadata.json": json.dumps({"model_version": "abc", "created": created,
                                     "line_decoder": {"free_penalty": penalty}}).encode()})
    metrics = data_path("test_metrics", root)
    metrics.parent.mkdir(parents=True)
    metrics.write_text('{"accuracy": 0.8}')
    return root


def test_the_same_run_is_the_same_apart_from_when_it_was_made(tmp_path):
    shipped = _project(tmp_path / "a", b"\x00\x01", "2026-01-01")
    run = _project(tmp_path / "b", b"\x00\x01", "2026-02-02")
    rows = R.compare_runs(run, shipped)
    assert [r["artefact"] for r in rows] == ["web/model/metadata.json", "web/model/model.json",
                                             "web/model/weights.abc.bin",
                                             "data/08_reporting/metrics.json"]
    assert all(r["same"] for r in rows)


def test_any_other_difference_is_found(tmp_path):
    shipped = _project(tmp_path / "a", b"\x00\x01", "2026-01-01")
    run = _project(tmp_path / "b", b"\x00\x02", "2026-01-01", penalty=12.0)
    web = StaticModelDirectory(str(run / "web" / "model"))
    web.save({**web.load(), "extra.bin": b""})
    rows = {r["artefact"]: r for r in R.compare_runs(run, shipped)}
    assert not rows["web/model/weights.abc.bin"]["same"]  # one weight byte
    assert rows["web/model/metadata.json"]["differ"] == ["line_decoder"]
    assert rows["web/model/extra.bin"] == {"artefact": "web/model/extra.bin", "same": False,
                                           "how": "present in one run only"}
    assert rows["web/model/model.json"]["same"] and rows["data/08_reporting/metrics.json"]["same"]
    data_path("pen_metrics", shipped).write_text("{}")  # not in the run
    assert R.compare_runs(run, shipped)[-1] == {"artefact": "data/08_reporting/pen_metrics.json",
                                                "how": "bytes", "same": False,
                                                "missing": "in the run"}
    md = R.markdown({"model_version": "abc", "run": "test", "rows": list(rows.values()),
                     "cpu_cores": 2, "tensorflow": "x", "command": "c"})
    assert "**2 of 5 the same**" in md and "(differ: line_decoder) | **no** |" in md


def test_training_histories_are_compared_apart_from_speed_and_devices(tmp_path):
    """A run on other devices (or an older run, before histories named them) trains the same
    model: only what it trained counts."""
    shipped, run = tmp_path / "shipped.json", tmp_path / "run.json"
    shipped.write_text(json.dumps({"epochs_run": 20, "metrics": {"loss": [0.5]},
                                   "train_seconds": 900.0, "samples_per_second": 3900.0}))
    run.write_text(json.dumps({"epochs_run": 20, "metrics": {"loss": [0.5]},
                               "train_seconds": 90.0, "samples_per_second": 39000.0,
                               "strategy": "MirroredStrategy", "replicas": 2}))
    assert R.compare_json(run, shipped, R.VOLATILE_HISTORY) == {"same": True, "differ": []}
    run.write_text(json.dumps({"epochs_run": 19, "metrics": {"loss": [0.5]}, "replicas": 1}))
    assert R.compare_json(run, shipped, R.VOLATILE_HISTORY)["differ"] == ["epochs_run"]
