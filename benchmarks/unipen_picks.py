"""Real pens with picks: the page learning each writer's hand from their corrections.

The same writers, characters, order and sizes as ``unipen_sequence.py`` (the stratified sample of
``unipen.py``, held-out writers only, written writer by writer at their relative sizes, each
character a one-character word), now with a user who corrects: whenever the true character is
among the three guesses shown but not the first, they pick it (``window.handwriting.pick``, what
a click or the keys 1-3 do). Each writer is a new user: Clear all, and the page's memory of picks
emptied. Two passes through the page:

- B: the page as shipped, learning from the picks (``web/js/adapt.js``);
- A: the same page with ``?adapt=off``: the picks correct the text (and the size cue reads the
  corrected text) but teach it nothing.

Each character counts as first read (its top guess before any pick of its own). A Python twin
(the TF.js models loaded back, ``handwriting.page.adapt.with_corrections`` with the size cue)
replays B; its first readings must agree with the page's.

    .venv/bin/python -m benchmarks.unipen_picks

Writes benchmarks/results/unipen_picks.json and .md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks import unipen as U
from benchmarks import unipen_sequence as S
from benchmarks.stats import CELLS_HEAD, CELLS_RULE, by_position, cells
from handwriting.page.adapt import with_corrections
from handwriting.page.recognizer import Recognizer
from handwriting.page.sizecue import SizeCue, ink_height
from handwriting.unipen import is_clean

PARTS = ((0, 25), (25, 50), (50, None))

PICKS_JS = """
async ([writers, truths]) => {
  const h = window.handwriting;
""" + U.B64_JS + """  const out = [];
  for (let w = 0; w < writers.length; w++) {
    h.app.clearAll();
    if (h.app.recognizer.adaptation) h.app.recognizer.adaptation.clear();  // a new user
    const got = [];
    for (let c = 0; c < writers[w].length; c++) {
      const r = await h.replay(writers[w][c], 'mouse');
      let picked = null;
      if (r !== null) {
        const i = r.top.findIndex((g) => g.label === truths[w][c]);
        if (i > 0) { h.pick(i); picked = i; }
      }
      got.push(r === null ? null : {
        top: r.top.map((g) => g.label), picked, text: h.text.slice(-1),
        shape: b64(r.shapeProbs), ratio: r.sizeRatio, remembered: h.corrections,
      });
      h.app.space();  // each character a one-character word
    }
    out.push(got);
  }
  h.app.clearAll();
  return out;
}
"""


def run_page(url_query: str, order, strokes, true, per_call: int,
             require: tuple[str, str] | None = None) -> tuple[list, dict, list]:
    """One pass of the user (``PICKS_JS``) through the page opened with ``?url_query``; each
    sample's result (shape probabilities decoded), the environment and the page's errors."""
    batches = [[[[strokes[i] for i in idx] for idx in order[s:s + per_call]],
                [[true[i] for i in idx] for idx in order[s:s + per_call]]]
               for s in range(0, len(order), per_call)]
    got, env, errors = S.replay_writers(url_query, PICKS_JS, batches, require)
    rep: list = [None] * len(strokes)
    for idx, res in zip(order, got):
        for i, r in zip(idx, res):
            if r is not None:
                r["shape"] = U._decode(r["shape"])
            rep[i] = r
    return rep, env, errors


def summary(samples, rep, true) -> dict:
    pred = [r["top"][0] if r else None for r in rep]
    top3 = [r["top"] if r else [] for r in rep]
    picked = np.array([bool(r and r["picked"] is not None) for r in rep])
    wrong = np.array([p != y for p, y in zip(pred, true)])
    clean = np.array([is_clean(s) for s in samples])
    return {"accuracy": U.grouped_accuracy(samples, pred, top3),
            "intervals": U.writer_intervals(samples, pred),
            "picks": {"all": float(picked.mean()), "clean": float(picked[clean].mean())},
            "stuck": {"all": float((wrong & ~picked).mean()),
                      "clean": float((wrong & ~picked)[clean].mean())},
            "pred": pred}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=U.DEFAULT_SEED)
    ap.add_argument("--median-px", type=float, default=S.MEDIAN_PX)
    ap.add_argument("--writers-per-call", type=int, default=4)
    ap.add_argument("--unipen", type=Path, default=U.UNIPEN)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    args = ap.parse_args(argv)
    t_start = time.perf_counter()

    model_dir, info, meta, labels, spec = U.page_model(B.WEB, None)
    if not meta.get("adaptation") or not meta.get("size_cue"):
        raise SystemExit("web/model/metadata.json has no adaptation or size_cue: run `kedro run` "
                         "(or the deployment pipeline) first")
    rows = U.load_unipen(args.unipen)
    chosen = U.stratified_sample([r["label"] for r in rows], args.per_class, args.seed,
                                 eligible=U.heldout(rows))
    samples = [rows[i] for i in chosen]
    del rows
    true = [s["label"] for s in samples]
    order = S.writer_order([s["writer"] for s in samples], args.seed)
    strokes, shrunk = S.natural_size([s["strokes"] for s in samples], order, args.median_px)
    heights = [ink_height(s) for s in strokes]
    print(f"{len(samples)} samples of {len(order)} writers")

    t = time.perf_counter()
    learnt, env, errors = run_page("nosw", order, strokes, true, args.writers_per_call,
                                   ("window.handwriting.corrections !== null",
                                    "the page did not load its adaptation"))
    plain, env_off, errors_off = run_page("nosw&adapt=off", order, strokes, true,
                                          args.writers_per_call)
    t_page = time.perf_counter() - t

    # ---- the Python twin of B
    t = time.perf_counter()
    read = Recognizer.from_folder(model_dir).read(strokes)
    valid, shape_py = read["valid"], read["shape"]
    index = {c: i for i, c in enumerate(labels)}
    y = np.array([index[c] for c in true])
    first, _ = with_corrections(np.asarray(shape_py, np.float64),
                                [[i for i in idx if valid[i]] for idx in order],
                                meta["adaptation"], y, labels, SizeCue(meta["size_cue"], labels),
                                np.asarray(heights))
    py_pred = [labels[int(np.argmax(first[i]))] if valid[i] else None for i in range(len(y))]
    b, a = summary(samples, learnt, true), summary(samples, plain, true)
    agree = float(np.mean([p == q for p, q in zip(py_pred, b["pred"])]))
    t_py = time.perf_counter() - t
    print(f"python twin: first-reading agreement {agree:.5f}")

    clean = np.array([is_clean(s) for s in samples])
    right_a = np.array([p == q for p, q in zip(a["pred"], true)])
    right_b = np.array([p == q for p, q in zip(b["pred"], true)])
    curve = {"adapt=off": by_position(right_a, order, PARTS, clean),
             "page": by_position(right_b, order, PARTS, clean)}
    sizes = [len(i) for i in order]
    result = {
        "benchmark": "unipen_picks", "model": info, "browser": env,
        "adaptation": meta["adaptation"],
        "sample": {"n": len(samples), "per_class": args.per_class, "seed": args.seed,
                   "n_clean": int(clean.sum()), "writers": len(order),
                   "median_px": args.median_px, "shrunk_to_box": shrunk,
                   "per_writer": [min(sizes), int(np.median(sizes)), max(sizes)]},
        **{k: v for k, v in b.items() if k != "pred"},  # the page: accuracy, intervals, picks
        "adapt_off": {k: v for k, v in a.items() if k != "pred"},
        "paired": S.paired_rows(samples, right_a, right_b),
        "by_position": {"parts": [list(p) for p in PARTS], **curve},
        "python_twin": {"top1_agreement": agree,
                        "disagreements": [
                            {"id": samples[i]["id"], "true": true[i], "page": b["pred"][i],
                             "python": py_pred[i]}
                            for i in range(len(y)) if py_pred[i] != b["pred"][i]][:50]},
        "page_errors": errors + errors_off,
        "timing_s": {"page": t_page, "python": t_py, "total": time.perf_counter() - t_start},
        "command": ".venv/bin/python -m benchmarks.unipen_picks"
                   + ("" if not argv else " " + shlex.join(argv)),
        "samples": {"id": [s["id"] for s in samples], "label": true, "page": b["pred"],
                    "adapt_off": a["pred"]},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    (args.out / "unipen_picks.json").write_text(text + "\n")
    (args.out / "unipen_picks.md").write_text(markdown(result) + "\n")
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    m, s = r["model"], r["sample"]
    pct = U.fmt
    lo, med, hi = s["per_writer"]
    cfg = r["adaptation"]
    L = ["# UNIPEN with picks: the page learns each writer's hand", "",
         f"Model `{m['model_version']}`, backend `{r['browser']['backend']}` in headless "
         f"{r['browser']['chromium']}. The same {s['n']:,} characters, writers ({s['writers']}, "
         f"{lo} to {hi} characters each, median {med}), order and sizes as "
         "[unipen_sequence.md](unipen_sequence.md) (held-out writers; "
         f"{s['n_clean']:,} clean), each character a one-character word. The user corrects: "
         "whenever the true character is among the three guesses shown but not the first, they "
         "pick it. Each writer is a new user (Clear all, memory of picks emptied). Every "
         "character counts as **first read**, before its own pick. *page*: as shipped, learning "
         f"from the picks (`web/js/adapt.js`; tau {cfg['tau']}, beta {cfg['beta']}); "
         "*adapt=off*: the same picks correct the text (which the size cue reads) and teach the "
         "page nothing.", "",
         "## Accuracy, first reading (the page, learning from picks)", ""]
    L += U.accuracy_table(r["accuracy"]) + [""]
    L += ["95% intervals over writers (resampled with all their characters):", ""]
    L += U.interval_table(r["intervals"]) + [""]
    L += ["## With ?adapt=off, for reference", ""] + U.accuracy_table(r["adapt_off"]["accuracy"])
    L += ["", "## Picks", "",
          "| reading | picks per 100 characters, clean | all | wrong with the truth not among "
          "the guesses, clean | all |", "|---|---:|---:|---:|---:|"]
    for name, x in (("adapt=off", r["adapt_off"]), ("page", r)):
        L.append(f"| {name} | {100 * x['picks']['clean']:.1f} | {100 * x['picks']['all']:.1f} | "
                 f"{pct(x['stuck']['clean'])} | {pct(x['stuck']['all'])} |")
    parts = r["by_position"]["parts"]
    L += ["", "## Over a writer's characters (clean, exact)", "",
          "| reading | " + " | ".join(f"characters {a + 1}–{b}" if b else f"{a + 1} on"
                                      for a, b in parts) + " |",
          "|---|" + "---:|" * len(parts)]
    for name in ("adapt=off", "page"):
        L.append(f"| {name} | " + " | ".join(pct(v) for v in r["by_position"][name]) + " |")
    L += ["", "## Learning against not learning, paired", "",
          "A = adapt=off, B = the page, exact first readings; only A / only B: characters only "
          "that one reads right; p: McNemar; writers: each writer's characters as one unit "
          "(`benchmarks/stats.py`).", "",
          f"| subset | group | {CELLS_HEAD.format(a='adapt=off', b='page')} |",
          f"|---|---|{CELLS_RULE}|"]
    L += [f"| {row['subset']} | {row['group']} | {cells(row)} |" for row in r["paired"]]
    q, t = r["python_twin"], r["timing_s"]
    L += ["", "## Python twin", "",
          "The same sequences through the TF.js models loaded back, the size cue and "
          "`handwriting.page.adapt.with_corrections`: first-reading agreement with the page "
          f"**{pct(q['top1_agreement'], 2)}**. Disagreements: {q['disagreements'] or 'none'}.", "",
          "## Run", "",
          f"- wall time {t['total']:.0f} s (page, both passes, {t['page']:.0f} s; Python twin "
          f"{t['python']:.0f} s); page errors: {r['page_errors'] or 'none'}.",
          f"- re-run: `{r['command']}`"]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
