"""Real pens in sequence: each held-out writer's characters written one after another, at the
size the writer drew them, so that the page's size cue has something to go on.

``unipen.py`` fits every sample to the drawing square and clears the page before each one: each
character is read by its shape alone, which is all the page can do with a first character. A
user writes on; the page then compares each letter's height with the characters before it in the
text line (``web/js/sizecue.js``, specification ``handwriting.page.sizecue``). This benchmark replays
the same stratified sample as ``unipen.py`` (same seed and count per class, held-out writers
only), grouped by writer:

- per writer, Clear all, then the writer's sampled characters in a random (seeded) order through
  ``window.handwriting.replay`` (the pointer path after pen-up), each followed by the Space
  button's action (one-character words: the word decoder gets no neighbours, as in unipen.py);
- every character of a writer scaled by one factor, so that the writer's median sampled
  character height becomes ``--median-px`` CSS px, and centred in the drawing square (a
  character then taller or wider than the square is shrunk to fit it; counted);
- read back: the page's top guesses (with the size cue) and, from the same replays, the fused
  probabilities before the size cue (``shapeProbs``: what the page would answer without it).

The two are paired (characters and writers as units, ``benchmarks.stats``). A Python twin (the TF.js
models loaded back, ``handwriting.page.sizecue.SizeCue``, the word decoder) replays the same
sequences; its top guesses must agree with the page's. ``--mode digits`` opens the page in the
123 mode and draws only digits, as ``unipen.py --mode digits``.

    .venv/bin/python -m benchmarks.unipen_sequence
    .venv/bin/python -m benchmarks.unipen_sequence --mode digits

Writes benchmarks/results/unipen_sequence.json and .md (unipen_sequence_<mode>.* with --mode).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks import unipen as U
from benchmarks.stats import CELLS_HEAD, CELLS_RULE, by_writer, cells, compare
from handwriting.page.decoder import DEFAULT_FREE_PENALTY, MODES, decode_word, restrict
from handwriting.page.recognizer import Recognizer
from handwriting.page.sizecue import SizeCue, ink_height, writer_sequences
from handwriting.unipen import is_clean

MEDIAN_PX = 120.0

SEQUENCE_JS = """
async (writers) => {
  const h = window.handwriting;
""" + U.B64_JS + """  const out = [];
  for (const chars of writers) {
    h.app.clearAll();
    const got = [];
    for (const strokes of chars) {
      const r = await h.replay(strokes, 'mouse');
      h.app.space();  // each character a one-character word
      got.push(r === null ? null : {
        top: r.top.map((g) => g.label), p: r.top.map((g) => g.p), text: h.text.trimEnd().slice(-1),
        probs: b64(r.probs), shape: b64(r.shapeProbs), height: r.height, ratio: r.sizeRatio,
      });
    }
    out.push(got);
  }
  h.app.clearAll();
  return out;
}
"""


def writer_order(writers: Sequence[str], seed: int) -> list[list[int]]:
    """Sample indices grouped by writer (writers sorted), each writer's in a seeded random order:
    the order the page receives them (``handwriting.page.sizecue.writer_sequences``)."""
    rng = np.random.default_rng(seed)
    return [[int(i) for i in idx] for idx in writer_sequences(np.asarray(writers), rng)]


def place(strokes: Sequence, k: float, box: tuple[float, float, float] = B.DRAW_BOX
          ) -> tuple[list, bool]:
    """``strokes`` scaled by ``k`` and centred in ``box`` = (x0, y0, side); one that would then be
    larger than the box is fitted to it instead (``unipen.normalise_to_box``). Returns (strokes,
    whether it was shrunk)."""
    x0, y0, side = box
    pts = [p for s in strokes for p in s]
    if not pts:
        return [], False
    xs, ys = [float(p[0]) for p in pts], [float(p[1]) for p in pts]
    if max(max(xs) - min(xs), max(ys) - min(ys)) * k > side:
        return U.normalise_to_box(strokes, box), True
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return [[[round((float(p[0]) - cx) * k + x0 + side / 2, 3),
              round((float(p[1]) - cy) * k + y0 + side / 2, 3)] for p in s]
            for s in strokes if len(s)], False


def usual_height(heights: Sequence[float]) -> float:
    """A writer's usual character height: the median of their positive ink heights (1.0 when
    there is none), the one number each writer's characters are scaled by."""
    return float(np.median([h for h in heights if h > 0] or [1.0]))


def natural_size(samples: Sequence[Sequence], order: list[list[int]], median_px: float = MEDIAN_PX,
                 box: tuple[float, float, float] = B.DRAW_BOX) -> tuple[list, int]:
    """Each sample's strokes on the page at its writer's own relative size: one scale per writer
    (the writer's median ink height -> ``median_px``), centred in ``box`` (``place``). Returns
    (strokes per sample, how many were shrunk to the box)."""
    out: list = [None] * len(samples)
    shrunk = 0
    for idx in order:
        usual = usual_height([ink_height(samples[i]) for i in idx])
        for i in idx:
            out[i], small = place(samples[i], median_px / usual, box)
            shrunk += small
    return out, shrunk


def python_sequence(shape: np.ndarray, valid: np.ndarray, heights: Sequence[float],
                    order: list[list[int]], cue: SizeCue | None, labels: list[str], mode: str,
                    penalty: float) -> tuple[list[str | None], np.ndarray]:
    """The page's answers, replayed in Python: per writer, each character's fused probabilities
    moved by the size cue against the text so far (heights, and the labels the one-character
    words were decoded to), restricted to ``mode``. Returns (top-1 labels, probabilities)."""
    pred: list[str | None] = [None] * len(shape)
    probs = np.array(shape, np.float64)
    for idx in order:
        previous: list[tuple[float, str]] = []
        for i in idx:
            if not valid[i]:
                continue
            p = shape[i]
            if cue is not None:
                p = cue.apply(p, cue.ratio(heights[i], previous))
            p = restrict(p, labels, mode) if mode != "auto" else np.asarray(p, np.float64)
            probs[i] = p
            pred[i] = labels[int(np.argmax(p))]
            previous.append((heights[i], decode_word([p], labels, None, penalty)[0][0]))
    return pred, probs


def replay_writers(query: str, js: str, batches, require: tuple[str, str] | None = None
                   ) -> tuple[list, dict, list]:
    """The page (``web/`` opened with ``?query``) in headless Chromium, ``js`` evaluated on each
    of ``batches`` (its argument: a few writers' characters each, and whatever else ``js``
    takes). Returns the results per writer in order, the environment (backend, Chromium) and the
    page's errors. ``require``: (a JS expression that must hold before replaying, the error
    otherwise)."""
    t = time.perf_counter()
    with B.site(B.WEB, None) as (url, _), B.chromium() as browser:
        page = B.open_app(browser, url, query)
        if require and not page.evaluate(require[0]):
            raise RuntimeError(require[1])
        env = {"backend": page.evaluate("window.handwriting.backend"),
               "chromium": B.browser_version(browser)}
        got: list = []
        for batch in batches:
            got.extend(page.evaluate(js, batch))
            print(f"  ?{query}: {sum(len(g) for g in got)} characters, "
                  f"{time.perf_counter() - t:.0f} s")
        errors = page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
        page.context.close()
    return got, env, errors


def paired_rows(samples: list[dict], right_a: np.ndarray, right_b: np.ndarray) -> list[dict]:
    """Shape alone (A) against the size cue (B): exact, overall and per group, all and clean."""
    writers = np.array([s["writer"] for s in samples])
    clean = np.array([is_clean(s) for s in samples])
    group = np.array([U.GROUPS[s["cat"]] for s in samples])
    rows = []
    for subset, m in (("clean", clean), ("all", np.ones(len(samples), bool))):
        for name in ["overall"] + sorted(set(group), key=list(U.GROUPS.values()).index):
            g = m & ((group == name) if name != "overall" else True)
            if g.sum():
                rows.append({"subset": subset, "group": name, **compare(right_a[g], right_b[g]),
                             "by_writer": by_writer(right_a[g], right_b[g], writers[g])})
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=U.DEFAULT_SEED)
    ap.add_argument("--median-px", type=float, default=MEDIAN_PX,
                    help="a writer's median character height on the page, CSS px")
    ap.add_argument("--mode", choices=MODES, default="auto")
    ap.add_argument("--writers-per-call", type=int, default=4)
    ap.add_argument("--unipen", type=Path, default=U.UNIPEN)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    args = ap.parse_args(argv)
    stem = "unipen_sequence" + ("" if args.mode == "auto" else f"_{args.mode}")
    t_start = time.perf_counter()

    model_dir, info, meta, labels, spec = U.page_model(B.WEB, None)
    if not meta.get("size_cue"):
        raise SystemExit("web/model/metadata.json has no size_cue: run `kedro run` (or the "
                         "modelling node fit_size_cue and the deployment pipeline) first")
    cue = SizeCue(meta["size_cue"], labels)
    penalty = float((meta.get("line_decoder") or {}).get("free_penalty", DEFAULT_FREE_PENALTY))

    rows = U.load_unipen(args.unipen)
    eligible = U.heldout(rows)
    if args.mode != "auto":
        eligible = [e and r["cat"] == U.MODE_CATS[args.mode] for e, r in zip(eligible, rows)]
    chosen = U.stratified_sample([r["label"] for r in rows], args.per_class, args.seed,
                                 eligible=eligible)
    samples = [rows[i] for i in chosen]
    del rows
    true = [s["label"] for s in samples]
    order = writer_order([s["writer"] for s in samples], args.seed)
    strokes, shrunk = natural_size([s["strokes"] for s in samples], order, args.median_px)
    heights = [ink_height(s) for s in strokes]
    print(f"{len(samples)} samples of {len(order)} writers ({shrunk} shrunk to the square)")

    # ---- the page
    query = "nosw" + (f"&mode={args.mode}" if args.mode != "auto" else "")
    t = time.perf_counter()
    per = args.writers_per_call
    got, env, errors = replay_writers(
        query, SEQUENCE_JS,
        [[[strokes[i] for i in idx] for idx in order[s:s + per]] for s in range(0, len(order), per)],
        ("window.handwriting.sizeCue", "the page did not load its size cue"))
    t_page = time.perf_counter() - t
    rep: list = [None] * len(samples)
    for idx, res in zip(order, got):
        for i, r in zip(idx, res):
            if r is not None:
                r["probs"], r["shape"] = U._decode(r["probs"]), U._decode(r["shape"])
            rep[i] = r

    def restricted(p):
        return restrict(p, labels, args.mode) if args.mode != "auto" else p

    pred = [r["top"][0] if r else None for r in rep]
    top3 = [r["top"] if r else [] for r in rep]
    shape_probs = [restricted(r["shape"]) if r else None for r in rep]
    shape_pred = [labels[int(np.argmax(p))] if p is not None else None for p in shape_probs]
    shape_top3 = [[labels[j] for j in np.argsort(-p)[:3]] if p is not None else []
                  for p in shape_probs]
    cued = sum(1 for r in rep if r and r["ratio"] is not None)

    # ---- the Python twin
    t = time.perf_counter()
    read = Recognizer.from_folder(model_dir).read(strokes)
    valid, shape_py = read["valid"], read["shape"]
    py_pred, _ = python_sequence(shape_py, valid, heights, order, cue, labels, args.mode, penalty)
    agree = float(np.mean([a == b for a, b in zip(py_pred, pred)]))
    height_diff = max(abs(r["height"] - h) for r, h in zip(rep, heights) if r)
    t_py = time.perf_counter() - t
    print(f"python twin: top-1 agreement {agree:.5f}, max |d height| {height_diff:.2e}")

    right_b = np.array([p == y for p, y in zip(pred, true)])
    right_a = np.array([p == y for p, y in zip(shape_pred, true)])
    result = {
        "benchmark": "unipen_sequence", "model": info, "browser": env, "mode": args.mode,
        "sample": {"n": len(samples), "per_class": args.per_class, "seed": args.seed,
                   "n_clean": sum(is_clean(s) for s in samples),
                   "writers": len(order), "median_px": args.median_px,
                   "draw_box_css_px": list(B.DRAW_BOX), "shrunk_to_box": shrunk,
                   "with_reference": cued},
        "size_cue": {k: meta["size_cue"][k] for k in ("k", "least", "clip")},
        "accuracy": U.grouped_accuracy(samples, pred, top3),
        "accuracy_shape_only": U.grouped_accuracy(samples, shape_pred, shape_top3),
        "intervals": U.writer_intervals(samples, pred),
        "class_mix": (U.class_mix(samples, pred, meta.get("metrics"), labels)
                      if args.mode == "auto" else None),
        "paired": paired_rows(samples, right_a, right_b),
        "error_kinds": {"clean": U.error_kinds(
            [t for t, s in zip(true, samples) if is_clean(s)],
            [p for p, s in zip(pred, samples) if is_clean(s)]),
            "clean_shape_only": U.error_kinds(
            [t for t, s in zip(true, samples) if is_clean(s)],
            [p for p, s in zip(shape_pred, samples) if is_clean(s)])},
        "python_twin": {"top1_agreement": agree, "height_max_abs_diff": height_diff,
                        "disagreements": [{"id": samples[i]["id"], "true": true[i],
                                           "page": pred[i], "python": py_pred[i]}
                                          for i in range(len(samples))
                                          if py_pred[i] != pred[i]][:50]},
        "page_errors": errors,
        "timing_s": {"page": t_page, "python": t_py, "total": time.perf_counter() - t_start},
        "command": ".venv/bin/python -m benchmarks.unipen_sequence"
                   + ("" if not argv else " " + shlex.join(argv)),
        "samples": {"id": [s["id"] for s in samples], "label": true, "pred": pred,
                    "shape_pred": shape_pred,
                    "ratio": [r["ratio"] if r else None for r in rep]},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(result) + "\n")
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    m, s = r["model"], r["sample"]
    mode = r["mode"]
    pct = U.fmt
    L = ["# UNIPEN in sequence: the page with its size cue"
         + (f", input mode {U.MODE_TITLES[mode]}" if mode != "auto" else ""), "",
         f"Model `{m['model_version']}`, backend `{r['browser']['backend']}` in headless "
         f"{r['browser']['chromium']}. The same {s['n']:,} characters as `unipen"
         f"{'' if mode == 'auto' else '_' + mode}.md` ({s['per_class']} per class, seed "
         f"{s['seed']}, held-out writers; {s['n_clean']:,} clean), now written writer by writer "
         f"({s['writers']} writers): per writer Clear all, then their characters in a random order, "
         "each followed by a space; each writer's characters keep their relative sizes (the "
         f"writer's median character height drawn at {s['median_px']:.0f} CSS px, centred in the "
         f"{s['draw_box_css_px'][2]:.0f} px drawing square; {s['shrunk_to_box']} characters larger "
         "than the square after that were fitted to it). The page compares each character's "
         f"height with up to {r['size_cue']['k']} characters before it (from the "
         f"{r['size_cue']['least'] + 1}th of a writer on: {s['with_reference']:,} characters had a "
         "reference) and multiplies every class's probability by how likely that relative height "
         "is for it (`web/js/sizecue.js`). *Shape alone* is the same replays' fused probabilities before "
         "the size cue: what the page answers for a first character, and what `unipen"
         f"{'' if mode == 'auto' else '_' + mode}.md` measures.", "",
         "## Accuracy with the size cue (replay path)", ""]
    L += U.accuracy_table(r["accuracy"]) + [""]
    iv = r.get("intervals")
    if iv:
        L += ["95% intervals over writers (resampled with all their characters):", ""]
        L += U.interval_table(iv) + [""]
    cm = r.get("class_mix")
    if cm:
        L += ["Against the EMNIST test figure at the same class mix (as in "
              "[unipen.md](unipen.md#against-the-emnist-test-figure-at-the-same-class-mix)):", ""]
        L += U.class_mix_table(cm) + [""]
    L += ["## Shape alone against the size cue, paired", "",
          "A = shape alone, B = with the size cue, exact; only A / only B: characters only that "
          "one reads right; p: McNemar; writers: each writer's characters as one unit "
          "(`benchmarks/stats.py`).", "",
          f"| subset | group | {CELLS_HEAD.format(a='shape alone', b='size cue')} |",
          f"|---|---|{CELLS_RULE}|"]
    L += [f"| {row['subset']} | {row['group']} | {cells(row)} |" for row in r["paired"]]
    L += ["", "Shape alone, for reference:", ""] + U.accuracy_table(r["accuracy_shape_only"]) + [""]
    e, e0 = r["error_kinds"]["clean"], r["error_kinds"]["clean_shape_only"]
    L += ["## What the mistakes are (clean subset)", "",
          "| reading | n | exact | other case | digit ↔ letter | other character | not recognised |",
          "|---|---|---|---|---|---|---|"]
    for name, x in (("shape alone", e0), ("size cue", e)):
        L.append(f"| {name} | {x['n']} | {pct(1 - x['errors'] / x['n'])} | {pct(x['other_case'])} "
                 f"| {pct(x['digit_letter'])} | {pct(x['other_character'])} | "
                 f"{pct(x['not_recognised'])} |")
    q = r["python_twin"]
    t = r["timing_s"]
    L += ["", "## Python twin", "",
          "The same sequences through the TF.js models loaded back, `handwriting.page.sizecue` and the "
          f"word decoder: top-1 agreement with the page **{pct(q['top1_agreement'], 2)}**; largest "
          f"|difference| of the ink heights {q['height_max_abs_diff']:.1e} px. Disagreements: "
          f"{q['disagreements'] or 'none'}.", "",
          "## Run", "",
          f"- wall time {t['total']:.0f} s (page {t['page']:.0f} s, Python twin {t['python']:.0f} s); "
          f"page errors: {r['page_errors'] or 'none'}.",
          f"- re-run: `{r['command']}`"]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
