"""benchmarks.ablation: the table is a query over MLflow runs; a run counts for a variant only
when its logged parameters are the variant's recipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import ablation as A
from benchmarks._project import REPO


def test_recipe_differences_name_each_nested_mismatch():
    conf = {"modelling": {"epochs": 20, "augmentation": {"enabled": True}}, "other": 1}
    assert A.recipe_differences({"modelling": {"epochs": 20}}, conf) == []
    found = A.recipe_differences(
        {"modelling": {"epochs": 26, "augmentation": {"enabled": False}, "new": 3}}, conf)
    assert found == ["modelling.epochs: 20 instead of 26",
                     "modelling.augmentation.enabled: True instead of False",
                     "modelling.new: missing"]


def test_the_projects_parameters_are_the_shipped_variants_recipe():
    """The last row is the shipped recipe: conf/base runs exactly the cumulative overrides of
    lite_pen_x2, and not those of the rows before it (each pen stroke once per epoch, the seed
    recipe)."""
    overrides = {name: o for name, _, o in A.cumulative_overrides()}
    base = A.project_parameters(REPO, folders=("base",))  # a developer's conf/local aside
    assert A.recipe_differences(overrides["lite_pen_x2"], base) == []
    assert A.recipe_differences(overrides["lite_pen_all"], base) == [
        "preprocessing.unipen.repeat: 2 instead of 1",
        "deployment.quantization: 'uint8' instead of None"]
    assert A.recipe_differences(overrides["seed"], base)


def test_each_row_adds_its_change_to_the_row_it_builds_on():
    """Rows are cumulative: a row differs from its base only where its own overrides say."""
    overrides = {name: o for name, _, o in A.cumulative_overrides()}
    assert A.recipe_differences(overrides["lite"], overrides["lite_bn"]) == [
        "modelling.augmentation.enabled: False instead of True",
        "modelling.label_smoothing: 0.0 instead of 0.1",
        "modelling.lr_schedule: None instead of 'cosine'",
        "modelling.epochs: 30 instead of 20",
        "modelling.early_stopping.patience: 3 instead of 4"]
    # the notebook's row and the softened weights both branch off the seed, not off each other
    assert A.recipe_differences(overrides["soft_weights"], overrides["seed"]) == [
        "preprocessing.class_weights.power: 1.0 instead of 0.5",
        "preprocessing.class_weights.max_weight: None instead of 10.0"]


# ---- the table as a query over MLflow runs (a temporary store) -------------------------------

def test_logged_parameters_are_compared_as_values():
    params = {"modelling.epochs": "20", "modelling.lr_schedule": "None",
              "modelling.architecture": str(A.LITE_ARCH), "deployment.quantization": "uint8",
              "preprocessing.class_weights.power": "0.5"}
    assert A.logged_recipe_differences(
        {"modelling": {"epochs": 20, "lr_schedule": None, "architecture": A.LITE_ARCH},
         "deployment": {"quantization": "uint8"},
         "preprocessing": {"class_weights": {"power": 0.5}}}, params) == []
    assert A.logged_recipe_differences(
        {"modelling": {"epochs": 26, "architecture": A.SEED_ARCH}, "preprocessing": {"seed": 1}},
        params) == ["modelling.epochs: 20 instead of 26",
                    f"modelling.architecture: {A.LITE_ARCH} instead of {A.SEED_ARCH!r}",
                    "preprocessing.seed: missing"]


def _reports(accuracy: float) -> dict[str, dict]:
    """The artefacts a run logs that the ablation reads, as the catalog names them."""
    group = {"accuracy": accuracy, "case_folded_accuracy": accuracy, "n": 10}
    return {
        "reports/metrics.json": {"accuracy": accuracy, "case_folded_accuracy": accuracy + 0.04,
                                 "top3_accuracy": 0.98, "parameters": 59_406,
                                 "by_group": {"digit": group}},
        "reports/deployment.json": {"quantization": "uint8", "weights_bytes": 59_100,
                                    "exported": {"accuracy": accuracy - 0.001}},
        "models/training_history.json": {"best_epoch": 2, "epochs_run": 3, "train_samples": 1000,
                                         "samples_per_second": 900.0,
                                         "metrics": {"val_accuracy": [0.5, accuracy, 0.6]}},
        "reports/pen_metrics.json": {"available": True, "image_model": {
            "clean": {"accuracy": 0.7, "case_folded_accuracy": 0.8},
            "all": {"accuracy": 0.65, "n_test": 100, "by_group": {"digit": {"accuracy": 0.9}}}}},
    }


def _log_run(client, experiment_id: str, run_name: str, params: dict, accuracy: float,
             tag: str | None = None, tmp: Path = Path()) -> str:
    run = client.create_run(experiment_id, run_name=run_name,
                            tags={A.VARIANT_TAG: tag} if tag else None)
    run_id = run.info.run_id
    client.log_batch(run_id, params=[__import__("mlflow").entities.Param(k, str(v))
                                     for k, v in A._flat(params).items()])
    client.log_param(run_id, "canvas_spec.radius", "0.4")
    client.log_param(run_id, "canvas_spec.softness", "1.0")
    for path, content in _reports(accuracy).items():
        folder = tmp / run_id / Path(path).parent
        folder.mkdir(parents=True, exist_ok=True)
        (folder / Path(path).name).write_text(json.dumps(content))
        client.log_artifact(run_id, str(folder / Path(path).name), str(Path(path).parent))
    client.set_terminated(run_id)
    return run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    mlflow = pytest.importorskip("mlflow")
    root = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    overrides = {name: o for name, _, o in A.cumulative_overrides()}
    ablation = client.create_experiment(A.EXPERIMENT, artifact_location=(root / "art").as_uri())
    project = client.create_experiment("handwriting", artifact_location=(root / "art").as_uri())
    ids = {"seed": _log_run(client, ablation, "seed", overrides["seed"], 0.80, "seed", root),
           "soft": _log_run(client, ablation, "soft_weights", overrides["soft_weights"], 0.84,
                            "soft_weights", root)}
    # a newer soft_weights run whose parameters are not (or no longer) the variant's recipe
    ids["soft_old"] = _log_run(client, ablation, "soft_weights", overrides["seed"], 0.70,
                               "soft_weights", root)
    # the project's own full run, untagged, of the shipped recipe
    ids["project"] = _log_run(client, project, "__default__", overrides["lite_pen_x2"],
                              0.85, None, root)
    return {"uri": uri, "client": client, "ids": ids, "root": root}


def test_the_table_is_rebuilt_from_the_runs_in_the_store(store, tmp_path, capsys):
    rows = A.rows_from_store(store["uri"])
    assert list(rows) == ["seed", "soft_weights"]
    # each variant's run whose logged parameters are its recipe, a newer run of another aside
    assert rows["soft_weights"]["run_id"] == store["ids"]["soft"]
    assert "passed over" in capsys.readouterr().err
    assert rows["seed"]["val_accuracy"] == 0.80 and rows["soft_weights"]["test_accuracy"] == 0.84
    assert rows["seed"]["pen_canvas_spec"] == "0.4/1.0" and rows["seed"]["wall_seconds"] >= 0
    A.write_tables(rows, {"data": "test files", "cpu_cores": 2}, tmp_path)
    table = (tmp_path / "ablation.md").read_text()
    assert "| seed | seed recipe" in table and "| soft_weights | (seed) + class weights" in table
    assert "| 84.00% | +4.00 |" in table
    assert json.loads((tmp_path / "ablation.json").read_text())["rows"][1]["run_id"] == \
        store["ids"]["soft"]


def test_from_project_tags_the_projects_run_only_when_it_ran_the_recipe(store):
    client = store["client"]
    overrides = {name: o for name, _, o in A.cumulative_overrides()}
    with pytest.raises(SystemExit, match="did not run variant seed's recipe: .*modelling.epochs"):
        A.tag_project_run("seed", overrides["seed"], store["uri"])
    assert A.tag_project_run("lite_pen_x2", overrides["lite_pen_x2"],
                             store["uri"]) == store["ids"]["project"]
    assert client.get_run(store["ids"]["project"]).data.tags[A.VARIANT_TAG] == "lite_pen_x2"
    assert "lite_pen_x2" in A.rows_from_store(store["uri"])


def test_a_variants_scratch_run_goes_into_the_given_store():
    settings = A.mlflow_settings("seed", "sqlite:////data/runs/mlflow.db")
    assert settings["server"]["mlflow_tracking_uri"] == "sqlite:////data/runs/mlflow.db"
    assert settings["tracking"]["run"]["name"] == "seed"
    assert settings["tracking"]["experiment"]["name"] == A.EXPERIMENT
    assert settings["tracking"]["experiment"]["create_experiment_kwargs"]["artifact_location"] \
        == "file:///data/runs/mlruns/ablation"
    assert settings["tracking"]["params"]["dict_params"]["flatten"] is True  # as conf/base


def test_a_store_without_ablation_runs_leaves_the_tables_alone(monkeypatch):
    monkeypatch.setattr(A, "rows_from_store", lambda uri: {})
    monkeypatch.setattr(A, "write_tables", lambda *a, **k: pytest.fail("tables written"))
    monkeypatch.setattr("sys.argv", ["ablation", "--table"])
    with pytest.raises(SystemExit, match="no finished ablation runs"):
        A.main()


def test_an_unknown_row_is_refused_before_anything_runs(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("a variant ran")

    monkeypatch.setattr(A, "run_variant", must_not_run)
    monkeypatch.setattr(A, "tag_project_run", must_not_run)
    for argv in (["--only", "seed", "final"], ["--from-project", "final"]):
        monkeypatch.setattr("sys.argv", ["ablation", *argv])
        with pytest.raises(SystemExit, match="unknown variant.*final: the rows are seed, "):
            A.main()
