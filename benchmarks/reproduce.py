"""Does `kedro run` give the shipped model? A second run, compared file by file with the shipped one.

Runs the whole project (ingestion -> deployment) in a scratch copy of its code and configuration
(the same data: HANDWRITING_EMNIST_DIR / HANDWRITING_UNIPEN_FILE as for any run), then compares
what that run wrote with what the project holds: the page's model files (``web/model/``: both
networks' topology and weight files; ``metadata.json`` apart from its creation time), the Keras
models' weights (``data/06_models``), the size cue and the reports (``data/08_reporting``).
Training is meant to be bit-for-bit reproducible on one machine and TensorFlow build; this is
the check at full size (~25-30 min on 2 CPU cores).

    .venv/bin/python -m benchmarks.reproduce                      # a fresh run in a scratch copy
    .venv/bin/python -m benchmarks.reproduce --run-dir ../other   # a finished run elsewhere

Writes benchmarks/results/reproduce.json and reproduce.md; exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._project import EMNIST, REPO, RESULTS, UNIPEN, data_path
from handwriting.page.manifest import read_model_file, read_model_files

# metadata.json fields that say when, not what
VOLATILE_METADATA = ("created",)
# training_history.json fields that time the run or say on which devices it ran
VOLATILE_HISTORY = ("train_seconds", "samples_per_second", "strategy", "replicas")
# What a run writes besides the page's files, by catalog name
MODELS = ("model", "stroke_model")
HISTORIES = ("training_history", "stroke_training_history")
REPORTS = ("size_cue", "test_metrics", "pen_metrics", "per_class_metrics", "confusion_matrix",
           "deployment_report", "stroke_deployment_report")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _json_without(path: Path | bytes, keys: tuple[str, ...]) -> dict:
    data = json.loads(path.read_text() if isinstance(path, Path) else path)
    return {k: v for k, v in data.items() if k not in keys}


def compare_json(a: Path | bytes, b: Path | bytes, volatile: tuple[str, ...]) -> dict:
    """Equal apart from ``volatile`` keys? With the keys that differ."""
    x, y = _json_without(a, volatile), _json_without(b, volatile)
    differ = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
    return {"same": not differ, "differ": differ}


def compare_keras(a: Path, b: Path) -> dict:
    """Every weight array of two saved Keras models, compared exactly."""
    import keras
    import numpy as np

    wa, wb = keras.models.load_model(a).get_weights(), keras.models.load_model(b).get_weights()
    equal = len(wa) == len(wb) and all(x.shape == y.shape and np.array_equal(x, y)
                                       for x, y in zip(wa, wb))
    return {"same": bool(equal), "arrays": len(wa)}


def compare_runs(run: Path, shipped: Path = REPO) -> list[dict]:
    """One row per artefact: what was compared and whether the run reproduced it."""
    rows = []
    # the page's files by the names its manifest gives them, each checked against it
    web_run = read_model_files(run / "web" / "model")
    web_shipped = read_model_files(shipped / "web" / "model")
    for name in sorted(set(web_run) | set(web_shipped)):
        a, b = web_run.get(name), web_shipped.get(name)
        row = {"artefact": f"web/model/{name}"}
        if a is None or b is None:
            row.update(same=False, how="present in one run only")
        elif name == "metadata.json":
            row.update(compare_json(a, b, VOLATILE_METADATA),
                       how=f"JSON, apart from {', '.join(VOLATILE_METADATA)}")
        else:
            row.update(same=a == b, how="bytes", sha256=hashlib.sha256(b).hexdigest()[:16])
        rows.append(row)
    checks = [*((n, "every weight array", compare_keras) for n in MODELS),
              *((n, f"JSON, apart from {', '.join(VOLATILE_HISTORY)}",
                 lambda a, b: compare_json(a, b, VOLATILE_HISTORY)) for n in HISTORIES),
              *((n, "bytes", compare_bytes) for n in REPORTS)]
    for name, how, compare in checks:
        a, b = data_path(name, run), data_path(name, shipped)
        artefact = str(data_path(name, Path()))
        if not b.exists():  # the project holds no such file (e.g. a run without UNIPEN data)
            continue
        rows.append({"artefact": artefact, "how": how, **(
            compare(a, b) if a.exists() else {"same": False, "missing": "in the run"})})
    return rows


def compare_bytes(a: Path, b: Path) -> dict:
    return {"same": sha256(a) == sha256(b)}


def fresh_run(emnist_dir: Path, unipen_file: Path, root: Path) -> float:
    """`kedro run` in a scratch copy of the project's code and configuration; its wall time."""
    shutil.copy(REPO / "pyproject.toml", root)
    shutil.copytree(REPO / "conf", root / "conf", ignore=shutil.ignore_patterns("credentials*"))
    shutil.copytree(REPO / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {**os.environ, "HANDWRITING_EMNIST_DIR": str(emnist_dir.resolve()),
           "HANDWRITING_UNIPEN_FILE": str(unipen_file.resolve()),
           "KEDRO_DISABLE_TELEMETRY": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    with open(root / "run.log", "w") as log:
        proc = subprocess.run([str(Path(sys.executable).with_name("kedro")), "run"], cwd=root,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise SystemExit(f"kedro run failed:\n{(root / 'run.log').read_text()[-5000:]}")
    return time.perf_counter() - started


def markdown(result: dict) -> str:
    rows = result["rows"]
    same = sum(r["same"] for r in rows)
    lines = [
        "# Reproducing the shipped model with `kedro run`", "",
        f"Shipped model `{result['model_version']}`. A second `kedro run` "
        f"({result['run']}) compared with what the project holds, artefact by artefact: "
        f"**{same} of {len(rows)} the same**.", "",
        "| artefact | compared | same |", "|---|---|---|"]
    for r in rows:
        extra = (f" (differ: {', '.join(r['differ'])})" if r.get("differ")
                 else f" (missing {r['missing']})" if r.get("missing") else "")
        lines.append(f"| `{r['artefact']}` | {r['how']}{extra} | {'yes' if r['same'] else '**no**'} |")
    lines += ["", f"Machine: {result['cpu_cores']} CPU cores; TensorFlow {result['tensorflow']}. "
              "Bit-for-bit reproduction is expected on one machine and TensorFlow build; another CPU "
              "or build may round differently.", "",
              f"Re-run: `{result['command']}`"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run-dir", type=Path, help="a project folder where `kedro run` has finished "
                    "(default: run it now in a scratch copy)")
    ap.add_argument("--note", help="how the --run-dir run was made, for the table")
    ap.add_argument("--emnist-dir", type=Path, default=EMNIST)
    ap.add_argument("--unipen-file", type=Path, default=UNIPEN)
    args = ap.parse_args(argv)
    import tensorflow as tf

    meta = json.loads(read_model_file(REPO / "web" / "model", "metadata.json"))
    with tempfile.TemporaryDirectory(prefix="reproduce-") as tmp:
        if args.run_dir:
            run, wall = args.run_dir, None
            how = f"finished in `{args.run_dir}`" + (f": {args.note}" if args.note else "")
        else:
            run = Path(tmp)
            wall = fresh_run(args.emnist_dir, args.unipen_file, run)
            how = f"a fresh run in a scratch copy, {wall / 60:.0f} min"
        rows = compare_runs(run)
    result = {"model_version": meta.get("model_version"), "run": how, "wall_seconds": wall,
              "rows": rows, "cpu_cores": os.cpu_count(), "tensorflow": tf.__version__,
              "command": " ".join([".venv/bin/python -m benchmarks.reproduce",
                                   *(argv or sys.argv[1:])])}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reproduce.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "reproduce.md").write_text(markdown(result))
    print(markdown(result))
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
