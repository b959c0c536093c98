"""Shipped size and accuracy of the trained model exported as float32, float16 and uint8 TF.js.

Uses the project's catalog (the trained `model`, the `test_set`, `labels`) and the deployment
pipeline's own nodes, so the numbers are what `kedro run` would ship with each quantisation.
Every export is loaded back and evaluated on the whole test split.

    HANDWRITING_EMNIST_DIR=../shared/emnist python -m benchmarks.exports

Writes benchmarks/results/exports.json and exports.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks._project import REPO, RESULTS, data_path


def main() -> None:
    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from handwriting.pipelines.deployment.nodes import export_tfjs, verify_export

    bootstrap_project(REPO)
    with KedroSession.create(project_path=REPO) as session:
        context = session.load_context()
        catalog, params = context.catalog, context.params
        model, test_set, labels = catalog.load("model"), catalog.load("test_set"), catalog.load("labels")

    rows = []
    for quantization in (None, "float16", "uint8"):
        dep = {**params["deployment"], "quantization": quantization, "verify_samples": None}
        files = export_tfjs(model, labels, params["modelling"], dep)
        report = verify_export(files, model, test_set, labels, params["reporting"], dep)
        rows.append({
            "quantization": quantization or "float32",
            "weights_bytes": report["weights_bytes"],
            "model_json_bytes": report["model_json_bytes"],
            "accuracy": report["exported"]["accuracy"],
            "case_folded_accuracy": report["exported"]["case_folded_accuracy"],
            "top3_accuracy": report["exported"]["top3_accuracy"],
            "keras_accuracy": report["keras"]["accuracy"],
            "max_abs_probability_difference": report["max_abs_probability_difference"],
            "top1_agreement_with_keras": report["top1_agreement"],
            "n_test": report["verified_on"],
        })
    float32 = rows[0]["accuracy"]
    lines = [
        "# TF.js exports of the trained model",
        "",
        f"Model: `{data_path('model', Path())}` ({model.count_params():,} parameters), "
        "evaluated on "
        f"the whole test split ({rows[0]['n_test']:,} images) after loading each export back. "
        "Batch norm folded into the convs at export (`deployment.fold_batch_norm`): "
        f"{'yes' if params['deployment'].get('fold_batch_norm') else 'no'}. "
        "Re-run: `python -m benchmarks.exports`.",
        "",
        "| export | weights | model.json | exact | Δ vs float32 (pp) | case-folded | top-3 | "
        "max abs Δp vs Keras | top-1 agreement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['quantization']} | {r['weights_bytes'] / 1000:.1f} KB | "
            f"{r['model_json_bytes'] / 1000:.1f} KB | {100 * r['accuracy']:.2f}% | "
            f"{100 * (r['accuracy'] - float32):+.2f} | {100 * r['case_folded_accuracy']:.2f}% | "
            f"{100 * r['top3_accuracy']:.2f}% | {r['max_abs_probability_difference']:.1e} | "
            f"{100 * r['top1_agreement_with_keras']:.2f}% |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "exports.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "exports.json").write_text(json.dumps({"parameters": int(model.count_params()),
                                                      "rows": rows}, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
