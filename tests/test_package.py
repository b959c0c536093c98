"""`kedro package`: the wheel and the configuration tarball the Dockerfile installs, and the
installed wheel running a pipeline from that configuration alone, outside any project folder (as
the container runs it). The wheel goes in with --no-deps beside the project's own environment:
its dependencies are this environment's, so nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EMNIST = Path(os.environ.get("HANDWRITING_SHARED_DIR", REPO.parent / "shared")) / "emnist"
VERSION = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(), re.M)[1]
WHEEL = f"handwriting-{VERSION}-py3-none-any.whl"

pytestmark = pytest.mark.slow

LIST_PIPELINES = """
import handwriting
from kedro.framework.project import configure_project, pipelines
configure_project("handwriting")
print(handwriting.__file__)
print(",".join(sorted(pipelines)))
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project)
    shutil.copytree(REPO / "conf", project / "conf",
                    ignore=lambda folder, names: [n for n in names if n.endswith(".yml")]
                    if Path(folder).name == "local" else [])
    shutil.copytree(REPO / "src", project / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    kedro = Path(sys.executable).with_name("kedro")
    subprocess.run([str(kedro), "package"], cwd=project, check=True, capture_output=True,
                   timeout=600)
    return project / "dist"


def test_kedro_package_builds_what_the_dockerfile_copies(dist):
    assert sorted(p.name for p in dist.iterdir()) == ["conf-handwriting.tar.gz", WHEEL]
    copied = re.findall(r"^(?:COPY|ADD) (dist/\S+)", (REPO / "Dockerfile").read_text(), re.M)
    assert sorted(copied) == ["dist/conf-handwriting.tar.gz", f"dist/{WHEEL}"]
    allowed = [line[1:] for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.startswith("!")]
    assert sorted(allowed) == sorted(copied)  # the build context holds exactly these
    with tarfile.open(dist / "conf-handwriting.tar.gz") as tar:
        names = set(tar.getnames())
    assert {"conf/base/catalog.yml", "conf/base/mlflow.yml", "conf/quick/parameters.yml",
            "conf/airflow/catalog.yml"} <= names
    assert not [n for n in names if n.startswith("conf/local/") and n.endswith(".yml")]


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> dict:
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
                    "--target", str(site), str(dist / WHEEL)], check=True, capture_output=True,
                   timeout=300)
    workdir = tmp_path_factory.mktemp("container")  # no pyproject.toml here or above
    with tarfile.open(dist / "conf-handwriting.tar.gz") as tar:
        tar.extractall(workdir, filter="data")
    env = {**os.environ, "PYTHONPATH": str(site), "KEDRO_DISABLE_TELEMETRY": "1"}
    return {"site": site, "workdir": workdir, "env": env}


def test_the_installed_wheel_imports_and_lists_its_pipelines(installed):
    result = subprocess.run([sys.executable, "-c", LIST_PIPELINES], cwd=installed["workdir"],
                            env=installed["env"], capture_output=True, text=True, timeout=300,
                            check=True)
    where, names = result.stdout.strip().splitlines()[-2:]
    assert Path(where).is_relative_to(installed["site"])  # the wheel's copy, not src/
    assert names == "__default__,deployment,ingestion,modelling,preprocessing,reporting"


@pytest.mark.skipif(not (EMNIST / "emnist-byclass-mapping.txt").exists()
                    and not os.environ.get("CI"), reason="../shared/emnist not present")
def test_the_installed_wheel_runs_a_pipeline_from_the_packaged_configuration(installed):
    workdir = installed["workdir"]
    result = subprocess.run(
        [sys.executable, "-m", "handwriting", "--conf-source", str(workdir / "conf"),
         "--env", "quick", "--pipeline", "ingestion"],
        cwd=workdir, env={**installed["env"], "HANDWRITING_EMNIST_DIR": str(EMNIST)},
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert (workdir / "data/quick/02_intermediate/labels.json").is_file()
    assert (workdir / "mlflow.db").is_file()  # a run recorded beside it, as in the container
