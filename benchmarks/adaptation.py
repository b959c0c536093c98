"""Learning from picks: how much the page gains when it learns from a user's corrections.

Each writer writes all their characters one after another as one text line (a random order per
writer, seed 42, as the reporting pipeline's ``in_sequence``), and corrects every reading whose
true class is among the three guesses shown by picking it. A character counts as first read,
before its correction. Rows, all in Python with the shipped models (``data/06_models``), the
shipped size cue and ``handwriting.page.adapt`` (the twin of web/js/adapt.js):

- *each alone*: the shape only (what ``unipen.py`` measures on its sample);
- *in sequence*: with the size cue, no picks (``unipen_sequence.py``'s setting);
- *picks, not learnt*: the same, with the user's picks correcting the text (which the size cue then
  reads), and the page learning nothing (beta 0, or the page's ``?adapt=off``);
- *picks, learnt*: the page as shipped (``parameters_deployment.yml``'s ``adaptation``).

The grid that chose tau and beta runs on the training writers' clean characters (never the
held-out ones), without the size cue: characters the models were trained on, so their readings
are more often right than a new writer's, but the choice only needs the grid's shape.

    python benchmarks/adaptation.py

Writes benchmarks/results/adaptation.json and adaptation.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import REPO, by_position, labels, params, unipen_main  # noqa: E402
from paired import (  # noqa: E402
    CELLS_HEAD,
    CELLS_RULE,
    cells,
    clean_heldout,
    fused_right,
    paired_measures,
    pipeline_models,
    shape_probs,
    writers_of,
)

SEED = 42
TAUS = (0.2, 0.3, 0.5, 0.7, 1.0)
BETAS = (0.5, 1.0, 2.0, 3.0)
PARTS = ((0, 25), (25, 50), (50, 100), (100, 200), (200, None))


def shipped() -> dict:
    conf = yaml.safe_load((REPO / "conf" / "base" / "parameters_deployment.yml").read_text())
    return conf["adaptation"]


def grid(p: np.ndarray, y: np.ndarray, writers: np.ndarray, fold: np.ndarray,
         classes: list[str], capacity: int) -> list[dict]:
    from handwriting.page.adapt import with_corrections
    from handwriting.page.sizecue import writer_sequences

    order = writer_sequences(writers, np.random.default_rng(SEED))
    rows = []
    for tau in TAUS:
        for beta in BETAS:
            first, fixed = with_corrections(p, order, {"tau": tau, "beta": beta,
                                                       "capacity": capacity}, y, classes)
            top = first.argmax(1)
            rows.append({"tau": tau, "beta": beta, "exact": float((top == y).mean()),
                         "case-folded": float((fold[top] == fold[y]).mean()),
                         "picks": float(fixed.mean())})
    return rows


def measure(unipen: Path) -> dict:
    from handwriting.page.adapt import with_corrections
    from handwriting.datasets import StrokesDataset
    from handwriting.page.sizecue import SizeCue, writer_sequences

    conf, classes = params(), labels()
    weight = float(conf["stroke_modelling"]["fusion_weight"])
    cfg = shipped()
    strokes = StrokesDataset(filepath=str(unipen)).load()

    train = clean_heldout(strokes, conf, classes, heldout=False)  # the training writers'
    pen = clean_heldout(strokes, conf, classes)
    fold = pen["fold"]
    models = pipeline_models()
    p_train = shape_probs(models, train["x"], train["paths"], weight)
    base_train = p_train.argmax(1)
    tuning = {"characters": int(len(train["y"])), "writers": int(len(np.unique(train["writer"]))),
              "without": {"exact": float((base_train == train["y"]).mean()),
                          "case-folded": float((fold[base_train] == fold[train["y"]]).mean())},
              "grid": grid(p_train, train["y"], train["writer"], fold, classes, cfg["capacity"])}

    p = shape_probs(models, pen["x"], pen["paths"], weight)
    y = pen["y"]
    cue = SizeCue(json.loads((REPO / "data" / "06_models" / "size_cue.json").read_text()), classes)
    order = writer_sequences(pen["writer"], np.random.default_rng(SEED))
    rows = {"each alone": (p, None),
            "in sequence": (cue.in_sequence(p, pen["height"], order), None)}
    rows["picks, not learnt"] = with_corrections(p, order, {**cfg, "beta": 0.0}, y, classes,
                                                 cue, pen["height"])
    rows["picks, learnt (page)"] = with_corrections(p, order, cfg, y, classes, cue,
                                                    pen["height"])
    def summary(probs, fixed):
        top = probs.argmax(1)
        right = fused_right(top, pen)
        out = {m: float(v.mean()) for m, v in right.items()}
        for group, test in (("uppercase", str.isupper), ("lowercase", str.islower)):
            mask = np.array([test(classes[c]) for c in y])
            out[group] = float((top == y)[mask].mean())
        top3 = np.argsort(-probs, axis=1)[:, :3]
        out["top-3"] = float((top3 == y[:, None]).any(1).mean())
        if fixed is not None:
            out["picks"] = float(fixed.mean())
            out["not correctable"] = float(((top != y) & ~fixed).mean())
        out["by position"] = by_position(top == y, order, PARTS)
        return out

    who = writers_of(["exact", "case-folded", "digits"], pen)
    right = {name: fused_right(probs.argmax(1), pen) for name, (probs, _) in rows.items()}
    return {
        "adaptation": cfg, "seed": SEED, "characters": int(len(y)),
        "writers": int(len(np.unique(pen["writer"]))),
        "characters per writer": [int(min(len(i) for i in order)),
                                  int(np.median([len(i) for i in order])),
                                  int(max(len(i) for i in order))],
        "rows": {name: summary(probs, fixed) for name, (probs, fixed) in rows.items()},
        "paired": {
            "learnt vs not learnt": paired_measures(right["picks, not learnt"],
                                                    right["picks, learnt (page)"], who),
            "learnt vs in sequence": paired_measures(right["in sequence"],
                                                     right["picks, learnt (page)"], who)},
        "tuning": tuning,
    }


def markdown(r: dict) -> str:
    pct = lambda v: "–" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    cfg = r["adaptation"]
    lo, med, hi = r["characters per writer"]
    L = ["# Learning from picks: the page learns a writer's hand from their corrections", "",
         f"Every held-out writer's clean UNIPEN character ({r['characters']:,}, {r['writers']} "
         f"writers, {lo} to {hi} each, median {med}), written writer by writer in a random order "
         f"(seed {r['seed']}) as one text line. The user picks the right guess whenever it is "
         "among the three shown; each character counts as first read, before its pick. Python "
         "twin of the page (`handwriting.page.adapt`, the twin of `web/js/adapt.js`, with the "
         "shipped models and size cue); shipped settings: tau "
         f"{cfg['tau']}, beta {cfg['beta']}, capacity {cfg['capacity']}. Re-run: "
         "`.venv/bin/python benchmarks/adaptation.py`.", "",
         "| reading | exact | case-folded | digits | uppercase | lowercase | top-3 | picks per "
         "100 characters | wrong, truth not among the guesses |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in r["rows"].items():
        picks = f"{100 * s['picks']:.1f}" if "picks" in s else "–"
        stuck = pct(s["not correctable"]) if "not correctable" in s else "–"
        L.append(f"| {name} | {pct(s['exact'])} | {pct(s['case-folded'])} | {pct(s['digits'])} | "
                 f"{pct(s['uppercase'])} | {pct(s['lowercase'])} | {pct(s['top-3'])} | {picks} | "
                 f"{stuck} |")
    L += ["", "*each alone*: the shape only. *in sequence*: the size cue against the line's "
          "earlier characters, as the page does, no picks. *picks, not learnt*: the user's picks "
          "correct the text (the size cue reads the corrected labels), the page learns nothing "
          "(`?adapt=off`). *picks, learnt*: the page.", "",
          "## Over a writer's line", "",
          "Exact accuracy by how many characters the writer had written before (the page learns "
          "only from what it was told, so the first characters gain nothing).", "",
          "| reading | " + " | ".join(f"characters {a + 1}–{b}" if b else f"{a + 1} on"
                                      for a, b in PARTS) + " |",
          "|---|" + "---:|" * len(PARTS)]
    for name, s in r["rows"].items():
        L.append(f"| {name} | " + " | ".join(pct(v) for v in s["by position"]) + " |")
    for title, rows in r["paired"].items():
        a, b = title.split(" vs ")[1], title.split(" vs ")[0]
        L += ["", f"## Paired: {title}", "",
              f"A = {a}, B = {b}; the same characters in the same order. p: exact McNemar test "
              "over characters; the interval and p over writers: resampling whole writers.", "",
              f"| measure | {CELLS_HEAD.format(a='A', b='B')} |", f"|---|{CELLS_RULE}|"]
        L += [f"| {m['measure']} | {cells(m)} |" for m in rows]
    t = r["tuning"]
    L += ["", "## How tau and beta were chosen: the training writers", "",
          f"The same simulation without the size cue on the training writers' clean characters "
          f"({t['characters']:,}, {t['writers']} writers; the models were trained on them, so "
          f"they read {pct(t['without']['exact'])} exact and {pct(t['without']['case-folded'])} "
          "case-folded before any pick). Held-out writers never entered the choice.", "",
          "| tau | beta | exact | case-folded | picks per 100 characters |",
          "|---:|---:|---:|---:|---:|"]
    for g in t["grid"]:
        mark = "**" if (g["tau"], g["beta"]) == (cfg["tau"], cfg["beta"]) else ""
        L.append(f"| {mark}{g['tau']}{mark} | {mark}{g['beta']}{mark} | {pct(g['exact'])} | "
                 f"{pct(g['case-folded'])} | {100 * g['picks']:.1f} |")
    L += ["", f"Wall time {r.get('wall_seconds', 0):.0f} s on 2 CPU cores."]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    return unipen_main("adaptation", __doc__, measure, markdown, argv)


if __name__ == "__main__":
    raise SystemExit(main())
