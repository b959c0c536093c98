"""Real pens: recognition of real handwriting (UNIPEN pen trajectories) drawn on the page.

A fixed-seed sample, stratified by class, of the UNIPEN isolated characters in
the catalog's ``unipen_strokes`` file (or ``../shared/strokes/unipen_chars.jsonl.gz``) is replayed through the real page in headless
Chromium, and what the page recognised is read back:

- every sample through the page's replay hook (``window.handwriting.replay``: the strokes go
  through the same code path pointer input takes after pen-up: DrawingSurface.flush ->
  'character' event -> App.onCharacter -> Recognizer.recognize -> preprocess.js + TF.js;
  tests/web/test_preprocess_parity.py checks that genuine pointer events give the same);
- and, without a browser, through the page's Python twin (``handwriting.page.recognizer``) on
  the same TF.js models loaded back into tf_keras (``--python`` runs only this; a browser run
  does it too and reports the top-1 agreement).

Each sample is normalised on its own first: its bounding box is fitted, aspect ratio kept, into
the square on the page where a user would draw (``_browser.DRAW_BOX``, 300 CSS px), so the page
gets page-like coordinates; the page is cleared before each, so each is read as a first
character, by its shape alone (``unipen_sequence.py`` writes the same samples writer by writer,
at their relative sizes, which the page's size cue reads).

    .venv/bin/python -m benchmarks.unipen                      # browser + python check
    .venv/bin/python -m benchmarks.unipen --python             # python only (fast, no browser)
    .venv/bin/python -m benchmarks.unipen --model-dir path/to/tfjs_model --per-class 50
    .venv/bin/python -m benchmarks.unipen --mode digits        # the page's 123 input mode

Writes benchmarks/results/unipen.json, unipen.md, unipen_failures.png (browser run) or
unipen_python.json / unipen_python.md (``--python``). ``--mode digits|lower|upper`` measures an
input mode: the page is opened with ``?mode=...``, the Python twin restricts its probabilities the
same way (``page.decoder.restrict``), only that group's samples are drawn (digits 1a, uppercase 1b,
lowercase 1c), and the files are unipen_<mode>.json, unipen_<mode>.md, unipen_<mode>_failures.png
(unipen_<mode>_python.* with ``--python``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks._project import UNIPEN, parameters
from benchmarks.stats import resampled_interval, writer_resamples
from handwriting.datasets.strokes import StrokesDataset
from handwriting.page.decoder import MODES, restrict
from handwriting.page.recognizer import Recognizer
from handwriting.unipen import NOISY_CONTRIBUTORS, is_clean, is_heldout_writer
from handwriting.page.manifest import read_model_file


def heldout(rows: Sequence[dict]) -> list[bool]:
    """Which samples belong to held-out writers: the only ones any UNIPEN figure is measured on,
    since the pipeline trains on the other writers' strokes (its writer split)."""
    fraction = float(parameters()["preprocessing"]["unipen"]["heldout_fraction"])
    return [is_heldout_writer(r["writer"], fraction) for r in rows]


# Letters whose upper and lower case share a shape (EMNIST bymerge), as the reports fold them.
CASE_FOLD_LETTERS = parameters()["reporting"]["case_fold_letters"]
GROUPS = {"1a": "digits", "1b": "uppercase", "1c": "lowercase"}
MODE_CATS = {"digits": "1a", "upper": "1b", "lower": "1c"}  # the samples an input mode is measured on
DEFAULT_SEED = 20240601


# ---- pure helpers (tested in tests/benchmarks/test_unipen_sampling.py) -------------------------


def load_unipen(path: Path = UNIPEN) -> list[dict]:
    """All samples, in file order, as the pipeline's dataset reads them; each dict gets ``id`` =
    its place in the file (0-based)."""
    return [{"id": i, **r} for i, r in enumerate(StrokesDataset(str(path)).load())]


def stratified_sample(labels: Sequence[str], per_class: int, seed: int = DEFAULT_SEED,
                      eligible: Sequence[bool] | None = None) -> list[int]:
    """Positions of a fixed-seed sample of ``per_class`` items of every class (all of a class that
    has fewer), optionally only among ``eligible`` items. Deterministic: the same labels, size and
    seed give the same positions, sorted ascending."""
    if per_class <= 0:
        raise ValueError("per_class must be positive")
    labels = list(labels)
    ok = np.ones(len(labels), bool) if eligible is None else np.asarray(eligible, bool)
    by_class: dict[str, list[int]] = {}
    for i, (lab, e) in enumerate(zip(labels, ok)):
        if e:
            by_class.setdefault(lab, []).append(i)
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for lab in sorted(by_class):
        idx = np.asarray(by_class[lab])
        if len(idx) > per_class:
            idx = rng.choice(idx, size=per_class, replace=False)
        chosen.extend(int(i) for i in idx)
    return sorted(chosen)


def normalise_to_box(strokes: Sequence[Sequence[Sequence[float]]],
                     box: tuple[float, float, float] = B.DRAW_BOX) -> list[list[list[float]]]:
    """Fit the sample's bounding box into the square ``box`` = (x0, y0, side), aspect ratio kept,
    centred; empty strokes dropped. A sample whose points all coincide lands on the centre."""
    x0, y0, side = box
    pts = [p for s in strokes for p in s]
    if not pts:
        return []
    xs = [float(p[0]) for p in pts]
    ys = [float(p[1]) for p in pts]
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    extent = max(hi_x - lo_x, hi_y - lo_y)
    k = side / extent if extent > 0 else 0.0
    cx, cy = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
    ox, oy = x0 + side / 2, y0 + side / 2
    return [[[round((float(p[0]) - cx) * k + ox, 3), round((float(p[1]) - cy) * k + oy, 3)]
             for p in s] for s in strokes if len(s)]


def fold(label: str | None, letters: str = CASE_FOLD_LETTERS) -> str | None:
    """Case-folded label: lower and upper case of ``letters`` count as one (upper)."""
    if label is None:
        return None
    return label.upper() if label.lower() in letters and label.isalpha() else label


def accuracy(true: Sequence[str], pred: Sequence[str | None], letters: str = CASE_FOLD_LETTERS) -> dict:
    """Exact and case-folded accuracy (a ``None`` prediction, nothing recognised, is wrong)."""
    n = len(true)
    if n == 0:
        return {"n": 0, "exact": None, "case_folded": None}
    exact = sum(t == p for t, p in zip(true, pred))
    folded = sum(p is not None and fold(t, letters) == fold(p, letters) for t, p in zip(true, pred))
    return {"n": n, "exact": exact / n, "case_folded": folded / n}


def grouped_accuracy(samples: Sequence[dict], pred: Sequence[str | None],
                     top3: Sequence[Sequence[str]] | None = None,
                     letters: str = CASE_FOLD_LETTERS) -> dict:
    """Accuracy overall and per group (digits 1a, uppercase 1b, lowercase 1c), for all samples and
    the clean subset; with ``top3``, top-3 accuracy too."""
    out: dict = {}
    for subset in ("all", "clean"):
        keep = [i for i, s in enumerate(samples) if subset == "all" or is_clean(s)]
        block: dict = {}
        for gname, cats in [("overall", set(GROUPS))] + [(g, {c}) for c, g in GROUPS.items()]:
            ii = [i for i in keep if samples[i]["cat"] in cats]
            r = accuracy([samples[i]["label"] for i in ii], [pred[i] for i in ii], letters)
            if top3 is not None and ii:
                r["top3"] = sum(samples[i]["label"] in top3[i] for i in ii) / len(ii)
            block[gname] = r
        out[subset] = block
    return out


MIX_GROUPS = ("digit", "upper", "lower")


def class_mix(samples: Sequence[dict], pred: Sequence[str | None], emnist: dict | None,
              labels: Sequence[str], letters: str = CASE_FOLD_LETTERS) -> dict | None:
    """The page's accuracy and the EMNIST test file's, each at the other's class mix.

    The test file is about half digits; this sample holds each class equally. So the page's
    per-class accuracies are averaged with every class equal ("balanced", what the sample's
    figures already are for ``all``) and weighted by the test file's class counts ("emnist_mix");
    ``emnist`` is the model's test-file summary (``reporting.accuracy_summary`` in metadata.json,
    with its ``class_balanced`` block and counts in ``labels`` order). None without those.
    """
    from handwriting.evaluation import group_of  # the groups of metadata.json

    bal = (emnist or {}).get("class_balanced")
    if not bal:
        return None
    counts = dict(zip(labels, bal["class_counts"]))
    out = {"labels": list(labels), "emnist": {
        "file": {"n": emnist.get("n_test"), "exact": emnist["accuracy"],
                 "case_folded": emnist["case_folded_accuracy"],
                 "groups": {g: v["accuracy"] for g, v in emnist["by_group"].items()},
                 "digit_share": sum(n for c, n in counts.items() if c.isdigit())
                 / sum(counts.values())},
        "balanced": {"exact": bal["accuracy"], "case_folded": bal["case_folded_accuracy"],
                     "groups": {g: v["accuracy"] for g, v in bal["by_group"].items()}}}}
    for subset in ("all", "clean"):
        keep = [i for i, x in enumerate(samples) if subset == "all" or is_clean(x)]
        per: dict[str, list] = {}
        for i in keep:
            t = samples[i]["label"]
            right = per.setdefault(t, [0, 0, 0])
            right[0] += 1
            right[1] += pred[i] == t
            right[2] += pred[i] is not None and fold(pred[i], letters) == fold(t, letters)

        def weighted(classes, weight):
            w = np.array([weight(c) for c in classes], float)
            n = np.array([per[c][0] for c in classes], float)
            ex = np.array([per[c][1] for c in classes], float) / n
            cf = np.array([per[c][2] for c in classes], float) / n
            return float(w @ ex / w.sum()), float(w @ cf / w.sum())

        block = {}
        for name, weight in (("balanced", lambda c: 1.0), ("emnist_mix", lambda c: counts[c])):
            classes = [c for c in per if weight(c) > 0]
            ex, cf = weighted(classes, weight)
            block[name] = {"exact": ex, "case_folded": cf, "classes": len(classes), "groups": {
                g: weighted([c for c in classes if group_of(c) == g], weight)[0]
                for g in MIX_GROUPS if any(group_of(c) == g for c in classes)}}
        block["n"] = len(keep)
        block["per_class"] = [min(v[0] for v in per.values()), max(v[0] for v in per.values())]
        out[subset] = block
    return out


def class_mix_table(cm: dict) -> list[str]:
    """Markdown rows: the EMNIST test file and the page, each at both class mixes."""
    e, f = cm["emnist"], cm["emnist"]["file"]
    L = ["| data | recognised by | class mix | exact | case-folded | digits | uppercase | lowercase |",
         "|---|---|---|---|---|---|---|---|"]

    def row(data, who, mix, r, bold=False):
        g = r["groups"]
        ex = f"**{fmt(r['exact'])}**" if bold else fmt(r["exact"])
        L.append(f"| {data} | {who} | {mix} | {ex} | {fmt(r['case_folded'])} | "
                 + " | ".join(fmt(g.get(k)) for k in MIX_GROUPS)
                 + " |")

    row(f"EMNIST test file ({f['n']:,})", "image model (exported)", "the file's own", f, True)
    row("EMNIST test file", "image model (exported)", "every class equal", e["balanced"])
    for sub in ("all", "clean"):
        b = cm[sub]
        row(f"this sample, {sub} ({b['n']:,})", "the page (both models)", "every class equal",
            b["balanced"])
        row(f"this sample, {sub}", "the page (both models)", "the EMNIST test file's",
            b["emnist_mix"], sub == "all")  # like for like with the first row
    return L


INTERVAL_ROWS = [("clean", "overall", "exact"), ("clean", "overall", "case_folded"),
                 ("clean", "digits", "exact"), ("all", "overall", "exact"),
                 ("all", "overall", "case_folded")]


def writer_intervals(samples: Sequence[dict], pred: Sequence[str | None], reps: int = 2000,
                     seed: int = DEFAULT_SEED, level: float = 0.95,
                     letters: str = CASE_FOLD_LETTERS) -> dict:
    """How much the accuracies would move with other writers: a bootstrap over writers.

    A writer's characters succeed or fail together (one hand, one device), so the binomial
    interval of n independent samples is too narrow. Each resample draws as many writers as the
    sample has, with replacement, keeping all the characters each one wrote in the sample, and
    recomputes every row of ``INTERVAL_ROWS``; the interval is the central ``level`` share.
    Returns ``{"subset/group/metric": {"estimate", "low", "high", "writers"}}`` plus the settings.
    """
    writers = sorted({s["writer"] for s in samples})
    col = {w: k for k, w in enumerate(writers)}
    rng = np.random.default_rng(seed)
    draws = writer_resamples(len(writers), reps, rng) if writers else None
    out: dict = {"reps": reps, "level": level, "seed": seed}
    for subset, group, metric in INTERVAL_ROWS:
        cats = set(GROUPS) if group == "overall" else {c for c, g in GROUPS.items() if g == group}
        ii = [i for i, x in enumerate(samples) if x["cat"] in cats
              and (subset == "all" or is_clean(x))]
        if not ii:
            continue
        n = np.zeros(len(writers))
        ok = np.zeros(len(writers))
        for i in ii:
            t, q = samples[i]["label"], pred[i]
            right = (t == q if metric == "exact"
                     else q is not None and fold(t, letters) == fold(q, letters))
            n[col[samples[i]["writer"]]] += 1
            ok[col[samples[i]["writer"]]] += right
        low, high = resampled_interval(draws, ok, n, level)
        out[f"{subset}/{group}/{metric}"] = {
            "estimate": float(ok.sum() / n.sum()), "low": low, "high": high,
            "writers": int((n > 0).sum())}
    return out


def interval_table(iv: dict) -> list[str]:
    """Markdown: each interval row with its estimate and writer count."""
    L = ["| subset | group | accuracy | estimate | "
         f"{100 * iv['level']:.0f}% interval over writers | writers |", "|---|---|---|---|---|---|"]
    for subset, group, metric in INTERVAL_ROWS:
        r = iv.get(f"{subset}/{group}/{metric}")
        if r:
            L.append(f"| {subset} | {group} | {metric.replace('_', '-')} | {fmt(r['estimate'])} | "
                     f"{fmt(r['low'])} – {fmt(r['high'])} | {r['writers']} |")
    return L


def confusions(true: Sequence[str], pred: Sequence[str | None], k: int = 15) -> list[dict]:
    """The ``k`` most frequent (true -> predicted) mistakes."""
    c = Counter((t, p if p is not None else "∅") for t, p in zip(true, pred) if t != p)
    per_true = Counter(true)
    return [{"true": t, "pred": p, "count": n, "of_true": n / per_true[t]}
            for (t, p), n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def error_kinds(true: Sequence[str], pred: Sequence[str | None]) -> dict:
    """What the mistakes are: the other case of the same letter, a digit read as a letter or the
    reverse, another letter, or nothing recognised. Shares are of all samples."""
    kinds = Counter()
    for t, p in zip(true, pred):
        if p == t:
            continue
        if p is None:
            kinds["not_recognised"] += 1
        elif t.isalpha() and p.isalpha() and t.lower() == p.lower():
            kinds["other_case"] += 1
        elif t.isdigit() != p.isdigit():
            kinds["digit_letter"] += 1
        else:
            kinds["other_character"] += 1
    n = len(true)
    return {"n": n, "errors": sum(kinds.values()),
            **{k: kinds[k] / n if n else None
               for k in ("other_case", "digit_letter", "other_character", "not_recognised")}}


# ---- browser ------------------------------------------------------------------------------------

# In-page helper: a float32 array as base64 (what _decode reads back), to keep page.evaluate's
# JSON small.
B64_JS = """
  const b64 = (arr) => {
    const bytes = new Uint8Array(new Float32Array(arr).buffer);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
"""

REPLAY_JS = """
async (batch) => {
  const h = window.handwriting;
""" + B64_JS + """  const out = [];
  for (const strokes of batch) {
    const r = await h.replay(strokes, 'mouse');
    // each sample alone, as a first character: no earlier ones in the text line, so no size
    // cue (unipen_sequence.py writes each writer's characters in a row and measures it)
    h.app.clearAll();
    out.push(r === null ? null : {
      top: r.top.map((g) => g.label), p: r.top.map((g) => g.p), ms: r.ms,
      input: b64(r.input), probs: b64(r.probs),
    });
  }
  return out;
}
"""

def _decode(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype=np.float32)


def run_replay(page, strokes: Sequence, batch: int = 250, log=print) -> list[dict | None]:
    """Every sample through the replay hook, ``batch`` samples per page.evaluate call."""
    out: list[dict | None] = []
    t0 = time.perf_counter()
    for s in range(0, len(strokes), batch):
        res = page.evaluate(REPLAY_JS, list(strokes[s:s + batch]))
        for r in res:
            if r is not None:
                r["input"] = _decode(r["input"])
                r["probs"] = _decode(r["probs"])
        out.extend(res)
        done = len(out)
        if (s // batch) % 4 == 3 or done == len(strokes):
            el = time.perf_counter() - t0
            log(f"  replay {done}/{len(strokes)}  {el:.0f} s  ({1000 * el / done:.1f} ms/sample)")
    return out


# ---- python twin --------------------------------------------------------------------------------


def page_model(web_dir: Path, model_dir: Path | None) -> tuple[Path, dict, dict, list[str], dict]:
    """The model the page will load: (folder, model_info, metadata, labels, canvas spec)."""
    model_dir = Path(model_dir or (Path(web_dir) / "model"))
    info = B.model_info(model_dir)
    meta = json.loads(read_model_file(model_dir, "metadata.json"))
    return model_dir, info, meta, [str(x) for x in meta["labels"]], info["canvas_spec"] or {}


def restrict_rows(probs: np.ndarray, labels: list[str], mode: str) -> np.ndarray:
    """Each row restricted to the input mode (``page.decoder.restrict``, what the page does)."""
    if mode == "auto":
        return probs
    return np.stack([restrict(p, labels, mode) for p in probs]) if len(probs) else probs


def python_predictions(page: Recognizer, strokes, mode: str = "auto"):
    """(the page twin's ``read`` of every drawing alone, its probabilities restricted to the input
    ``mode``, top-1 labels or None, top-3 lists)."""
    read = page.read(strokes)
    probs = restrict_rows(read["shape"], page.labels, mode)
    return (read, probs, *top_guesses(probs, read["valid"], page.labels))


def top_guesses(probs: np.ndarray, valid: np.ndarray, labels: list[str]):
    """(top-1 labels or None, top-3 lists) of a probability matrix."""
    order = np.argsort(-probs, axis=1)[:, :3]
    return ([labels[o[0]] if v else None for o, v in zip(order, valid)],
            [[labels[j] for j in o] if v else [] for o, v in zip(order, valid)])


# ---- report -------------------------------------------------------------------------------------


def failure_grid(path: Path, items: list[dict], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 10
    rows = max(1, -(-len(items) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.25, rows * 1.5 + 0.6))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, it in zip(np.ravel(axes), items):
        ax.imshow(it["input"].reshape(28, 28), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{it['true']}→{it['pred']} {it['p']:.0%}\n{it['contrib']}"
                     + ("*" if not is_clean(it) else ""), fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


MODEL_NAMES = {"image": "image model alone (rendered ink)", "stroke": "stroke model alone (pen path)",
               "fused": "**both, fused (what the page does)**"}


def by_model_table(by_model: dict) -> list[str]:
    """Markdown rows: each model alone and fused, on the same samples (Python twin)."""
    L = ["| models | clean exact | clean case-folded | clean digits | clean top-3 | all exact | all case-folded |",
         "|---|---|---|---|---|---|---|"]
    for name, acc in by_model.items():
        c, a = acc["clean"], acc["all"]
        L.append(f"| {MODEL_NAMES.get(name, name)} | {fmt(c['overall']['exact'])} | "
                 f"{fmt(c['overall']['case_folded'])} | {fmt(c['digits']['exact'])} | "
                 f"{fmt(c['overall'].get('top3'))} | {fmt(a['overall']['exact'])} | "
                 f"{fmt(a['overall']['case_folded'])} |")
    return L


def fmt(x, digits=1):
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def accuracy_table(acc: dict, with_top3: bool = True) -> list[str]:
    head = "| subset | group | n | exact | case-folded |" + (" top-3 |" if with_top3 else "")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for subset in ("all", "clean"):
        for g in ("overall", "digits", "uppercase", "lowercase"):
            r = acc[subset][g]
            row = f"| {subset} | {g} | {r['n']} | {fmt(r['exact'])} | {fmt(r['case_folded'])} |"
            if with_top3:
                row += f" {fmt(r.get('top3'))} |"
            lines.append(row)
    return lines


def command_line(argv: list[str]) -> str:
    return ".venv/bin/python -m benchmarks.unipen" + ("" if not argv else " " + shlex.join(argv))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--batch", type=int, default=250, help="samples per page.evaluate call")
    ap.add_argument("--web-dir", type=Path, default=B.WEB)
    ap.add_argument("--model-dir", type=Path, default=None, help="TF.js model folder (default web/model)")
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    ap.add_argument("--python", action="store_true", help="python only (no browser)")
    ap.add_argument("--no-python-check", action="store_true",
                    help="browser run without the python twin comparison")
    ap.add_argument("--mode", choices=MODES, default="auto",
                    help="the page's input mode (?mode=): with digits, lower or upper only that "
                         "group's samples, probabilities restricted to it, files unipen_<mode>.*")
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    args = ap.parse_args(argv)
    stem = "unipen" if args.mode == "auto" else f"unipen_{args.mode}"

    t_start = time.perf_counter()
    model_dir, info, meta, labels, spec = page_model(args.web_dir, args.model_dir)
    print(f"model {info['model_version']} spec {spec}")

    t = time.perf_counter()
    rows = load_unipen(args.unipen)
    eligible = heldout(rows)
    if args.mode != "auto":  # only the mode's group: digits 1a, uppercase 1b, lowercase 1c
        eligible = [e and r["cat"] == MODE_CATS[args.mode] for e, r in zip(eligible, rows)]
    chosen = stratified_sample([r["label"] for r in rows], args.per_class, args.seed,
                               eligible=eligible)
    samples = [rows[i] for i in chosen]
    del rows
    strokes = [normalise_to_box(s["strokes"]) for s in samples]
    t_load = time.perf_counter() - t
    per_class = Counter(s["label"] for s in samples)
    print(f"{len(samples)} samples ({min(per_class.values())}-{max(per_class.values())} per class, "
          f"{sum(is_clean(s) for s in samples)} clean), loaded in {t_load:.0f} s")
    true = [s["label"] for s in samples]
    args.out.mkdir(parents=True, exist_ok=True)

    sample_info = {
        "source": str(args.unipen), "per_class": args.per_class, "seed": args.seed,
        "n": len(samples), "n_clean": sum(is_clean(s) for s in samples),
        "classes": len(per_class), "min_per_class": min(per_class.values()),
        "noisy_contributors": sorted(NOISY_CONTRIBUTORS), "draw_box_css_px": list(B.DRAW_BOX),
        "case_fold_letters": CASE_FOLD_LETTERS, "mode": args.mode,
        "cats": [MODE_CATS[args.mode]] if args.mode != "auto" else sorted(GROUPS),
    }

    py = None
    if args.python or not args.no_python_check:
        t = time.perf_counter()
        page = Recognizer.from_folder(model_dir)
        t_model = time.perf_counter() - t
        t = time.perf_counter()
        read, probs, pred, top3 = python_predictions(page, strokes, args.mode)
        valid = read["valid"]
        t_py = time.perf_counter() - t
        parts = {name: read[name] for name in ("image", "stroke") if read[name] is not None}
        py = {"images": read["images"], "valid": valid, "probs": probs, "pred": pred,
              "top3": top3, "wall_s": t_py, "model_load_s": t_model,
              "by_model": {name: grouped_accuracy(
                  samples, *top_guesses(restrict_rows(p, labels, args.mode), valid, labels))
                  for name, p in parts.items()}}
        if page.strokes_active:
            py["by_model"]["fused"] = grouped_accuracy(samples, pred, top3)
        print(f"python: {len(samples)} samples in {t_py:.0f} s (+{t_model:.0f} s model load)")

    if args.python:
        return _write_python_only(args, argv, info, sample_info, samples, true, py, t_start, stem)

    # ---- browser
    query = "nosw"
    if args.mode != "auto":
        query += f"&mode={args.mode}"
    with B.site(args.web_dir, args.model_dir) as (url, _):
        with B.chromium() as browser:
            t = time.perf_counter()
            page = B.open_app(browser, url, query)
            t_open = time.perf_counter() - t
            env = page.evaluate("({backend: window.handwriting.backend, spec: window.handwriting.spec,"
                                " ua: navigator.userAgent, cores: navigator.hardwareConcurrency})")
            env["chromium"] = B.browser_version(browser)
            env["mode"] = page.evaluate("window.handwriting.mode")
            if env["mode"] != args.mode:
                raise RuntimeError(f"the page is in mode {env['mode']!r}, not {args.mode!r}")
            print(f"page ready in {t_open:.1f} s, backend {env['backend']}")
            t = time.perf_counter()
            rep = run_replay(page, strokes, args.batch)
            t_replay = time.perf_counter() - t
            errors = page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
            page.context.close()

    pred = [r["top"][0] if r else None for r in rep]
    top3 = [r["top"] if r else [] for r in rep]
    acc = grouped_accuracy(samples, pred, top3)
    intervals = writer_intervals(samples, pred)
    mix = class_mix(samples, pred, meta.get("metrics"), labels) if args.mode == "auto" else None
    conf_all = confusions(true, pred)
    clean_i = [i for i, s in enumerate(samples) if is_clean(s)]
    conf_clean = confusions([true[i] for i in clean_i], [pred[i] for i in clean_i])
    ms = np.array([r["ms"] for r in rep if r])

    # python vs browser
    py_cmp = None
    if py is not None:
        both = [i for i, r in enumerate(rep) if r is not None and py["valid"][i]]
        img_diff = np.array([np.abs(py["images"][i].ravel() - rep[i]["input"]).max() for i in both])
        prob_diff = np.array([np.abs(py["probs"][i] - rep[i]["probs"]).max() for i in both])
        agree = np.array([py["pred"][i] == pred[i] for i in range(len(samples))])
        py_cmp = {
            "n": len(samples), "top1_agreement": float(agree.mean()),
            "both_rendered": len(both),
            "null_mismatch": int(sum((r is None) != (not v) for r, v in zip(rep, py["valid"]))),
            "input_max_abs_diff": float(img_diff.max()) if len(both) else None,
            "probs_max_abs_diff": float(prob_diff.max()) if len(both) else None,
            "probs_p99_abs_diff": float(np.percentile(prob_diff, 99)) if len(both) else None,
            "disagreements": [{"id": samples[i]["id"], "true": true[i], "browser": pred[i],
                               "python": py["pred"][i]} for i in np.flatnonzero(~agree)][:50],
            "accuracy_python": grouped_accuracy(samples, py["pred"], py["top3"]),
            "accuracy_python_by_model": py["by_model"],
            "python_wall_s": py["wall_s"],
        }
        print(f"python vs browser top-1 agreement {py_cmp['top1_agreement']:.5f}, "
              f"max |d input| {py_cmp['input_max_abs_diff']:.2e}, max |d p| {py_cmp['probs_max_abs_diff']:.2e}")

    # failures grid: random case-folded failures, seeded
    fails = [i for i, r in enumerate(rep) if r is not None and fold(pred[i]) != fold(true[i])]
    pick = sorted(np.random.default_rng(args.seed + 2).permutation(fails)[:60].tolist(),
                  key=lambda i: (true[i].isdigit() is False, true[i].islower(), true[i], i))
    failure_grid(args.out / f"{stem}_failures.png",
                 [{"input": rep[i]["input"], "true": true[i], "pred": pred[i], "p": rep[i]["p"][0],
                   "contrib": samples[i]["contrib"]} for i in pick],
                 f"UNIPEN on the page: {len(pick)} random case-folded failures of {len(fails)} "
                 f"(true→predicted, p; contributor, * = noisy); the 28x28 input the model saw; "
                 f"model {info['model_version']}"
                 + (f"; input mode {args.mode}" if args.mode != "auto" else ""))

    wall = time.perf_counter() - t_start
    result = {
        "benchmark": "unipen",
        "model": info, "browser": env, "sample": sample_info,
        "accuracy": acc,
        "intervals": intervals,
        "class_mix": mix,
        "confusions": {"all": conf_all, "clean": conf_clean},
        "error_kinds": {"all": error_kinds(true, pred),
                        "clean": error_kinds([true[i] for i in clean_i], [pred[i] for i in clean_i])},
        "mode": args.mode,
        "python_vs_browser": py_cmp,
        "page_errors": errors,
        "recognize_ms_in_page": {"median": float(np.median(ms)), "p95": float(np.percentile(ms, 95))},
        "timing_s": {"load_unipen": t_load, "open_page": t_open, "replay": t_replay,
                     "replay_ms_per_sample": 1000 * t_replay / len(samples),
                     "python": py["wall_s"] if py else None, "total": wall},
        "command": command_line(argv),
        "samples": {"id": [s["id"] for s in samples], "label": true, "pred": pred,
                    "top3": top3, "p": [r["p"][0] if r else None for r in rep]},
    }
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (args.out / f"{stem}.md").write_text(_markdown(result, stem) + "\n")
    print(f"wrote {args.out / f'{stem}.json'}, {stem}.md, {stem}_failures.png in {wall:.0f} s")
    print("\n".join(accuracy_table(acc)))
    return 0


MODE_TITLES = {"digits": "123 (digits only)", "lower": "abc (lowercase only)", "upper": "ABC (uppercase only)"}


def _mode_line(mode: str) -> list[str]:
    """A paragraph saying which input mode was measured (nothing for auto)."""
    if mode == "auto":
        return []
    return [f"Input mode **{MODE_TITLES[mode]}**: the page opened with `?mode={mode}`, so every "
            f"character's probabilities are restricted to the {GROUPS[MODE_CATS[mode]]} and "
            "renormalised (`page.decoder.restrict` = `web/js/decoder.js` restrict) before its top "
            f"guesses are taken; only {GROUPS[MODE_CATS[mode]]} samples (UNIPEN {MODE_CATS[mode]}) are "
            "drawn. The Auto figures are in `unipen.md`.", ""]


def _markdown(r: dict, stem: str = "unipen") -> str:
    m, s, t = r["model"], r["sample"], r["timing_s"]
    mode = r.get("mode", "auto")
    L = ["# UNIPEN real pen trajectories recognised on the page"
         + (f", input mode {MODE_TITLES[mode]}" if mode != "auto" else ""), ""]
    L += _mode_line(mode)
    L += [f"Model `{m['model_version']}` ({m['quantization'] or 'float32'}, weights {m['weights_bytes']} B, "
          f"created {m['created']}; its EMNIST test accuracy {fmt(m['emnist_metrics']['accuracy'])}), "
          f"canvas_spec `{json.dumps(m['canvas_spec'])}`, backend `{r['browser']['backend']}` in "
          f"headless {r['browser']['chromium']}. "
          + (f"Stroke model `{m['stroke_model']['path']}` ({m['stroke_model']['points']} points, fusion "
             f"weight {m['stroke_model']['weight']}) fused with the image model."
             if m.get("stroke_model") else "No stroke model: the image model alone."), ""]
    L += [f"Sample: {s['n']} UNIPEN characters ({s['per_class']} per class, stratified, seed {s['seed']}, "
          f"held-out writers only (never trained on; writer split in conf/base/parameters_preprocessing.yml), all contributors; {s['classes']} classes, smallest {s['min_per_class']}), of which "
          f"{s['n_clean']} in the clean subset (excluding {', '.join(s['noisy_contributors'])}). "
          f"Each sample's bounding box is fitted, aspect kept, into a {s['draw_box_css_px'][2]:.0f} CSS px "
          "square on the page, then replayed through `window.handwriting.replay` (the code path "
          "pointer input takes after pen-up), the page cleared before each: every sample is "
          "read as a first character, by its shape alone (the size cue needs characters before "
          "it; [unipen_sequence.md](unipen_sequence.md) writes the same samples in sequence).", ""]
    L += ["## Accuracy (replay path)", ""] + accuracy_table(r["accuracy"]) + [""]
    L += [f"Case-folded: {s['case_fold_letters']} count as one letter in either case (EMNIST "
          "bymerge); a sample the page does not recognise (a single dot) counts as wrong.", ""]
    iv = r.get("intervals")
    if iv:
        L += ["### How precise these figures are", "",
              f"The sample holds {iv['clean/overall/exact']['writers']} writers' characters in the "
              "clean subset; a writer's characters are right or wrong together (one hand, one "
              "device), so the figures move more with the writers drawn than with the number of "
              f"characters. Intervals: {iv['reps']:,} resamples of the sample's writers with "
              f"replacement (seed {iv['seed']}), each keeping all its characters; the central "
              f"{100 * iv['level']:.0f}% of the recomputed accuracies.", ""]
        L += interval_table(iv) + [""]
    cm = r.get("class_mix")
    if cm:
        f, d = cm["emnist"]["file"], sum(1 for c in cm["labels"] if c.isdigit())
        lo, hi = cm["clean"]["per_class"]
        L += ["### Against the EMNIST test figure, at the same class mix", "",
              f"The EMNIST test file is {fmt(f['digit_share'], 0)} digits; this sample draws "
              f"each of the {len(cm['labels'])} classes equally ({d} of them digits), and its "
              f"clean subset keeps {lo} to {hi} characters of each class (so its every-class-"
              "equal figure differs from the one above, which counts characters). So each "
              "figure is also given at the other's class mix, from per-class accuracies: every "
              "class equal (the mean over classes), or each class weighted by its count in the "
              "test file. The test file is read by the image model alone (the metadata's "
              "figures for the exported model); the page fuses both models.", ""]
        L += class_mix_table(cm) + [""]
    q = r["python_vs_browser"]
    if q:
        L += ["## Python twin vs browser", "",
              f"The same {q['n']} samples rendered with `page.preprocess.render_batch` and predicted by "
              "the TF.js model loaded back into tf_keras: top-1 agreement with the browser "
              f"**{fmt(q['top1_agreement'], 2)}**; largest |difference| of the inputs "
              f"{q['input_max_abs_diff']:.2e}, of the probabilities {q['probs_max_abs_diff']:.2e} "
              f"(p99 {q['probs_p99_abs_diff']:.2e}); null/non-null mismatches {q['null_mismatch']}. "
              f"Python exact accuracy {fmt(q['accuracy_python']['all']['overall']['exact'])} (all), "
              f"{fmt(q['accuracy_python']['clean']['overall']['exact'])} (clean). Disagreements: "
              f"{q['disagreements'] or 'none'}.", ""]
        if len(q.get("accuracy_python_by_model") or {}) > 1:
            L += ["### Each model alone and fused (Python twin, the same samples)", "",
                  "The page multiplies the image model's probabilities with the stroke model's raised "
                  f"to {m['stroke_model']['weight']} (`handwriting.page.fusion`, `web/js/fusion.js`).", ""]
            L += by_model_table(q["accuracy_python_by_model"]) + [""]
    if r.get("error_kinds"):
        L += ["## What the mistakes are", "",
              "Share of all samples lost to each kind of mistake: the other case of the same letter "
              "(x read as X), a digit read as a letter or a letter as a digit (O as 0, l as 1, q as 9), "
              "a different character of the same kind, or nothing recognised.", "",
              "| subset | n | exact | other case | digit ↔ letter | other character | not recognised |",
              "|---|---|---|---|---|---|---|"]
        for sub in ("all", "clean"):
            e = r["error_kinds"][sub]
            L.append(f"| {sub} | {e['n']} | {fmt(1 - e['errors'] / e['n'])} | {fmt(e['other_case'])} | "
                     f"{fmt(e['digit_letter'])} | {fmt(e['other_character'])} | {fmt(e['not_recognised'])} |")
        L += [""]
    L += ["## Most confused pairs (true → predicted)", "",
          "| all: true → pred | count | of true class | | clean: true → pred | count | of true class |",
          "|---|---|---|---|---|---|---|"]
    ca, cc = r["confusions"]["all"], r["confusions"]["clean"]
    for k in range(max(len(ca), len(cc))):
        a = ca[k] if k < len(ca) else None
        c = cc[k] if k < len(cc) else None
        L.append(("| " + (f"`{a['true']}` → `{a['pred']}` | {a['count']} | {fmt(a['of_true'], 0)}" if a else " | | ")
                  + " | | " + (f"`{c['true']}` → `{c['pred']}` | {c['count']} | {fmt(c['of_true'], 0)}" if c else " | | ")
                  + " |"))
    L += ["", f"Failures: `{stem}_failures.png` (random case-folded failures with the 28x28 input the "
          "model saw).", ""]
    L += ["## Run", "",
          f"- wall time {t['total']:.0f} s: UNIPEN load + sampling {t['load_unipen']:.0f} s, page load "
          f"{t['open_page']:.1f} s, replay {t['replay']:.0f} s ({t['replay_ms_per_sample']:.1f} ms/sample, "
          f"batches of many samples per `page.evaluate`), python twin "
          f"{(t['python'] or 0):.0f} s on {os.cpu_count()} CPU cores (times move with the machine's load).",
          f"- in-page model time per sample (`result.ms`: predict + read back, preprocessing excluded) median {r['recognize_ms_in_page']['median']:.1f} ms, "
          f"p95 {r['recognize_ms_in_page']['p95']:.1f} ms.",
          f"- page errors: {r['page_errors'] or 'none'}."]
    L += [f"- re-run: `{r['command']}`",
          "- data: UNIPEN train_r01_v07 (International Unipen Foundation, CC BY 4.0, "
          "doi 10.5281/zenodo.1195803)."]
    return "\n".join(L)


def _write_python_only(args, argv, info, sample_info, samples, true, py, t_start,
                       stem: str = "unipen") -> int:
    acc = grouped_accuracy(samples, py["pred"], py["top3"])
    result = {"benchmark": "unipen_python", "model": info, "sample": sample_info, "accuracy": acc,
              "accuracy_by_model": py["by_model"],
              "confusions": {"all": confusions(true, py["pred"])},
              "mode": args.mode,
              "timing_s": {"python": py["wall_s"], "model_load": py["model_load_s"],
                           "total": time.perf_counter() - t_start},
              "command": command_line(argv),
              "samples": {"id": [s["id"] for s in samples], "pred": py["pred"]}}
    browser = args.out / f"{stem}.json"
    cmp_line = "No browser run to compare with (run without `--python`)."
    if browser.is_file():
        b = json.loads(browser.read_text())
        same = (b["sample"]["seed"] == args.seed and b["sample"]["per_class"] == args.per_class
                and b["model"]["files_sha256"] == info["files_sha256"]
                and b["samples"]["id"] == result["samples"]["id"])
        if same:
            agree = float(np.mean([a == p for a, p in zip(b["samples"]["pred"], py["pred"])]))
            result["top1_agreement_with_browser"] = agree
            cmp_line = f"Top-1 agreement with the browser run in `{stem}.json`: **{fmt(agree, 2)}**."
        else:
            cmp_line = f"`{stem}.json` is from another sample or model: no agreement computed."
    (args.out / f"{stem}_python.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    md = ["# UNIPEN, Python twin (no browser)"
          + (f", input mode {MODE_TITLES[args.mode]}" if args.mode != "auto" else ""), ""]
    md += _mode_line(args.mode)
    md += [f"Model `{info['model_version']}`, canvas_spec `{json.dumps(info['canvas_spec'])}`, "
           f"{sample_info['n']} samples ({args.per_class} per class, seed {args.seed}).", ""]
    md += accuracy_table(acc) + [""]
    if len(py["by_model"]) > 1:
        md += ["Each model alone and fused:", ""] + by_model_table(py["by_model"]) + [""]
    md += [cmp_line, "", f"Wall time {result['timing_s']['total']:.0f} s. Re-run: `{result['command']}`"]
    (args.out / f"{stem}_python.md").write_text("\n".join(md) + "\n")
    print("\n".join(accuracy_table(acc)))
    print(cmp_line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
