"""End to end: `kedro run` on a stratified subset of the real EMNIST files in ../shared/emnist.

Runs in a scratch copy of the project (pyproject, conf, src) so it never touches the model that
web/ ships. Marked slow: it trains a real (small) model for a few epochs.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HANDWRITING_SHARED_DIR", REPO.parent / "shared"))
EMNIST = SHARED / "emnist"
UNIPEN = SHARED / "strokes" / "unipen_chars.jsonl.gz"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (EMNIST / "emnist-byclass-mapping.txt").exists() and not os.environ.get("CI"),
                       reason="../shared/emnist not present"),
]


def _kedro(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HANDWRITING_EMNIST_DIR": str(EMNIST), "KEDRO_DISABLE_TELEMETRY": "1",
           "HANDWRITING_UNIPEN_FILE": str(UNIPEN),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    kedro = Path(sys.executable).with_name("kedro")
    result = subprocess.run([str(kedro), *args], cwd=project, env=env, capture_output=True,
                            text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "pyproject.toml", root)
    shutil.copytree(REPO / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    shutil.copytree(REPO / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    params = ",".join([
        "preprocessing.train_subset=12000", "preprocessing.test_subset=3000",
        "preprocessing.unipen.train=true", "preprocessing.unipen.train_subset=3000",
        "reporting.pen_eval_subset=1200",
        "modelling.epochs=3", "modelling.verbose=2",
        "stroke_modelling.train_subset=6000", "stroke_modelling.epochs=3",
    ])
    _kedro(root, "run", "--params", params)
    return root


def test_run_writes_reports(project):
    reports = project / "data" / "08_reporting"
    for name in ("metrics.json", "per_class_metrics.csv", "confusion_matrix.png",
                 "training_curves.png", "deployment.json", "confusion_matrix.csv",
                 "pen_metrics.json"):
        assert (reports / name).stat().st_size > 0, name
    metrics = json.loads((reports / "metrics.json").read_text())
    # 3 epochs on ~11k images: far above chance (1/62), far below a finished model
    assert metrics["n_test"] == pytest.approx(3000, abs=40)
    assert 0.5 < metrics["accuracy"] < 0.95
    assert metrics["top3_accuracy"] > metrics["accuracy"]
    assert metrics["case_folded_accuracy"] >= metrics["accuracy"]


def test_pen_strokes_trained_on_and_reported_for_heldout_writers(project):
    from handwriting.datasets import ArraysDataset

    pen_train = ArraysDataset(filepath=str(project / "data/05_model_input/pen_train_set.npz")).load()
    # the shipped recipe shows each rendered stroke `repeat` times per epoch: tiled copies
    repeat = yaml.safe_load((project / "conf/base/parameters_preprocessing.yml").read_text())[
        "preprocessing"]["unipen"]["repeat"]
    n = len(pen_train["y"]) // repeat
    assert n * repeat == len(pen_train["y"]) and n == pytest.approx(3000, abs=70)
    for k in range(1, repeat):
        assert np.array_equal(pen_train["x"][k * n:(k + 1) * n], pen_train["x"][:n])
    pen = json.loads((project / "data" / "08_reporting" / "pen_metrics.json").read_text())
    assert pen["available"] and pen["all"]["n_test"] == pytest.approx(1200, abs=70)
    assert pen["clean"]["n_test"] < pen["all"]["n_test"]
    assert pen["all"]["accuracy"] > 0.2  # 3 epochs: well above chance on real pen strokes
    meta = json.loads((project / "web" / "model" / "metadata.json").read_text())
    assert meta["metrics"]["pen"]["accuracy"] == pen["clean"]["accuracy"]


def test_stroke_model_trained_on_training_writers_fused_and_shipped(project):
    from handwriting.datasets import ArraysDataset, StaticModelDirectory
    from handwriting.pipelines.deployment.nodes import as_model_input, load_tfjs
    from kedro_datasets.tensorflow import TensorFlowModelDataset

    data = project / "data"
    train = ArraysDataset(filepath=str(data / "05_model_input/stroke_train_set.npz")).load()
    val = ArraysDataset(filepath=str(data / "05_model_input/stroke_validation_set.npz")).load()
    assert len(train["y"]) == pytest.approx(6000, abs=70) and train["x"].shape[1:] == (64, 5)
    assert len(val["y"]) > 1000  # the validation writers' paths, all of them
    history = json.loads((data / "06_models/stroke_training_history.json").read_text())
    assert history["trained"] and history["epochs_run"] == 3
    pen = json.loads((data / "08_reporting/pen_metrics.json").read_text())
    # 3 epochs on 6,000 paths: far above chance (1/62) on held-out writers' real strokes
    assert pen["stroke_model"]["all"]["accuracy"] > 0.3 and pen["fusion_weight"] == 1.0
    assert pen["all"]["n_test"] == pen["image_model"]["all"]["n_test"]
    files = StaticModelDirectory(path=str(project / "web" / "model")).load()
    meta = json.loads(files["metadata.json"])
    assert meta["stroke_model"]["path"] == "stroke_model.json" and meta["stroke_model"]["points"] == 64
    exported = load_tfjs(files, "stroke_model.json")
    keras_model = TensorFlowModelDataset(filepath=str(data / "06_models/stroke_model.keras")).load()
    x = val["x"][:500]
    assert exported.input_shape == (None, 64, 1, 5)  # exported with 2-D layers (fused in TF.js)
    p_js = exported.predict(as_model_input(exported, x), verbose=0)
    assert np.abs(p_js - keras_model.predict(x, verbose=0)).max() < 0.02
    report = json.loads((data / "08_reporting/stroke_deployment.json").read_text())
    assert report["shipped"] and report["verified_on"] == len(val["y"])


def test_labels_come_from_the_mapping_file(project):
    labels = json.loads((project / "data" / "02_intermediate" / "labels.json").read_text())
    mapping = [chr(int(line.split()[1])) for line in
               (EMNIST / "emnist-byclass-mapping.txt").read_text().split("\n") if line.strip()]
    assert labels == mapping
    meta = json.loads((project / "web" / "model" / "metadata.json").read_text())
    assert meta["labels"] == labels


def test_exported_model_reloads_and_matches_keras(project):
    from handwriting.datasets import ArraysDataset, StaticModelDirectory
    from handwriting.pipelines.deployment.nodes import load_tfjs
    from kedro_datasets.tensorflow import TensorFlowModelDataset

    files = StaticModelDirectory(path=str(project / "web" / "model")).load()
    meta = json.loads(files["metadata.json"])
    exported = load_tfjs(files)
    keras_model = TensorFlowModelDataset(
        filepath=str(project / "data" / "06_models" / "model.keras")).load()
    test = ArraysDataset(filepath=str(project / "data" / "05_model_input" / "test_set.npz")).load()
    x, y = test["x"][:500], test["y"][:500]
    p_js, p_keras = exported.predict(x, verbose=0), keras_model.predict(x, verbose=0)
    report = json.loads((project / "data" / "08_reporting" / "deployment.json").read_text())
    # within the tolerance the deployment verified for the shipped quantisation (uint8: 0.15)
    assert report["quantization"] == meta["quantization"]
    assert np.abs(p_js - p_keras).max() <= report["tolerance"]
    assert (p_js.argmax(1) == y).mean() == pytest.approx((p_keras.argmax(1) == y).mean(), abs=0.01)
    assert report["verified_on"] == meta["metrics"]["n_test"]
    assert meta["metrics"]["accuracy"] == pytest.approx(report["exported"]["accuracy"])


def test_single_pipeline_runs_from_the_catalog(project):
    before = json.loads((project / "web" / "model" / "metadata.json").read_text())
    _kedro(project, "run", "--pipeline", "reporting")
    _kedro(project, "run", "--pipeline", "deployment")
    after = json.loads((project / "web" / "model" / "metadata.json").read_text())
    assert after["model_version"] == before["model_version"]  # same model, same bytes
    assert after["labels"] == before["labels"]
