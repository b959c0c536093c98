"""benchmarks.ablation: recording a variant from the project's own run checks its recipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from benchmarks import ablation as A
from benchmarks._project import REPO, data_path


def test_recipe_differences_name_each_nested_mismatch():
    conf = {"modelling": {"epochs": 20, "augmentation": {"enabled": True}}, "other": 1}
    assert A.recipe_differences({"modelling": {"epochs": 20}}, conf) == []
    found = A.recipe_differences(
        {"modelling": {"epochs": 26, "augmentation": {"enabled": False}, "new": 3}}, conf)
    assert found == ["modelling.epochs: 20 instead of 26",
                     "modelling.augmentation.enabled: True instead of False",
                     "modelling.new: missing"]


def test_the_projects_parameters_are_the_shipped_variants_recipe():
    """The row recorded with --from-project is the shipped recipe: conf/base runs exactly the
    cumulative overrides of lite_pen_x2_seeded (lite_pen_x2's, exported as uint8), and not those of
    the rows before it (each pen stroke once per epoch, the seed recipe)."""
    overrides = {name: o for name, _, o in A.cumulative_overrides()}
    base = A.project_parameters(REPO, folders=("base",))  # a developer's conf/local aside
    assert A.recipe_differences(overrides["lite_pen_x2_seeded"], base) == []
    # the same training recipe as lite_pen_x2, exported as the page ships it
    assert A.recipe_differences(overrides["lite_pen_x2"], overrides["lite_pen_x2_seeded"]) == [
        "deployment.quantization: 'uint8' instead of 'float16'"]
    assert "preprocessing.unipen.repeat: 2 instead of 1" in A.recipe_differences(
        overrides["lite_pen_all"], base)
    assert A.recipe_differences(overrides["seed"], base)


def _project(root: Path, params: dict, local: dict | None = None) -> Path:
    (root / "conf" / "base").mkdir(parents=True)
    (root / "conf" / "local").mkdir()
    (root / "conf" / "base" / "parameters_modelling.yml").write_text(yaml.safe_dump(params))
    if local:
        (root / "conf" / "local" / "parameters.yml").write_text(yaml.safe_dump(local))
    return root


def test_from_project_refuses_another_recipe_or_a_stale_run(tmp_path):
    root = _project(tmp_path, {"modelling": {"epochs": 20}}, local={"modelling": {"epochs": 26}})
    # conf/local overrides what conf/base says, as kedro does
    with pytest.raises(SystemExit, match="modelling.epochs: 26 instead of 20"):
        A.row_from_project("x", {"modelling": {"epochs": 20}}, root)
    with pytest.raises(SystemExit, match="run `kedro run`"):
        A.row_from_project("x", {"modelling": {"epochs": 26}}, root)
    model, metrics = data_path("model", root), data_path("test_metrics", root)
    for path in (model, metrics):
        path.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text("{}")
    model.write_text("newer")
    os.utime(metrics, (1_000_000, 1_000_000))  # reports from an older run
    with pytest.raises(SystemExit, match="predate the model"):
        A.row_from_project("x", {"modelling": {"epochs": 26}}, root)
