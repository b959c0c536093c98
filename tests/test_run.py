"""End to end: the README's quick run, `kedro run --env quick`, on the real files in ../shared.

It runs in a scratch clone of the project (pyproject, conf, src, the shipped web/model and the
committed reports, committed to a fresh git repository) as a newcomer would run it: without
KEDRO_DISABLE_TELEMETRY. Every pipeline runs, from the raw files to the verified export, and
afterwards `git status` must be empty: the scratch outputs are ignored and nothing tracked moved.
Marked slow: it trains both models (small subsets, two epochs each; about a minute here).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from handwriting.page.manifest import read_manifest, read_model_file

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HANDWRITING_SHARED_DIR", REPO.parent / "shared"))
EMNIST = SHARED / "emnist"
UNIPEN = SHARED / "strokes" / "unipen_chars.jsonl.gz"
QUICK = yaml.safe_load((REPO / "conf/quick/parameters.yml").read_text())
QUICK_GLOBALS = yaml.safe_load((REPO / "conf/quick/globals.yml").read_text())
QUICK_RUN_LIMIT_S = 300  # the README's promise for this 2-core machine

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (EMNIST / "emnist-byclass-mapping.txt").exists() and not os.environ.get("CI"),
                       reason="../shared/emnist not present"),
]


def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@localhost",
                           *args], cwd=project, check=True, capture_output=True,
                          text=True).stdout


def _kedro(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("KEDRO_DISABLE_TELEMETRY", "DO_NOT_TRACK", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(HANDWRITING_EMNIST_DIR=str(EMNIST), HANDWRITING_UNIPEN_FILE=str(UNIPEN))
    kedro = Path(sys.executable).with_name("kedro")
    result = subprocess.run([str(kedro), *args], cwd=project, env=env, capture_output=True,
                            text=True, timeout=1500)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    return output


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", ".gitignore", ".telemetry"):
        shutil.copy(REPO / name, root)
    _copy_tree(REPO / "conf", root / "conf")
    shutil.rmtree(root / "conf" / "local")  # this machine's overrides are not the project's
    _copy_tree(REPO / "src", root / "src")
    _copy_tree(REPO / "web" / "model", root / "web" / "model")
    _copy_tree(REPO / "data" / "08_reporting", root / "data" / "08_reporting")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "as shipped")
    started = time.monotonic()
    output = _kedro(root, "run", "--env", "quick")
    return {"project": root, "output": output, "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def project(quick_run):
    return quick_run["project"]


@pytest.fixture(scope="module")
def data(project):
    return project / QUICK_GLOBALS["data_root"]


@pytest.fixture(scope="module")
def web_model(project):
    return project / QUICK_GLOBALS["web_model"]


def test_quick_run_is_quick_and_leaves_every_tracked_file_alone(quick_run, project, data,
                                                                web_model):
    assert quick_run["seconds"] < QUICK_RUN_LIMIT_S
    # the shipped model, the committed reports and pyproject.toml (no telemetry id) as they were
    assert _git(project, "status", "--porcelain") == ""
    assert (web_model / "manifest.json").is_file() and (data / "08_reporting/metrics.json").is_file()


def test_run_ends_with_its_headline_figures(quick_run, data, web_model):
    output = quick_run["output"]
    metrics = json.loads((data / "08_reporting/metrics.json").read_text())
    pen = json.loads((data / "08_reporting/pen_metrics.json").read_text())
    weights = sum(f["bytes"] for name, f in read_manifest(web_model)["files"].items()
                  if name.endswith(".bin"))
    figures = output[output.rindex("Headline figures (quick environment):"):].splitlines()[1:4]
    assert figures[0].strip().startswith(f"EMNIST test, {metrics['n_test']:,} images: "
                                         f"exact {100 * metrics['accuracy']:.2f}%")
    assert f"{pen['clean']['n_test']:,} clean (both models fused): " \
           f"exact {100 * pen['clean']['accuracy']:.2f}%" in figures[1]
    assert f"{weights / 1000:.1f} KB of weights" in figures[2]
    assert figures[2].endswith(f"written to {QUICK_GLOBALS['web_model']}")


def test_known_harmless_warnings_are_silenced(quick_run):
    output = quick_run["output"]
    for harmless in ("register_new_resolver", "HDF5 file", "compiled metrics",
                     "tf.function retracing", "cpu_feature_guard", "Kedro is sending"):
        assert harmless not in output, harmless


def test_run_writes_reports(data):
    reports = data / "08_reporting"
    for name in ("metrics.json", "per_class_metrics.csv", "confusion_matrix.png",
                 "training_curves.png", "deployment.json", "confusion_matrix.csv",
                 "pen_metrics.json", "stroke_training_curves.png", "stroke_deployment.json"):
        assert (reports / name).stat().st_size > 0, name
    metrics = json.loads((reports / "metrics.json").read_text())
    # a few epochs on ~11k images: far above chance (1/62), far below a finished model
    assert metrics["n_test"] == pytest.approx(QUICK["preprocessing"]["test_subset"], abs=40)
    assert metrics["epochs_run"] == QUICK["modelling"]["epochs"]
    assert 0.5 < metrics["accuracy"] < 0.95
    assert metrics["top3_accuracy"] > metrics["accuracy"]
    assert metrics["case_folded_accuracy"] >= metrics["accuracy"]


def test_pen_strokes_trained_on_and_reported_for_heldout_writers(project, data, web_model):
    from handwriting.datasets import ArraysDataset

    pen_train = ArraysDataset(filepath=str(data / "05_model_input/pen_train_set.npz")).load()
    # the shipped recipe shows each rendered stroke `repeat` times per epoch: tiled copies
    repeat = yaml.safe_load((project / "conf/base/parameters_preprocessing.yml").read_text())[
        "preprocessing"]["unipen"]["repeat"]
    n = len(pen_train["y"]) // repeat
    assert n * repeat == len(pen_train["y"])
    assert n == pytest.approx(QUICK["preprocessing"]["unipen"]["train_subset"], abs=70)
    for k in range(1, repeat):
        assert np.array_equal(pen_train["x"][k * n:(k + 1) * n], pen_train["x"][:n])
    pen = json.loads((data / "08_reporting/pen_metrics.json").read_text())
    assert pen["available"]
    assert pen["all"]["n_test"] == pytest.approx(QUICK["reporting"]["pen_eval_subset"], abs=70)
    assert pen["clean"]["n_test"] < pen["all"]["n_test"]
    assert pen["all"]["accuracy"] > 0.2  # a few epochs: well above chance on real pen strokes
    meta = json.loads(read_model_file(web_model, "metadata.json"))
    assert meta["metrics"]["pen"]["accuracy"] == pen["clean"]["accuracy"]


def test_stroke_model_trained_on_training_writers_fused_and_shipped(data, web_model):
    from handwriting.datasets import ArraysDataset, StaticModelDirectory
    from handwriting.tfjs_compat import as_model_input, load_tfjs
    from kedro_datasets.tensorflow import TensorFlowModelDataset

    train = ArraysDataset(filepath=str(data / "05_model_input/stroke_train_set.npz")).load()
    val = ArraysDataset(filepath=str(data / "05_model_input/stroke_validation_set.npz")).load()
    assert len(train["y"]) == pytest.approx(QUICK["stroke_modelling"]["train_subset"], abs=70)
    assert train["x"].shape[1:] == (64, 5)
    assert len(val["y"]) > 1000  # the validation writers' paths, all of them
    history = json.loads((data / "06_models/stroke_training_history.json").read_text())
    assert history["trained"] and history["epochs_run"] == QUICK["stroke_modelling"]["epochs"]
    pen = json.loads((data / "08_reporting/pen_metrics.json").read_text())
    # a few epochs on 6,000 paths: far above chance (1/62) on held-out writers' real strokes
    assert pen["stroke_model"]["all"]["accuracy"] > 0.3 and pen["fusion_weight"] == 1.0
    assert pen["all"]["n_test"] == pen["image_model"]["all"]["n_test"]
    files = StaticModelDirectory(path=str(web_model)).load()
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


def test_labels_come_from_the_mapping_file(data, web_model):
    labels = json.loads((data / "02_intermediate/labels.json").read_text())
    mapping = [chr(int(line.split()[1])) for line in
               (EMNIST / "emnist-byclass-mapping.txt").read_text().split("\n") if line.strip()]
    assert labels == mapping
    meta = json.loads(read_model_file(web_model, "metadata.json"))
    assert meta["labels"] == labels


def test_exported_model_reloads_and_matches_keras(data, web_model):
    from handwriting.datasets import ArraysDataset, StaticModelDirectory
    from handwriting.tfjs_compat import load_tfjs
    from kedro_datasets.tensorflow import TensorFlowModelDataset

    files = StaticModelDirectory(path=str(web_model)).load()
    meta = json.loads(files["metadata.json"])
    exported = load_tfjs(files)
    keras_model = TensorFlowModelDataset(filepath=str(data / "06_models/model.keras")).load()
    test = ArraysDataset(filepath=str(data / "05_model_input/test_set.npz")).load()
    x, y = test["x"][:500], test["y"][:500]
    p_js, p_keras = exported.predict(x, verbose=0), keras_model.predict(x, verbose=0)
    report = json.loads((data / "08_reporting/deployment.json").read_text())
    # within the tolerance the deployment verified for the shipped quantisation (uint8: 0.15)
    assert report["quantization"] == meta["quantization"]
    assert np.abs(p_js - p_keras).max() <= report["tolerance"]
    assert (p_js.argmax(1) == y).mean() == pytest.approx((p_keras.argmax(1) == y).mean(), abs=0.01)
    assert report["verified_on"] == meta["metrics"]["n_test"]
    assert meta["metrics"]["accuracy"] == pytest.approx(report["exported"]["accuracy"])


def test_single_pipeline_runs_from_the_catalog_and_prints_only_its_figures(project, web_model):
    before = json.loads(read_model_file(web_model, "metadata.json"))
    output = _kedro(project, "run", "--env", "quick", "--pipeline", "deployment")
    after = json.loads(read_model_file(web_model, "metadata.json"))
    assert after["model_version"] == before["model_version"]  # same model, same bytes
    assert after["labels"] == before["labels"]
    figures = output[output.rindex("Headline figures"):]
    assert "KB of weights" in figures and "EMNIST test" not in figures
    assert _git(project, "status", "--porcelain") == ""


# ---- the run's MLflow record (kedro-mlflow, conf/base/mlflow.yml) ---------------------------

@pytest.fixture(scope="module")
def mlflow_runs(project, quick_run):
    """The runs the quick run and the deployment run above left in the project's own store."""
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("handwriting")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return client, {run.info.run_name: run for run in runs}


def test_the_run_is_an_mlflow_run_with_its_parameters_data_and_figures(mlflow_runs, data):
    import hashlib

    client, runs = mlflow_runs
    run = runs["__default__"]
    assert run.info.status == "FINISHED" and run.data.tags["env"] == "quick"
    params = run.data.params
    # parameters, flattened, as this run used them (conf/quick on top of conf/base)
    assert params["modelling.epochs"] == str(QUICK["modelling"]["epochs"])
    assert params["preprocessing.train_subset"] == str(QUICK["preprocessing"]["train_subset"])
    base = yaml.safe_load((REPO / "conf/base/parameters_preprocessing.yml").read_text())
    assert params["preprocessing.unipen.repeat"] == str(base["preprocessing"]["unipen"]["repeat"])
    # the raw files it read, by content
    for path in [*EMNIST.glob("emnist-byclass-*"), UNIPEN]:
        assert params[f"data.{path.name}"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # the reports' headline figures, and the image model's training curve by epoch
    metrics = json.loads((data / "08_reporting/metrics.json").read_text())
    pen = json.loads((data / "08_reporting/pen_metrics.json").read_text())
    logged = run.data.metrics
    assert logged["emnist.accuracy"] == pytest.approx(metrics["accuracy"])
    assert logged["emnist.top3_accuracy"] == pytest.approx(metrics["top3_accuracy"])
    assert logged["pen.clean.accuracy"] == pytest.approx(pen["clean"]["accuracy"])
    assert logged["pen.stroke_model.clean.accuracy"] == pytest.approx(
        pen["stroke_model"]["clean"]["accuracy"])
    assert not any(name.startswith("words.") for name in logged)  # no words file in this run
    curve = client.get_metric_history(run.info.run_id, "training.val_accuracy")
    assert [m.step for m in curve] == list(range(1, QUICK["modelling"]["epochs"] + 1))


def test_the_run_keeps_the_model_the_page_export_and_the_reports_as_artefacts(mlflow_runs,
                                                                             web_model, tmp_path):
    from handwriting.page.manifest import read_manifest, read_model_files

    client, runs = mlflow_runs
    run_id = runs["__default__"].info.run_id

    def listed(folder):
        return {Path(a.path).name for a in client.list_artifacts(run_id, folder)}

    assert {"model.keras", "stroke_model.keras", "training_history.json",
            "size_cue.json"} <= listed("models")
    assert {"metrics.json", "pen_metrics.json", "deployment.json"} <= listed("reports")
    assert {"confusion_matrix.png", "training_curves.png"} <= listed("plots")
    # the page's model folder as published, its manifest and every file it names (checked by
    # sha256 on reading); the deployment run above published last, so its copy is the folder's
    for name in ("__default__", "deployment"):
        exported = Path(client.download_artifacts(runs[name].info.run_id, f"web/{web_model.name}",
                                                  str(tmp_path / name)))
        assert set(read_model_files(exported)) == set(read_manifest(exported)["files"])
    assert read_manifest(exported) == read_manifest(web_model)
    assert runs["deployment"].info.status == "FINISHED"  # a run of one pipeline is a run of its own


def test_the_ablation_reads_its_row_from_a_run(mlflow_runs, data):
    from benchmarks import ablation

    client, runs = mlflow_runs
    row = ablation.row_from_run(client, runs["__default__"], "quick")
    metrics = json.loads((data / "08_reporting/metrics.json").read_text())
    deployment = json.loads((data / "08_reporting/deployment.json").read_text())
    assert row["test_accuracy"] == metrics["accuracy"] and row["epochs_run"] == 2
    assert row["shipped_weights_bytes"] == deployment["weights_bytes"]
    assert row["pen_canvas_spec"] == "{radius}/{softness}".format(**yaml.safe_load(
        (REPO / "conf/base/parameters_preprocessing.yml").read_text())["canvas_spec"])
    assert row["wall_seconds"] > 10
