"""Ablation: what each change to the seed recipe buys, each variant a full `kedro run`.

Every variant runs the real pipelines (ingestion -> deployment) in a scratch copy of the
project, with its parameter overrides written to that copy's conf/local, on the same EMNIST
files. Variants are cumulative: each row adds one change to the row above (or to the row it
names as its base, shown in brackets in the table). Model choices are read off the validation
split; the test file is reported beside it and never used to choose.

    .venv/bin/python -m benchmarks.ablation                       # all variants
    .venv/bin/python -m benchmarks.ablation --only seed final
    .venv/bin/python -m benchmarks.ablation --from-project lite_pen_x2_seeded

Writes benchmarks/results/ablation.json and ablation.md (rows are merged into existing files,
so variants can be run one at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks._project import EMNIST, REPO, RESULTS, UNIPEN, data_path, deep_merge

SEED_ARCH = [
    {"type": "conv", "filters": 16}, {"type": "max_pool"},
    {"type": "conv", "filters": 32}, {"type": "max_pool"},
    {"type": "conv", "filters": 64}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dense", "units": 128},
]
COMPACT_ARCH = [
    {"type": "conv", "filters": 32, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 64, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 48, "batch_norm": True}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dropout", "rate": 0.25},
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
    ("compact_bn", "+ compact CNN: 32/64/48 conv with batch norm, dropout, no hidden dense",
     {"modelling": {"architecture": COMPACT_ARCH}}),
    ("augment", "+ augmentation (affine jitter, stroke thickness)",
     {"modelling": {"augmentation": {"enabled": True}}}),
    ("final", "+ label smoothing 0.1, cosine learning rate, float16 export",
     {"modelling": {"label_smoothing": 0.1, "lr_schedule": "cosine", "epochs": 20,
                    "early_stopping": {"patience": 4}},
      "deployment": {"quantization": "float16"}}),
    ("lite", "final recipe with a narrower CNN: 16/32/64 conv with batch norm (2.0M instead of "
     "5.2M multiply-adds per character), batch norm folded into the convs at export",
     {"modelling": {"architecture": LITE_ARCH}}, "final"),
    ("lite_pen", "+ 25,000 UNIPEN characters of the training writers (clean contributors), "
     "rendered through the canvas spec 0.4/1.0; 20 epochs",
     {"preprocessing": {"unipen": {"train": True, "train_subset": 25000, "repeat": 1}}}),
    ("lite_pen_all", "+ all 48,953 clean UNIPEN characters of the training writers instead of "
     "25,000", {"preprocessing": {"unipen": {"train_subset": None}}}),
    ("lite_pen_x2", "every clean pen stroke twice per epoch, each copy augmented "
     "anew: does more weight on real pens help them?",
     {"preprocessing": {"unipen": {"repeat": 2}}}, "lite_pen_all"),
    ("lite_pen_x2_seeded", "lite_pen_x2's recipe with reproducible augmentation (each batch's "
     "draws from its own seed): the same parameters, other random draws, exported as uint8 as "
     "the page ships it; the shipped model, recorded from the project's own `kedro run` "
     "(--from-project)",
     {"deployment": {"quantization": "uint8"}}, "lite_pen_x2"),
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
                extra_params: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"ablation-{name}-") as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "pyproject.toml", root)
        shutil.copytree(REPO / "conf" / "base", root / "conf" / "base")
        (root / "conf" / "local").mkdir()
        (root / "conf" / "local" / "parameters_ablation.yml").write_text(yaml.safe_dump(
            deep_merge(overrides, IMAGE_ONLY)))
        shutil.copytree(REPO / "src", root / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        env = {**os.environ, "HANDWRITING_EMNIST_DIR": str(emnist_dir.resolve()),
               "HANDWRITING_UNIPEN_FILE": str(unipen_file.resolve()),
               "KEDRO_DISABLE_TELEMETRY": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        cmd = [str(Path(sys.executable).with_name("kedro")), "run"]
        if extra_params:
            cmd += ["--params", extra_params]
        started = time.perf_counter()
        log = root / "run.log"
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise SystemExit(f"variant {name} failed:\n{log.read_text()[-5000:]}")
        return row_from_run(root, name, time.perf_counter() - started)


def row_from_run(root: Path, name: str, wall_seconds: float | None) -> dict:
    """A table row from the reports and models a `kedro run` left in the project at ``root``;
    its models are kept under results/models/NAME for the export benchmark."""
    metrics, deployment, history, pen = (
        json.loads(data_path(n, root).read_text())
        for n in ("test_metrics", "deployment_report", "training_history", "pen_metrics"))
    keep = RESULTS / "models" / name
    if keep.exists():
        shutil.rmtree(keep)
    shutil.copytree(data_path("model", root).parent, keep)  # for the export benchmark
    best = history["best_epoch"] - 1
    return {
        "variant": name,
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
        "wall_seconds": wall_seconds,
        **pen_columns(pen, yaml.safe_load(
            (root / "conf" / "base" / "parameters_preprocessing.yml").read_text())["canvas_spec"]),
    }


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


def row_from_project(name: str, overrides: dict, root: Path = REPO) -> dict:
    """The row of a variant whose recipe is the project's own, from the project's latest
    `kedro run` (no second run of the same deterministic recipe). Refuses when the project's
    parameters are not the variant's, or when the run's reports are older than its models."""
    differences = recipe_differences(overrides, project_parameters(root))
    if differences:
        raise SystemExit(f"the project does not run variant {name}'s recipe: "
                         + "; ".join(differences))
    models, metrics = data_path("model", root), data_path("test_metrics", root)
    if not models.exists() or not metrics.exists() or (
            metrics.stat().st_mtime < models.stat().st_mtime):
        raise SystemExit("run `kedro run` in the project first (its model and reports are "
                         "missing or the reports predate the model)")
    return row_from_run(root, name, None)


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


def write_tables(rows: dict[str, dict], meta: dict) -> None:
    order = [name for name, *_ in VARIANTS if name in rows]
    what = {name: (f"({base[0]}) " if base else "") + text for name, text, _, *base in VARIANTS}
    base = rows.get("seed")
    lines = [
        "# Ablation: from the seed recipe to the shipped model",
        "",
        f"Data: {meta['data']}. Each row is a full `kedro run` adding one change to the row "
        "above (`python -m benchmarks.ablation`). Choices were made on the validation split; "
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
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ablation.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "ablation.json").write_text(json.dumps({**meta, "rows": [rows[n] for n in order]},
                                                     indent=2))


def load_rows() -> dict[str, dict]:
    if not (RESULTS / "ablation.json").exists():
        return {}
    return {r["variant"]: r for r in json.loads((RESULTS / "ablation.json").read_text())["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emnist-dir", type=Path, default=EMNIST)
    parser.add_argument("--only", nargs="*", help="variants to run (default: all)")
    parser.add_argument("--unipen-file", type=Path, default=UNIPEN)
    parser.add_argument("--params", help="extra kedro --params for every variant (e.g. subsets)")
    parser.add_argument("--from-project", metavar="VARIANT",
                        help="record VARIANT from the project's own latest `kedro run` instead of "
                             "running it again (its parameters must be the variant's)")
    args = parser.parse_args()
    existing = load_rows()
    meta = {"data": f"EMNIST byclass files in {args.emnist_dir.name}/ (train file split 90/10 "
                    "into train/validation; test file for the test columns)"
                    + (f", kedro params {args.params}" if args.params else ""),
            "cpu_cores": os.cpu_count()}
    if args.from_project:
        overrides = {n: o for n, _, o in cumulative_overrides()}
        if args.from_project not in overrides:
            raise SystemExit(f"unknown variant {args.from_project}")
        row = row_from_project(args.from_project, overrides[args.from_project])
        write_tables({**existing, args.from_project: row}, meta)
        return
    for name, _, overrides in cumulative_overrides():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        row = run_variant(name, overrides, args.emnist_dir, args.unipen_file, args.params)
        print(json.dumps(row, indent=1), flush=True)
        existing = {**load_rows(), name: row}  # re-read: other variants may have finished meanwhile
        write_tables(existing, meta)


if __name__ == "__main__":
    main()
