"""The figures an MLflow run records (catalog entry ``run_metrics``, kedro-mlflow's
MlflowMetricsHistoryDataset): the headline numbers of the reports, flat, so that runs can be
sorted and compared on them, and the image model's training curves as steps.

Only the summary figures are kept: the reports' per-class, per-writer and per-contributor
breakdowns (hundreds of numbers) stay in the report files, which the run keeps as artefacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The figures a report names with these keys are kept, at any depth...
FIGURES = {"accuracy", "case_folded_accuracy", "top3_accuracy", "n_test", "words_right", "cer",
           "pieces", "fusion_weight", "share", "parameters", "epochs_run", "train_samples"}
# ...except inside these breakdowns.
BREAKDOWNS = {"by_group", "class_balanced", "by_class", "by_contributor", "writers",
              "most_confused", "failures", "picks", "decoder", "seconds", "data"}


def _figures(report: Mapping[str, Any], prefix: str) -> dict[str, float]:
    out = {}
    for key, value in report.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            if key not in BREAKDOWNS:
                out.update(_figures(value, name))
        elif key in FIGURES and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def run_metrics(test_metrics: dict, pen_metrics: dict, word_metrics: dict,
                training_history: dict) -> dict[str, Any]:
    """``{name: {"value", "step"}}`` (one figure) or ``{name: [{"value", "step"}, ...]}`` (a curve
    over epochs): EMNIST test (``emnist.*``), held-out pens (``pen.*``, when the run had pen
    data), held-out words (``words.*``, when it trained a words model) and ``training.*``."""
    flat = _figures(test_metrics, "emnist")
    if pen_metrics.get("available"):
        flat.update(_figures(pen_metrics, "pen"))
    if word_metrics.get("available"):
        flat.update(_figures(word_metrics, "words"))
    out: dict[str, Any] = {name: {"value": value, "step": 0}
                           for name, value in sorted(flat.items())}
    for name, values in training_history.get("metrics", {}).items():
        out[f"training.{name}"] = [{"value": float(v), "step": epoch}
                                   for epoch, v in enumerate(values, start=1)]
    return out
