"""One table for the shipped model: ingestion, training, accuracy per export, size, latency.

Collates what the other benchmarks measured (their JSON under benchmarks/results/) with the
shipped model's own reports, and checks the model's targets (accuracy against the seed recipe at
its best, size, quantisation loss, speed) and the page's targets on real pens (benchmarks.unipen
and the sequence and picks benchmarks):

    .venv/bin/python -m benchmarks.summary            # collate the latest results
    .venv/bin/python -m benchmarks.summary --rerun    # first re-measure ingestion, exports, latency

``--rerun`` does not retrain: the accuracy rows for the seed recipe (trained both ways: without
class weights, as the seed's notebook fits it, and with balanced class weights) and the shipped
recipe come from ``benchmarks.ablation`` (each row a full ``kedro run``; 3-15 min a variant on 2 idle
CPU cores), run separately. Writes benchmarks/results/summary.md and summary.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks._project import EMNIST, REPO, RESULTS, data_path

# The model's targets
# The seed recipe, trained as the seed's notebook runs it and with balanced class weights: every
# "beyond the seed" figure is against the better of the two (ablation variant name, what it is).
SEED_ROWS = [("seed_notebook", "seed recipe without class weights, as its notebook fits it"),
             ("seed", "seed recipe with balanced class weights")]
MIN_GAIN_PP = 3.0          # exact accuracy as shipped above the better seed row, same data
MAX_IMAGE_WEIGHTS_BYTES = 420_000  # the image model as shipped: at most the seed's own size
MAX_QUANT_LOSS_PP = 0.2    # shipped export vs the float32 export of the same model
MAX_RECOGNIZE_MS = 2.0     # the page's whole warm recognize on wasm, median

# The page's targets: real pens (UNIPEN, held-out writers, clean subset) replayed through the page
# (interval key, what, target), each read from the isolated benchmark (unipen.py: every character
# alone, fitted to the square) and from the same characters written in sequence at their writer's
# relative size (unipen_sequence.py: what the page's size cue can use), and so written by a user
# who picks the right guess when it is shown (unipen_picks.py: what the page learns from picks)
PEN_TARGETS = [
    ("clean/overall/exact", "exact, Auto mode", 0.80, "auto"),
    ("clean/overall/case_folded", "case-folded, Auto mode", 0.90, "auto"),
    ("clean/digits/exact", "digits, Auto mode", 0.97, "auto"),
    ("clean/digits/exact", "digits, 123 mode", 0.97, "digits"),
]
PEN_READINGS = [  # (file stem, how the characters were drawn)
    ("unipen", "each alone"),
    ("unipen_sequence", "in sequence (size cue)"),
    ("unipen_picks", "in sequence, picking the right guess (the page learns)"),
]


def _load(name: str, folder: Path = RESULTS) -> dict:
    return _load_path(folder / name)


def _load_path(path: Path) -> dict:
    if not path.exists():
        raise SystemExit(f"{path} is missing: run the benchmark that writes it first")
    return json.loads(path.read_text())


def shipped_row(ablation: dict, metrics: dict) -> dict:
    """The ablation row that trained the shipped model (same parameter count and test accuracy)."""
    for row in ablation["rows"]:
        if row["parameters"] == metrics["parameters"] and abs(
                row["test_accuracy"] - metrics["accuracy"]) < 1e-9:
            return row
    raise SystemExit("no ablation row matches the shipped model's test metrics (parameters "
                     f"{metrics['parameters']}, accuracy {metrics['accuracy']:.4f}): run "
                     "benchmarks.ablation for the shipped recipe")


def _optional(name: str, folder: Path = RESULTS) -> dict:
    """A result file that may not have been written yet ({} then)."""
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else {}


def pen_targets(results: Path = RESULTS) -> list[dict] | None:
    """The page's targets against the page benchmarks' figures and their writer intervals (None
    before ``benchmarks.unipen`` has run). ``met``: the figure reaches the target;
    ``interval``: whether the target lies below, inside or above the 95% interval over writers
    (inside: this sample of writers cannot tell)."""
    if not _optional("unipen.json", results):
        return None
    out = []
    for stem, reading in PEN_READINGS:
        for key, what, target, mode in PEN_TARGETS:
            name = f"{stem}.json" if mode == "auto" else f"{stem}_{mode}.json"
            found = _optional(name, results)
            if not found:
                continue
            iv = found["intervals"][key]
            where = ("below" if target < iv["low"] else "above" if target > iv["high"]
                     else "inside")
            out.append({"target": f"{what} >= {100 * target:g}%", "file": name,
                        "reading": reading, "estimate": iv["estimate"], "low": iv["low"],
                        "high": iv["high"], "writers": iv["writers"],
                        "met": iv["estimate"] >= target, "interval": where})
    return out


def seed_rows(ablation: dict) -> list[dict]:
    """The ablation's seed rows (``SEED_ROWS``' order), each with ``what`` it is; the better one
    (higher exact accuracy on the test file) has ``best`` set."""
    by_name = {r["variant"]: r for r in ablation["rows"]}
    missing = [name for name, _ in SEED_ROWS if name not in by_name]
    if missing:
        raise SystemExit(f"ablation.json has no {', '.join(missing)} row: run "
                         f"`python -m benchmarks.ablation --only {' '.join(missing)}`")
    rows = [{**by_name[name], "what": what} for name, what in SEED_ROWS]
    best = max(rows, key=lambda r: r["shipped_accuracy"])
    return [{**r, "best": r is best} for r in rows]


def collate(results: Path = RESULTS, root: Path = REPO) -> dict:
    """Everything the summary says, from ``results`` and the reports of the project at ``root``."""
    ablation, exports = _load("ablation.json", results), _load("exports.json", results)
    latency, ingestion = _load("web_latency.json", results), _load("ingestion.json", results)
    metrics = _load_path(data_path("test_metrics", root))
    deployment = _load_path(data_path("deployment_report", root))
    seeds = seed_rows(ablation)
    seed = next(r for r in seeds if r["best"])
    shipped = shipped_row(ablation, metrics)
    by_q = {r["quantization"]: r for r in exports["rows"]}
    shipped_q = deployment["quantization"] or "float32"
    as_shipped = by_q[shipped_q]
    wasm = latency["backends"].get("wasm", {})
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    gain = 100 * (as_shipped["accuracy"] - seed["shipped_accuracy"])
    quant_loss = 100 * (by_q["float32"]["accuracy"] - as_shipped["accuracy"])
    # the whole recognize: both canvas specifications, both models, fusion, size cue, top-3;
    # the page's timer gives float32 multiples of 0.1 ms: 2.0000000298 ms is 2.0 ms
    recognize_ms = round(wasm["recognize"]["median"], 6) if wasm.get("available") else None
    stroke_path = data_path("stroke_deployment_report", root)
    stroke = json.loads(stroke_path.read_text()) if stroke_path.exists() else {"shipped": False}
    image_bytes = deployment["weights_bytes"]
    weights_value = f"{image_bytes / 1000:.1f} KB ({shipped_q})"
    if stroke.get("shipped"):
        weights_value += (f"; with the stroke model ({stroke['weights_bytes'] / 1000:.1f} KB, "
                          f"{stroke['quantization'] or 'float32'}) the page downloads "
                          f"{(image_bytes + stroke['weights_bytes']) / 1000:.1f} KB")
    others = [(name, as_shipped[key], seed[f"test_{key}"])
              for name, key in (("case-folded", "case_folded_accuracy"),
                                ("top-3", "top3_accuracy"))]
    targets = [
        {"target": f"exact accuracy as shipped >= the better seed row + {MIN_GAIN_PP:g} pp "
                   f"({pct(seed['shipped_accuracy'] + MIN_GAIN_PP / 100)})",
         "value": f"{gain:+.2f} pp: {pct(as_shipped['accuracy'])} against "
                  f"{pct(seed['shipped_accuracy'])} (`{seed['variant']}`)",
         "met": gain >= MIN_GAIN_PP},
        {"target": "case-folded and top-3 as shipped above the better seed row",
         "value": "; ".join(f"{name} {pct(ours)} against {pct(theirs)}"
                            for name, ours, theirs in others),
         "met": all(ours > theirs for _, ours, theirs in others)},
        {"target": f"image model weights as shipped <= {MAX_IMAGE_WEIGHTS_BYTES / 1000:g} KB "
                   "(the seed's size)",
         "value": weights_value, "met": image_bytes <= MAX_IMAGE_WEIGHTS_BYTES},
        {"target": f"{shipped_q} within {MAX_QUANT_LOSS_PP:g} pp of float32",
         "value": f"{-quant_loss:+.2f} pp", "met": quant_loss <= MAX_QUANT_LOSS_PP},
        {"target": f"the page's whole warm `recognize` on wasm <= {MAX_RECOGNIZE_MS:g} ms (median)",
         "value": "wasm unavailable" if recognize_ms is None else f"{recognize_ms:.2f} ms",
         "met": recognize_ms is not None and recognize_ms <= MAX_RECOGNIZE_MS},
    ]
    return {"seed": seed, "seeds": seeds, "shipped": shipped, "metrics": metrics,
            "exports": exports["rows"],
            "shipped_quantization": shipped_q, "latency": latency, "ingestion": ingestion,
            "targets": targets, "pen_targets": pen_targets(results),
            "class_mix": _optional("unipen.json", results).get("class_mix"),
            "numbers": _optional("unipen_numbers.json", results) or None,
            "model_version": latency["model"].get("model_version")}


def _stale(result: dict, stem: str, command: str) -> list[str]:
    """The line that replaces a table's paragraph when it was measured on another model."""
    return ["", f"[{stem}.md]({stem}.md) was measured on model "
            f"`{result['model'].get('model_version')}`, not this one: re-run `{command}`."]


def numbers_lines(nums: dict | None, model_version: str | None) -> list[str]:
    """The summary's sentence on unipen_numbers.json: digits written as numbers in Auto mode."""
    if not nums:
        return []
    if nums["model"].get("model_version") != model_version:
        return _stale(nums, "unipen_numbers", "python -m benchmarks.unipen_lines --numbers")
    one = lambda v: f"{100 * v:.1f}%"  # noqa: E731
    by = {tuple(r["lengths"]): r["exact"] for r in nums["page"]["by_length"]["decoded"]}
    spans = ", ".join(f"{lo}–{hi} digits {one(v)}" if lo != hi else f"{lo} digit {one(v)}"
                      for (lo, hi), v in sorted(by.items(), reverse=True) if v is not None)
    iv = nums["page"].get("interval")
    over = (f", {one(iv['low'])} – {one(iv['high'])} over writers" if iv else "")
    return ["", "Digits written as numbers, in Auto mode, with the word decoder "
            f"([unipen_numbers.md](unipen_numbers.md); the same writers, 1 to 6 random digits a "
            f"number): {one(nums['page']['decoded']['overall']['exact'])} of the digits read right"
            f"{over} ({spans}: a lone digit is a one-character word, read as its top guess)."]


def markdown(s: dict) -> str:
    seeds, shipped, ing = s["seeds"], s["shipped"], s["ingestion"]
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    readers = {r["reader"]: r for r in ing["rows"]}
    full = ing.get("synthetic_full")
    L = ["# Benchmark summary: the shipped model", "",
         f"Model `{s['model_version']}` (ablation row `{shipped['variant']}`), beside the seed "
         "recipe trained on the same files both ways: without class weights, as the seed's "
         "notebook fits it, and with balanced class weights; the targets are against the better "
         "of the two. Collated by `python -m benchmarks.summary` from the "
         "tables linked in each section; `--rerun` re-measures ingestion, exports and latency "
         "first.", "",
         "## Targets: the model against the seed recipe at its best, its size and speed", "",
         "| target | measured | met |", "|---|---|---|"]
    L += [f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |" for t in s["targets"]]
    if s.get("pen_targets"):
        L += ["", "## Targets: real pens on the page ([UNIPEN](unipen.md), "
              "[123 mode](unipen_digits.md), [in sequence](unipen_sequence.md), "
              "[with picks](unipen_picks.md))", "",
              "Held-out writers' UNIPEN characters (100 per class; their clean subset) replayed "
              "through the page, each alone (fitted to the drawing square, the page cleared "
              "before it: the shape alone), or the same characters written writer by writer at "
              "the writer's relative size (the page's size cue compares each letter's height "
              "with the characters before it), or so written by a user who picks the right guess "
              "whenever it is among the three shown (the page learns from the picks; each "
              "character counted as first read, before its own pick). "
              "The interval is the central 95% over 2,000 resamples of the writers; a target "
              "inside it is one this sample of writers cannot confirm or rule out.", "",
              "| target | characters drawn | measured | 95% interval over writers | writers | met "
              "| the target lies |",
              "|---|---|---:|---:|---:|---|---|"]
        one = lambda v: f"{100 * v:.1f}%"  # noqa: E731  (as unipen.md gives them)
        L += [f"| {t['target']} | {t['reading']} | {one(t['estimate'])} | {one(t['low'])} – "
              f"{one(t['high'])} | {t['writers']} | {'yes' if t['met'] else '**no**'} | "
              f"{t['interval']} it |" for t in s["pen_targets"]]
        mix = s.get("class_mix")
        if mix:
            f, a = mix["emnist"]["file"], mix["all"]["emnist_mix"]
            L += ["", "The page is also meant to approach the model's EMNIST test figure. "
                  f"The test file is {100 * f['digit_share']:.0f}% digits, the page sample 100 per "
                  "class; at the test file's class mix the page reads the sample's real pens at "
                  f"{one(a['exact'])} exact, {one(a['case_folded'])} case-folded, against "
                  f"{one(f['exact'])} and {one(f['case_folded'])} for the test file "
                  "([unipen.md](unipen.md#against-the-emnist-test-figure-at-the-same-class-mix))."]
        L += numbers_lines(s.get("numbers"), s.get("model_version"))
    L += ["", "## Accuracy on the test file, size ([ablation](ablation.md), [exports](exports.md))", "",
          "| model | export | weights | exact | case-folded | top-3 |", "|---|---|---:|---:|---:|---:|"]
    L += [f"| {r['what']}{' (the better seed row)' if r['best'] else ''} | "
          f"{r['quantization'] or 'float32'} | {r['shipped_weights_bytes'] / 1000:.1f} KB | "
          f"{pct(r['shipped_accuracy'])} | {pct(r['test_case_folded_accuracy'])} | "
          f"{pct(r['test_top3_accuracy'])} |" for r in seeds]
    for r in s["exports"]:
        mark = " (shipped)" if r["quantization"] == s["shipped_quantization"] else ""
        L.append(f"| shipped recipe | {r['quantization']}{mark} | {r['weights_bytes'] / 1000:.1f} KB | "
                 f"{pct(r['accuracy'])} | {pct(r['case_folded_accuracy'])} | {pct(r['top3_accuracy'])} |")
    L += ["", "## Training ([ablation](ablation.md))", "",
          "| recipe | parameters | train samples | samples/s | epochs (best) | validation exact |",
          "|---|---:|---:|---:|---:|---:|"]
    for name, r in [(r["variant"], r) for r in seeds] + [(shipped["variant"], shipped)]:
        L.append(f"| {name} | {r['parameters']:,} | {r['train_samples']:,} | {r['samples_per_second']:,.0f} | "
                 f"{r['epochs_run']} ({r['best_epoch']}) | {pct(r['val_accuracy'])} |")
    L += ["", "## Warm prediction in headless Chromium ([web latency](web_latency.md))", "",
          "| backend | image model: tidy + dataSync(), median / p95 | block mean | "
          "page's predict, median / p95 | page's whole recognize, median / p95 |",
          "|---|---|---:|---|---|"]
    for name, b in s["latency"]["backends"].items():
        if not b.get("available"):
            L.append(f"| {name} | not available | | | |")
            continue
        recognize = b.get("recognize")
        L.append(f"| {name} | {b['predict_sync']['median']:.2f} / {b['predict_sync']['p95']:.2f} ms | "
                 f"{b['predict_sync_block_mean']:.2f} ms | {b['predict']['median']:.2f} / "
                 f"{b['predict']['p95']:.2f} ms | "
                 + (f"{recognize['median']:.2f} / {recognize['p95']:.2f} ms |" if recognize
                    else "not measured |"))
    L += ["", f"## Reading the train images ([ingestion](ingestion.md), {ing['machine']})", "",
          f"| reader | measured on | time | peak RSS | extrapolated to {ing['full_train_images']:,} |",
          "|---|---:|---:|---:|---|"]
    for r in readers.values():
        L.append(f"| {r['description']} | {r['images']:,} | {r['load_seconds']:.2f} s | "
                 f"{r['peak_rss_mib']:,.0f} MiB | {r['extrapolated_load_seconds']:.1f} s, "
                 f"{r['extrapolated_peak_rss_mib']:,.0f} MiB |")
    if full:
        L.append(f"| {full['description']}, full-size synthetic file | {full['images']:,} | "
                 f"{full['load_seconds']:.2f} s | {full['peak_rss_mib']:,.0f} MiB | measured |")
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rerun", action="store_true",
                    help="re-measure ingestion, exports and web latency before collating")
    ap.add_argument("--emnist-dir", type=Path, default=EMNIST)
    args = ap.parse_args(argv)
    if args.rerun:
        env = {**os.environ, "HANDWRITING_EMNIST_DIR": str(args.emnist_dir.resolve()),
               "KEDRO_DISABLE_TELEMETRY": "1"}
        for module, extra in (("ingestion", ["--emnist-dir", str(args.emnist_dir)]),
                              ("exports", []), ("web_latency", [])):
            print(f"== {module}", flush=True)
            subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *extra],
                           cwd=REPO, env=env, check=True)
    summary = collate()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.md").write_text(markdown(summary))
    (RESULTS / "summary.json").write_text(json.dumps(
        {k: summary[k] for k in ("model_version", "targets", "pen_targets", "exports",
                                 "shipped_quantization")}
        | {"seed_row": summary["seed"]["variant"],
           "seed_rows": [r["variant"] for r in summary["seeds"]],
           "shipped_row": summary["shipped"]["variant"],
           "test_accuracy": summary["metrics"]["accuracy"]}, indent=2) + "\n")
    print(markdown(summary))
    return 0 if all(t["met"] for t in summary["targets"] + (summary["pen_targets"] or [])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
