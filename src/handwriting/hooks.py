"""Project hooks: every run checks its parameters before the first node, ends with its
headline figures, and records in its MLflow run which raw files it read.

Only the figures the run itself wrote are printed (``kedro run --pipeline ingestion`` prints
none), read back through the catalog, so a quick run shows its own scratch reports.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

from handwriting.parameters import validate

logger = logging.getLogger(__name__)


def _percent(summary: dict, key: str) -> str:
    return f"{100 * summary[key]:.2f}%"


def _accuracies(summary: dict) -> str:
    return f"exact {_percent(summary, 'accuracy')}, case-folded {_percent(summary, 'case_folded_accuracy')}"


def _emnist_line(metrics: dict) -> str:
    return (f"EMNIST test, {metrics['n_test']:,} images: {_accuracies(metrics)}, "
            f"top-3 {_percent(metrics, 'top3_accuracy')}")


def _pen_line(pen: dict) -> str:
    if not pen.get("available"):
        return "pen characters: none (no UNIPEN file), so the image model alone"
    models = "both models fused" if pen.get("fusion_weight") else "image model alone"
    clean = pen["clean"]
    return (f"held-out writers' pen characters, {clean['n_test']:,} clean ({models}): "
            f"{_accuracies(clean)}")


def _words_line(words: dict) -> str:
    if not words.get("available"):
        return "words: none (no words model), so the page reads one character at a time"
    lm, plain = words["with_language_model"]["overall"], words["best_path"]["overall"]
    printed = words["with_language_model"]["by_style"].get("PRINTED", {}).get("words_right")
    shown = f", printed {100 * printed:.2f}%" if printed is not None else ""
    sample = " (a sample)" if words.get("sample") else ""
    return (f"held-out contributors' words and lines, {words['pieces']:,} pieces{sample}: words "
            f"right {_percent(lm, 'words_right')}{shown} (no language model "
            f"{_percent(plain, 'words_right')}), CER {_percent(lm, 'cer')} "
            f"({_percent(plain, 'cer')})")


def _web_model_line(files: dict[str, bytes], report: dict, where: Any) -> str:
    weights = sum(len(content) for name, content in files.items() if name.endswith(".bin"))
    return (f"page model: {weights / 1000:.1f} KB of weights, export verified against Keras on "
            f"{report['verified_on']:,} images, written to {where}")


class HeadlineFigures:
    """Prints the run's headline figures after a successful pipeline run."""

    def __init__(self) -> None:
        self._web_model_path: Any = None

    @hook_impl
    def after_context_created(self, context) -> None:
        # where the page model goes in this environment, as configured (web/model or scratch)
        entry = context.config_loader["catalog"].get("tfjs_model", {})
        self._web_model_path = entry.get("dataset", entry).get("path")  # inside an MLflow wrapper

    @hook_impl
    def after_pipeline_run(self, run_params: dict, pipeline, catalog) -> None:
        produced = pipeline.all_outputs()
        lines = []
        for needs, line in (
            (("test_metrics",), lambda: _emnist_line(catalog.load("test_metrics"))),
            (("pen_metrics",), lambda: _pen_line(catalog.load("pen_metrics"))),
            (("tfjs_model", "deployment_report"), lambda: _web_model_line(
                catalog.load("tfjs_model"), catalog.load("deployment_report"),
                self._web_model_path)),
            (("word_metrics",), lambda: _words_line(catalog.load("word_metrics"))),
        ):
            if not all(name in produced for name in needs):
                continue
            try:
                lines.append(line())
            except Exception as exc:  # a summary must never fail a run that succeeded
                logger.warning("headline figures: could not read %s: %s", ", ".join(needs), exc)
        if lines:
            env = run_params.get("env")
            print(f"\nHeadline figures{f' ({env} environment)' if env else ''}:", flush=True)
            for text in lines:
                print(f"  {text}", flush=True)


class ParameterCheck:
    """Fails a run whose parameters (configuration and --params together) do not fit
    handwriting.parameters.SCHEMA, before any node runs, whichever pipeline was asked for."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict, pipeline, catalog) -> None:
        validate(catalog.load("parameters"))


def raw_files(entry: dict) -> list[Path]:
    """The files a catalog entry (as configured) reads: its ``filepath``, or for an EMNIST entry
    (a ``directory``) the files of its variant there; only those that exist."""
    entry = entry.get("dataset", entry) if "filepath" not in entry else entry
    if "filepath" in entry:
        paths = [Path(entry["filepath"])]
    elif "directory" in entry:
        paths = sorted(Path(entry["directory"]).glob(f"emnist-{entry.get('variant', 'byclass')}-*"))
    else:
        paths = []
    return [path for path in paths if path.is_file()]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DataIdentity:
    """Records the raw files a run read in its MLflow run: parameter ``data.<file name>`` = the
    file's sha256 (what `sha256sum` prints), for the catalog entries marked
    ``metadata: {raw_input: true}`` that the run's pipeline takes as inputs. Does nothing when no
    MLflow run is active (kedro-mlflow not installed, or tracking switched off)."""

    def __init__(self) -> None:
        self._catalog_conf: dict = {}

    @hook_impl
    def after_context_created(self, context) -> None:
        self._catalog_conf = dict(context.config_loader["catalog"])

    @hook_impl(tryfirst=True)  # before kedro-mlflow's own after_pipeline_run ends the run
    def after_pipeline_run(self, run_params: dict, pipeline, catalog) -> None:
        mlflow = sys.modules.get("mlflow")  # imported by kedro-mlflow; never imported here
        if mlflow is None or mlflow.active_run() is None:
            return
        files = {}
        for name in sorted(pipeline.inputs()):
            entry = self._catalog_conf.get(name)
            if isinstance(entry, dict) and (entry.get("metadata") or {}).get("raw_input"):
                files.update((path.name, path) for path in raw_files(entry))
        mlflow.log_params({f"data.{name}": sha256_file(path) for name, path in files.items()})


parameter_check = ParameterCheck()
hooks = HeadlineFigures()
data_identity = DataIdentity()
