"""What the model benchmarks read from the project itself: its parameters, its class labels and
where the UNIPEN strokes are (the browser benchmarks' equivalents are in _browser)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
UNIPEN = Path(os.environ.get("HANDWRITING_UNIPEN_FILE",
                             REPO.parent / "shared" / "strokes" / "unipen_chars.jsonl.gz"))


def _emnist_dir() -> Path:
    """Where the benchmarks read the EMNIST byclass files: ``HANDWRITING_EMNIST_DIR``, as the
    catalog reads it; without it the catalog's own folder (data/01_raw/emnist) once a run has
    downloaded the files there, else the development copy beside the repository
    (../shared/emnist). Benchmarks never download."""
    if os.environ.get("HANDWRITING_EMNIST_DIR"):
        return Path(os.environ["HANDWRITING_EMNIST_DIR"])
    catalog = REPO / "data" / "01_raw" / "emnist"
    if (catalog / "emnist-byclass-mapping.txt").is_file():
        return catalog
    return REPO.parent / "shared" / "emnist"


EMNIST = _emnist_dir()


def params() -> dict:
    """conf/base's preprocessing, modelling and reporting parameters, merged (no conf/local)."""
    conf = {}
    for name in ("preprocessing", "modelling", "reporting"):
        conf.update(yaml.safe_load((REPO / "conf" / "base" / f"parameters_{name}.yml").read_text()))
    return conf


def labels() -> list[str]:
    """The class labels the ingestion pipeline wrote."""
    return json.loads((REPO / "data" / "02_intermediate" / "labels.json").read_text())


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` on top: a dict in both is merged key by key (at any depth),
    anything else in ``extra`` replaces ``base``'s value. Neither argument is changed."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def writer_resamples(writers: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``(reps, writers)`` counts: how often each writer is drawn in each of ``reps`` bootstrap
    resamples of ``writers`` writers with replacement (the benchmarks' unit of independence)."""
    return np.stack([np.bincount(rng.integers(0, writers, writers), minlength=writers)
                     for _ in range(reps)])


def resampled_interval(draws: np.ndarray, num: np.ndarray, den: np.ndarray,
                       level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` share of sum(num) / sum(den) over the resamples ``draws``
    (``writer_resamples``: one row of per-writer counts each); ``num``, ``den`` per writer.
    Resamples whose writers have nothing in ``den`` are skipped."""
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (draws @ num) / (draws @ den)
    boot = boot[np.isfinite(boot)]
    tail = (1 - level) / 2 * 100
    return float(np.percentile(boot, tail)), float(np.percentile(boot, 100 - tail))


def by_position(right: np.ndarray, order, parts, mask: np.ndarray | None = None) -> list:
    """Accuracy of ``right`` (per sample) by how many characters the writer had written before
    (each writer's samples in ``order``): one figure per (start, end) of ``parts`` (end None: to
    the last), over ``mask`` only if given; None where no sample falls."""
    position = np.empty(len(right), dtype=int)
    for idx in order:
        position[np.asarray(idx, dtype=int)] = np.arange(len(idx))
    keep = np.ones(len(right), bool) if mask is None else np.asarray(mask, bool)
    spans = [keep & (position >= a) & (position < (b if b is not None else len(right)))
             for a, b in parts]
    return [float(np.asarray(right)[m].mean()) if m.any() else None for m in spans]


def write_results(stem: str, result: dict, markdown, folder: Path = RESULTS,
                  plot=None) -> str:
    """Write ``folder``/<stem>.json and <stem>.md (``markdown(result)``), and <stem>.png with
    ``plot(path)`` when given; return the markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (folder / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (folder / f"{stem}.md").write_text(text)
    if plot is not None:
        plot(folder / f"{stem}.png")
    return text


def rerun_command(script: str, argv: list[str]) -> str:
    """The command line that re-runs ``benchmarks/<script>`` with ``argv``, as tables quote it."""
    return " ".join([".venv/bin/python", f"benchmarks/{script}", *map(shlex.quote, argv)])


def twin_rerun_line(result: dict, needs: str = "") -> str:
    """The closing line of a Python-twin table (``write_results``): its re-run command and wall
    time, and ``needs`` (what it reads beyond the UNIPEN file) when given."""
    return (f"Re-run: `{result['command']}` ({result['wall_s']:.0f} s on 2 CPU cores; no browser"
            + (f"; needs {needs}" if needs else "") + ").")


def unipen_main(stem: str, doc: str, measure, markdown, argv: list[str] | None = None,
                plot=None) -> int:
    """The command line of a Python benchmark over the UNIPEN file: ``--unipen``, then
    ``measure(path)`` timed (``wall_seconds``), its re-run ``command`` (benchmarks/<stem>.py)
    recorded, and written by ``write_results`` (with ``plot(result, path)`` when given)."""
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    result = measure(args.unipen)
    result["wall_seconds"] = time.perf_counter() - started
    result.setdefault("command", rerun_command(f"{stem}.py", argv))
    print(write_results(stem, result, markdown,
                        plot=None if plot is None else (lambda path: plot(result, path))))
    return 0
