"""`kedro viz build` produces the static lineage site with all five pipelines."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_kedro_viz_build(tmp_path):
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    kedro = Path(sys.executable).with_name("kedro")
    result = subprocess.run([str(kedro), "viz", "build"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    main = json.loads((REPO / "build" / "api" / "main").read_text())
    assert {p["id"] for p in main["pipelines"]} >= {
        "ingestion", "preprocessing", "modelling", "reporting", "deployment", "__default__"}
    names = {n["name"] for n in main["nodes"]}
    # the lineage runs from the raw files to the web model
    assert {"emnist_train_raw", "train_model", "tfjs_model", "test_metrics"} <= names
    assert (REPO / "build" / "index.html").exists()
