"""Ablation: what each change to the seed recipe buys, each variant a full `kedro run`.

Every variant runs the real pipelines (ingestion -> deployment) in a scratch copy of the
project, with its parameter overrides written to that copy's conf/local, on the same EMNIST
files. Variants are cumulative: each row adds one change to the row above (or to the row it
names as its base, shown in brackets in the table). Model choices are read off the validation
split; the test file is reported beside it and never used to choose.

Each variant's run is an MLflow run (kedro-mlflow) in the project's store, experiment
``ablation``, tagged ``ablation_variant``; the table is a query over those runs: each variant's
newest finished run whose logged parameters are still its recipe, its figures read from the
run's report artefacts. Nothing else is kept.

    .venv/bin/python -m benchmarks.ablation                       # all variants
    .venv/bin/python -m benchmarks.ablation --only seed lite
    .venv/bin/python -m benchmarks.ablation --from-project lite_pen_x2
    .venv/bin/python -m benchmarks.ablation --table               # only rebuild the tables

Writes benchmarks/results/ablation.md and ablation.json from the runs in the store.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks._project import EMNIST, REPO, RESULTS, UNIPEN, deep_merge

SEED_ARCH = [
    {"type": "conv", "filters": 16}, {"type": "max_pool"},
    {"type": "conv", "filters": 32}, {"type": "max_pool"},
    {"type": "conv", "filters": 64}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dense", "units": 128},
]
LITE_ARCH = [
    {"type": "conv", "filters": 16, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 32, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 64, "batch_norm": True}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dropout", "rate": 0.25},
]
# (name, what it adds, overrides[, base]). Each variant's overrides are applied on top of the
# variant named `base`, by default the one listed before it.
VARIANTS = [
    ("seed", "seed recipe: seed CNN, balanced class weights, Adam 1e-3, early stopping, float32",
     {"preprocessing": {"class_weights": {"power": 1.0, "max_weight": None},
                        "unipen": {"train": False}},
      "modelling": {"architecture": SEED_ARCH, "augmentation": {"enabled": False},
                    "label_smoothing": 0.0, "lr_schedule": None, "epochs": 30,
                    "early_stopping": {"patience": 3}},
      "deployment": {"quantization": None}}),
    ("seed_notebook", "seed recipe without class weights, as the seed's notebook fits it (it "
     "computes balanced weights but leaves them out of `fit`); Adam, batch 1000, 12 epochs, the "
     "last epoch's weights",
     {"modelling": {"use_class_weights": False, "batch_size": 1000, "epochs": 12,
                    "early_stopping": {"patience": 12, "restore_best_weights": False}}}, "seed"),
    ("soft_weights", "+ class weights softened (power 0.5, capped at 10x)",
     {"preprocessing": {"class_weights": {"power": 0.5, "max_weight": 10.0}}}, "seed"),
    ("lite_bn", "+ the shipped CNN: 16/32/64 conv with batch norm (folded into the convs at "
     "export), dropout instead of the hidden dense layer (2.0M multiply-adds per character "
     "instead of 5.2M)",
     {"modelling": {"architecture": LITE_ARCH}}),
    ("lite", "+ augmentation (affine jitter, stroke thickness), label smoothing 0.1, cosine "
     "learning rate over 20 epochs (patience 4)",
     {"modelling": {"augmentation": {"enabled": True}, "label_smoothing": 0.1,
                    "lr_schedule": "cosine", "epochs": 20, "early_stopping": {"patience": 4}}}),
    ("lite_pen_all", "+ all 48,953 clean UNIPEN characters of the training writers, rendered "
     "through the canvas spec",
     {"preprocessing": {"unipen": {"train": True, "train_subset": None, "repeat": 1}}}),
    ("lite_pen_x2", "+ every clean pen stroke twice per epoch, each copy augmented anew; uint8 "
     "export: the shipped recipe (a plain `kedro run` of the project runs it, --from-project)",
     {"preprocessing": {"unipen": {"repeat": 2}}, "deployment": {"quantization": "uint8"}}),
]

# The rows measure the image model. The stroke model (trained by the same `kedro run`) is not
# part of any column, so each variant trains it for one epoch only, to save its 13 minutes.
IMAGE_ONLY = {"stroke_modelling": {"epochs": 1}}


def cumulative_overrides() -> list[tuple[str, str, dict]]:
    rows, acc, by_name = [], {}, {}
    for name, what, extra, *base in VARIANTS:
        acc = deep_merge(by_name[base[0]] if base else acc, extra)
        by_name[name] = acc
        rows.append((name, what, acc))
    return rows


def run_variant(name: str, overrides: dict, emnist_dir: Path, unipen_file: Path,
                extra_params: str | None, tracking_uri: str) -> str:
    """One full `kedro run` of the variant in a scratch copy of the project, recorded in the
    store at ``tracking_uri`` (experiment ``ablation``, run named after the variant, tag
    ``ablation_variant``); returns the run's id."""
    import mlflow

    with tempfile.TemporaryDirectory(prefix=f"ablation-{name}-") as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "pyproject.toml", root)
        shutil.copytree(REPO / "conf" / "base", root / "conf" / "base")
        (root / "conf" / "local").mkdir()
        (root / "conf" / "local" / "parameters_ablation.yml").write_text(yaml.safe_dump(
            deep_merge(overrides, IMAGE_ONLY)))
        (root / "conf" / "local" / "mlflow.yml").write_text(yaml.safe_dump(
            mlflow_settings(name, tracking_uri)))
        shutil.copytree(REPO / "src", root / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        env = {**os.environ, "HANDWRITING_EMNIST_DIR": str(emnist_dir.resolve()),
               "HANDWRITING_UNIPEN_FILE": str(unipen_file.resolve()),
               "KEDRO_DISABLE_TELEMETRY": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        # The rows are image models: without the words file the words model (most of a full
        # run's time) is not trained.
        env.pop("HANDWRITING_UNIPEN_WORDS_FILE", None)
        cmd = [str(Path(sys.executable).with_name("kedro")), "run"]
        if extra_params:
            cmd += ["--params", extra_params]
        started_ms = int(time.time() * 1000)
        log = root / "run.log"
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise SystemExit(f"variant {name} failed:\n{log.read_text()[-5000:]}")
    client = mlflow.MlflowClient(tracking_uri)
    (run,) = client.search_runs(
        [client.get_experiment_by_name(EXPERIMENT).experiment_id],
        f"attributes.run_name = '{name}' and attributes.start_time >= {started_ms}",
        order_by=["attributes.start_time DESC"], max_results=1)
    client.set_tag(run.info.run_id, VARIANT_TAG, name)
    return run.info.run_id


EXPERIMENT = "ablation"
VARIANT_TAG = "ablation_variant"


def project_store() -> str:
    """The project's own MLflow store (conf/base/mlflow.yml's, from the repository root)."""
    return f"sqlite:///{REPO / 'mlflow.db'}"


def mlflow_settings(name: str, tracking_uri: str) -> dict:
    """conf/local/mlflow.yml of a variant's scratch project: the run goes into the given store,
    experiment ``ablation``, named after the variant. With a SQLite store its artefacts go
    beside it (mlruns/ablation), not into the scratch folder, which is deleted afterwards; a
    tracking server keeps them where it is configured to."""
    base = yaml.safe_load((REPO / "conf" / "base" / "mlflow.yml").read_text())
    base["server"]["mlflow_tracking_uri"] = tracking_uri
    artefacts = None
    if tracking_uri.startswith("sqlite:///"):
        artefacts = (Path(tracking_uri.removeprefix("sqlite:///")).parent / "mlruns" / EXPERIMENT)
        artefacts = artefacts.resolve().as_uri()
    base["tracking"]["experiment"] = {
        "name": EXPERIMENT, "restore_if_deleted": True,
        "create_experiment_kwargs": {"artifact_location": artefacts}}
    base["tracking"]["run"]["name"] = name
    return base


def _logged_value(text: str):
    """A parameter as MLflow keeps it (``str(value)``) back as a value, where it reads as one."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _flat(overrides: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in overrides.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def logged_recipe_differences(overrides: dict, params: dict[str, str]) -> list[str]:
    """Where a run's logged parameters (kedro-mlflow's flattened ``section.key``) differ from a
    variant's overrides (``[]``: the run ran the variant's recipe)."""
    out = []
    for key, value in _flat(overrides).items():
        if key not in params:
            out.append(f"{key}: missing")
        elif _logged_value(params[key]) != value:
            out.append(f"{key}: {params[key]} instead of {value!r}")
    return out


def recipe_differences(overrides: dict, conf: dict, path: str = "") -> list[str]:
    """Where the parameters in ``conf`` differ from a variant's overrides (``[]``: the project
    runs the variant's recipe)."""
    out = []
    for key, value in overrides.items():
        where = f"{path}{key}"
        if key not in conf:
            out.append(f"{where}: missing")
        elif isinstance(value, dict) and isinstance(conf[key], dict):
            out += recipe_differences(value, conf[key], where + ".")
        elif conf[key] != value:
            out.append(f"{where}: {conf[key]!r} instead of {value!r}")
    return out


def project_parameters(root: Path = REPO, folders: tuple[str, ...] = ("base", "local")) -> dict:
    """The parameters a plain `kedro run` of the project at ``root`` uses (conf/base, then any
    conf/local parameter files on top; ``folders`` to read fewer)."""
    merged: dict = {}
    for folder in folders:
        for path in sorted((root / "conf" / folder).glob("parameters*.yml")):
            merged = deep_merge(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def row_from_run(client, run, name: str) -> dict:
    """A table row from one MLflow run: its report and history artefacts (reports/, models/),
    its canvas-spec parameters and its duration."""
    def artefact(path: str) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            return json.loads(Path(client.download_artifacts(run.info.run_id, path, tmp))
                              .read_text())

    metrics, deployment, history, pen = (artefact(p) for p in (
        "reports/metrics.json", "reports/deployment.json", "models/training_history.json",
        "reports/pen_metrics.json"))
    params = run.data.params
    best = history["best_epoch"] - 1
    wall = ((run.info.end_time - run.info.start_time) / 1000
            if run.info.end_time and run.info.start_time else None)
    return {
        "variant": name,
        "run_id": run.info.run_id,
        "val_accuracy": history["metrics"]["val_accuracy"][best],
        "test_accuracy": metrics["accuracy"],
        "test_case_folded_accuracy": metrics["case_folded_accuracy"],
        "test_top3_accuracy": metrics["top3_accuracy"],
        "by_group": metrics["by_group"],
        "parameters": metrics["parameters"],
        "epochs_run": history["epochs_run"],
        "best_epoch": history["best_epoch"],
        "train_samples": history["train_samples"],
        "samples_per_second": history["samples_per_second"],
        "quantization": deployment["quantization"],
        "shipped_weights_bytes": deployment["weights_bytes"],
        "shipped_accuracy": deployment["exported"]["accuracy"],
        "wall_seconds": wall,
        **pen_columns(pen, {"radius": params.get("canvas_spec.radius"),
                            "softness": params.get("canvas_spec.softness")}),
    }


def variant_runs(tracking_uri: str) -> dict[str, object]:
    """Each variant's newest finished run tagged ``ablation_variant`` in the store (in any
    experiment) whose logged parameters are still the variant's recipe; runs of an older recipe
    are passed over, with a note."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    overrides = {n: o for n, _, o in cumulative_overrides()}
    found = {}
    for name, recipe in overrides.items():
        for run in client.search_runs(experiments, f"tags.{VARIANT_TAG} = '{name}' and "
                                      "attributes.status = 'FINISHED'",
                                      order_by=["attributes.start_time DESC"]):
            differences = logged_recipe_differences(recipe, run.data.params)
            if not differences:
                found[name] = run
                break
            print(f"{name}: run {run.info.run_id} passed over ({'; '.join(differences)})",
                  file=sys.stderr)
    return found


def rows_from_store(tracking_uri: str) -> dict[str, dict]:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    return {name: row_from_run(client, run, name)
            for name, run in variant_runs(tracking_uri).items()}


def tag_project_run(name: str, overrides: dict, tracking_uri: str) -> str:
    """Counts the project's newest finished full `kedro run` (experiment ``handwriting``, the
    default pipeline, the base environment) as variant ``name``: no second run of the same
    deterministic recipe. Refuses when that run's parameters are not the variant's recipe."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("handwriting")
    runs = [run for run in (client.search_runs(
        [experiment.experiment_id], "attributes.run_name = '__default__' and "
        "attributes.status = 'FINISHED'", order_by=["attributes.start_time DESC"])
        if experiment else []) if run.data.tags.get("env") in (None, "local")]
    if not runs:
        raise SystemExit(f"no finished full `kedro run` in {tracking_uri}: run `kedro run` in "
                         "the project first")
    differences = logged_recipe_differences(overrides, runs[0].data.params)
    if differences:
        raise SystemExit(f"the project's latest run ({runs[0].info.run_id}) did not run variant "
                         f"{name}'s recipe: " + "; ".join(differences))
    client.set_tag(runs[0].info.run_id, VARIANT_TAG, name)
    return runs[0].info.run_id


def pen_columns(pen: dict, canvas_spec: dict) -> dict:
    """UNIPEN held-out-writer accuracy columns from a pen_metrics.json report: the image model's
    own figures (the variants here are image models; the stroke model is not part of them)."""
    if not pen.get("available"):
        return {}
    pen = pen.get("image_model", pen)  # reports from before the stroke model had only these
    return {"pen_canvas_spec": f"{canvas_spec['radius']}/{canvas_spec['softness']}",
            "pen_clean_accuracy": pen["clean"]["accuracy"],
            "pen_clean_case_folded_accuracy": pen["clean"]["case_folded_accuracy"],
            "pen_all_accuracy": pen["all"]["accuracy"],
            "pen_digit_accuracy": pen["all"]["by_group"]["digit"]["accuracy"],
            "pen_n": pen["all"]["n_test"]}


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def write_tables(rows: dict[str, dict], meta: dict, results: Path = RESULTS) -> None:
    order = [name for name, *_ in VARIANTS if name in rows]
    what = {name: (f"({base[0]}) " if base else "") + text for name, text, _, *base in VARIANTS}
    base = rows.get("seed")
    lines = [
        "# Ablation: from the seed recipe to the shipped model",
        "",
        f"Data: {meta['data']}. Each row is a full `kedro run` adding one change to the row "
        "above (`python -m benchmarks.ablation`), read back from its MLflow run (`--table` "
        "rebuilds this table from the runs alone). Choices were made on the validation split; "
        "the test file is only reported. Δ columns are percentage points against the seed row. "
        "Pen columns: real UNIPEN pen trajectories of held-out writers (never trained on), "
        "rendered through the canvas spec as the page renders a drawing; clean = without the "
        "contributors the UNIPEN README flags as noisy.",
        "",
        "| variant | change | params | val acc | test acc | Δ test | case-folded | top-3 | "
        "pen clean | pen clean case-folded | pen digits | canvas spec r/s | "
        "train samples/s | epochs (best) | shipped | shipped acc |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in order:
        r = rows[name]
        delta = f"{100 * (r['test_accuracy'] - base['test_accuracy']):+.2f}" if base else "n/a"
        lines.append(
            f"| {name} | {what[name]} | {r['parameters']:,} | {100 * r['val_accuracy']:.2f}% | "
            f"{100 * r['test_accuracy']:.2f}% | {delta} | "
            f"{100 * r['test_case_folded_accuracy']:.2f}% | {100 * r['test_top3_accuracy']:.2f}% | "
            f"{pct(r.get('pen_clean_accuracy'))} | {pct(r.get('pen_clean_case_folded_accuracy'))} | "
            f"{pct(r.get('pen_digit_accuracy'))} | {r.get('pen_canvas_spec', 'n/a')} | "
            f"{r['samples_per_second']:,.0f} | {r['epochs_run']} ({r['best_epoch']}) | "
            f"{r['shipped_weights_bytes'] / 1000:.1f} KB {r['quantization'] or 'float32'} | "
            f"{100 * r['shipped_accuracy']:.2f}% |")
    results.mkdir(parents=True, exist_ok=True)
    (results / "ablation.md").write_text("\n".join(lines) + "\n")
    (results / "ablation.json").write_text(json.dumps({**meta, "rows": [rows[n] for n in order]},
                                                      indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emnist-dir", type=Path, default=EMNIST)
    parser.add_argument("--only", nargs="*", help="variants to run (default: all)")
    parser.add_argument("--unipen-file", type=Path, default=UNIPEN)
    parser.add_argument("--params", help="extra kedro --params for every variant (e.g. subsets)")
    parser.add_argument("--from-project", metavar="VARIANT",
                        help="count the project's own latest `kedro run` as VARIANT instead of "
                             "running it again (its logged parameters must be the variant's)")
    parser.add_argument("--table", action="store_true",
                        help="run nothing: rebuild the tables from the runs in the store")
    parser.add_argument("--tracking-uri", default=project_store(),
                        help="the MLflow store (default: the project's mlflow.db)")
    args = parser.parse_args()
    meta = {"data": f"EMNIST byclass files in {args.emnist_dir.name}/ (train file split 90/10 "
                    "into train/validation; test file for the test columns)"
                    + (f", kedro params {args.params}" if args.params else ""),
            "cpu_cores": os.cpu_count()}
    overrides = {n: o for n, _, o in cumulative_overrides()}
    named = [*(args.only or ()), *([args.from_project] if args.from_project else [])]
    unknown = sorted(set(named) - set(overrides))
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}: the rows are "
                         f"{', '.join(overrides)}")
    if args.from_project:
        tag_project_run(args.from_project, overrides[args.from_project], args.tracking_uri)
    elif not args.table:
        for name, recipe in overrides.items():
            if args.only and name not in args.only:
                continue
            print(f"== {name}", flush=True)
            run_id = run_variant(name, recipe, args.emnist_dir, args.unipen_file, args.params,
                                 args.tracking_uri)
            print(f"{name}: MLflow run {run_id}", flush=True)
    rows = rows_from_store(args.tracking_uri)
    if not rows:  # an empty store must not blank the committed table
        raise SystemExit(f"no finished ablation runs of the current recipes in {args.tracking_uri}")
    write_tables(rows, meta)


if __name__ == "__main__":
    main()
