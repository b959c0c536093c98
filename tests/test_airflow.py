"""The Airflow path: `kedro airflow create --env airflow` writes a DAG that Airflow itself loads
(a DagBag in .venv-airflow, which scripts/setup.sh installs: Airflow's packages would pin many of
the project's), one task per node with the pipeline's dependencies, and the airflow environment
leaves nothing between two nodes in memory, since each task is its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from slugify import slugify

REPO = Path(__file__).resolve().parents[1]
AIRFLOW_PYTHON = REPO / ".venv-airflow" / "bin" / "python"

DAGBAG = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({
    "import_errors": {path: str(error) for path, error in bag.import_errors.items()},
    "dags": {dag_id: {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}
             for dag_id, dag in bag.dags.items()},
}))
"""


def _pipeline():
    from kedro.framework.project import configure_project

    configure_project("handwriting")
    from handwriting.pipeline_registry import register_pipelines

    return register_pipelines()["__default__"]


def _catalog(env: str) -> dict:
    from handwriting.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

    return dict(CONFIG_LOADER_CLASS(conf_source=str(REPO / "conf"), env=env,
                                    **CONFIG_LOADER_ARGS)["catalog"])


def handed_between_nodes(pipeline) -> set[str]:
    """Datasets one node writes and another reads."""
    produced = {name for node in pipeline.nodes for name in node.outputs}
    return {name for node in pipeline.nodes for name in node.inputs if name in produced}


def test_the_airflow_environment_keeps_nothing_in_memory_between_nodes():
    catalog = _catalog("airflow")
    handed = handed_between_nodes(_pipeline())
    in_memory = sorted(name for name in handed if name not in catalog
                       or catalog[name].get("type") in ("MemoryDataset", "kedro.io.MemoryDataset"))
    assert in_memory == []
    # in a plain `kedro run` some are in memory: the airflow environment makes the difference
    assert handed - set(_catalog("local"))


@pytest.fixture(scope="module")
def dag(tmp_path_factory) -> dict:
    if not AIRFLOW_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(".venv-airflow is missing: scripts/setup.sh installs it")
        pytest.skip(".venv-airflow not installed (bash scripts/setup.sh)")
    # A copy of the project's configuration (without this machine's conf/local) and pyproject:
    # the command runs the project as a newcomer would, the package from its install.
    project = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "pyproject.toml", project)
    shutil.copytree(REPO / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "src").mkdir()
    dags = project / "dags"
    kedro = Path(sys.executable).with_name("kedro")
    subprocess.run([str(kedro), "airflow", "create", "--env", "airflow", "-t", str(dags)],
                   cwd=project, check=True, capture_output=True, text=True, timeout=300)
    (dag_file,) = dags.glob("*.py")
    home = tmp_path_factory.mktemp("airflow_home")
    result = subprocess.run([str(AIRFLOW_PYTHON), "-c", DAGBAG, str(dags)], cwd=project,
                            env={**os.environ, "AIRFLOW_HOME": str(home)},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"file": dag_file, **json.loads(result.stdout.strip().splitlines()[-1])}


@pytest.mark.slow
def test_airflow_loads_the_generated_dag_one_task_per_node_with_the_pipelines_dependencies(dag):
    assert dag["import_errors"] == {}
    assert list(dag["dags"]) == ["handwriting"]
    tasks = dag["dags"]["handwriting"]
    pipeline = _pipeline()
    assert set(tasks) == {slugify(node.name) for node in pipeline.nodes}
    expected = {slugify(node.name): sorted(slugify(parent.name) for parent in parents)
                for node, parents in pipeline.node_dependencies.items()}
    assert tasks == expected
    # e.g. the image model trains on the prepared sets, the export waits for the model
    assert "combine-training-sets" in tasks["train-model"]
    assert "train-model" in tasks["export-tfjs"]


@pytest.mark.slow
def test_each_task_runs_its_node_in_the_airflow_environment(dag):
    text = dag["file"].read_text()
    assert 'env = "airflow"' in text and 'package_name = "handwriting"' in text
    assert 'node_names=["train-model"]' not in text  # tasks name nodes as Kedro does
    assert 'node_names=["train_model"]' in text
