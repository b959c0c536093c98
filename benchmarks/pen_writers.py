"""More real hands: how the page's each-alone figures grow with the number of pen writers trained on.

The page reads held-out writers' characters with two models, both trained on the other writers'
real pen strokes (the image model on them rendered, the stroke model on their paths). Every
other lever measured left the page within noise of where it is; more pen data is the one that
moved it (``stroke_sizes.md``, rows ``data_quarter`` and ``data_half``). This benchmark asks how
much, counted in writers, since new data would come as new hands: ablation rows
``lite_pen_x2_writers_quarter`` and ``_half`` train both models of the shipped recipe on a
quarter and a half of the training writers' pen data (``preprocessing.unipen.train_writers``:
the same writers for both models; the stroke model's validation writers unchanged), beside the
shipped pair (row ``lite_pen_x2_seeded``). Each pair is read fused, as the page fuses them, on
every held-out writer's clean character (``paired.clean_heldout``):

- weighted as the page benchmark draws them (``sample_draws.inclusion_weights``: the average over
  its 100-per-class draws), with the central 95% over resamples of the writers;
- paired with the shipped pair on the same characters, writer by writer (``paired.by_writer``).

A straight line through the points in log2(writers) then says what each doubling of the
writers bought, and how many times today's writers would reach each target if it went on
rising as it did: an extrapolation from a few single-seed points (the half also with a second
seed, to show how far a seed moves a point), a rough order of
magnitude for deciding whether to collect more pen data, not a measurement.

    .venv/bin/python benchmarks/pen_writers.py

Needs the rows' kept models (``python benchmarks/ablation.py --only ROW``). Writes
benchmarks/results/pen_writers.json, pen_writers.md and pen_writers.png.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import paired as P  # noqa: E402
import sample_draws as S  # noqa: E402
from _project import (  # noqa: E402
    RESULTS,
    labels,
    params,
    unipen_main,
)

# (ablation row, share of the training writers, seed of both models)
ROWS = (("lite_pen_x2_writers_quarter", 0.25, 42), ("lite_pen_x2_writers_half", 0.5, 42),
        ("lite_pen_x2_writers_half_seed", 0.5, 7), ("lite_pen_x2_seeded", 1.0, 42))
SHIPPED = "lite_pen_x2_seeded"
TARGETS = {"exact": 0.80, "case_folded": 0.90, "digits": 0.97}
NAMES = {"exact": "exact", "case_folded": "case-folded", "digits": "digits"}


def writer_counts(strokes: list[dict], conf: dict, share: float) -> dict:
    """How many training writers and pen characters each model learns from at ``share`` of the
    training writers, read through the pipeline's own selection nodes."""
    from handwriting.pipelines.preprocessing.nodes import pen_train_records, stroke_writer_split

    pre = {**conf["preprocessing"],
           "unipen": {**conf["preprocessing"]["unipen"], "train_writers": share}}
    image = pen_train_records(strokes, pre["unipen"])
    train, _ = stroke_writer_split(strokes, pre, conf["stroke_modelling"])
    return {"image_writers": len({r["writer"] for r in image}), "image_characters": len(image),
            "stroke_writers": len({r["writer"] for r in train}), "stroke_characters": len(train)}


def correctness(top: np.ndarray, pen: dict) -> dict:
    """``sample_draws.correctness``'s layout of ``paired.fused_right`` for fused top-1 classes of
    ``clean_heldout``'s (every sample clean): 0/1 per sample and each measure's mask."""
    right = P.fused_right(top, pen)
    every = np.ones(len(pen["y"]), bool)
    return {"exact": right["exact"], "case_folded": right["case-folded"],
            "digits": right["exact"], "mask": {"exact": every, "case_folded": every,
                                               "digits": pen["digits"]}}


def slope_and_reach(points: list[tuple[float, float]], target: float, start: float) -> dict:
    """Least squares of accuracy on log2(writers) through ``points`` (writers, accuracy; a
    writer count may repeat, one point per seed): the gain per doubling, each step's between
    neighbouring writer counts (their points averaged), and the multiple of today's writers at
    which a figure now at ``start`` would reach ``target`` rising at that rate (None when the
    line does not rise; 1 when ``start`` is already there)."""
    x = np.log2([w for w, _ in points])
    slope = float(np.polyfit(x, [a for _, a in points], 1)[0])
    at = sorted({w: np.mean([a for v, a in points if v == w]) for w, _ in points}.items())
    steps = [float((at[i + 1][1] - at[i][1]) / np.log2(at[i + 1][0] / at[i][0]))
             for i in range(len(at) - 1)]
    if start >= target:
        times = 1.0
    elif slope <= 0:
        times = None
    else:
        times = float(2 ** ((target - start) / slope))
    return {"per_doubling": slope, "steps": steps, "start": float(start), "times_writers": times}


def page_figures(results: Path = RESULTS) -> dict | None:
    """The page's own each-alone figures, every held-out character weighted as drawn
    (``sample_draws.json``), or None before that benchmark has run."""
    path = results / "sample_draws.json"
    if not path.is_file():
        return None
    sd = json.loads(path.read_text())
    return {"model": sd["model"].get("model_version"),
            **{k: sd["every_character"][k]["estimate"] for k in TARGETS}}


def measure(unipen: Path, reps: int = 2000) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from handwriting.datasets import StrokesDataset
    from handwriting.unipen import select

    conf, classes = params(), labels()
    for row, _, _ in ROWS:
        for name in ("model.keras", "stroke_model.keras"):
            if not (P.MODELS / row / name).exists():
                raise SystemExit(f"{P.MODELS / row / name} is missing: run "
                                 f"python benchmarks/ablation.py --only {row}")
    strokes = StrokesDataset(filepath=str(unipen)).load()
    pen = P.clean_heldout(strokes, conf, classes)
    held = [r["label"] for r in select(strokes, heldout=True,
                                       fraction=conf["preprocessing"]["unipen"]["heldout_fraction"],
                                       clean_only=False)]
    weights = S.inclusion_weights([classes[c] for c in pen["y"]], 100, population=held)
    weight = float(conf["stroke_modelling"]["fusion_weight"])
    tops, rows = {}, []
    for row, share, seed in ROWS:
        models = tuple(keras.models.load_model(P.MODELS / row / name)
                       for name in ("model.keras", "stroke_model.keras"))
        tops[row] = P.shape_probs(models, pen["x"], pen["paths"], weight).argmax(1)
        right = correctness(tops[row], pen)
        rows.append({"row": row, "share": share, "seed": seed, **writer_counts(strokes, conf, share),
                     "weighted": S.weighted(right, weights, pen["writer"], reps, seed=0),
                     "natural": {k: float(right[k][right["mask"][k]].mean()) for k in TARGETS}})
    base = P.fused_right(tops[SHIPPED], pen)
    for r in rows:
        if r["row"] != SHIPPED:
            mine = P.fused_right(tops[r["row"]], pen)
            who = P.writers_of(list(mine), pen)
            r["against_shipped"] = {
                k: {"difference": float(mine[m].mean() - base[m].mean()),
                    **P.by_writer(base[m], mine[m], who[m])}
                for k, m in (("exact", "exact"), ("case_folded", "case-folded"),
                             ("digits", "digits"))}
    page = page_figures()
    shipped = next(r for r in rows if r["row"] == SHIPPED)["weighted"]
    trend = {k: slope_and_reach([(r["image_writers"], r["weighted"][k]["estimate"]) for r in rows],
                                TARGETS[k], page[k] if page else shipped[k]["estimate"])
             for k in TARGETS}
    return {"benchmark": "pen_writers", "rows": rows, "trend": trend, "targets": TARGETS,
            "page": page,
            "n_clean": int(len(pen["y"])), "writers_heldout": int(len(set(pen["writer"]))),
            "fusion_weight": weight, "source": str(unipen)}


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.6), dpi=110)
    main = [x for x in r["rows"] if x.get("seed", 42) == 42]
    other = [x for x in r["rows"] if x.get("seed", 42) != 42]
    w = [x["image_writers"] for x in main]
    for k, style, colour in (("case_folded", "-o", "C0"), ("digits", "-^", "C2"),
                             ("exact", "-s", "C1")):
        est = [100 * x["weighted"][k]["estimate"] for x in main]
        lo = [100 * x["weighted"][k]["low"] for x in main]
        hi = [100 * x["weighted"][k]["high"] for x in main]
        ax.plot(w, est, style, color=colour, ms=5, label=NAMES[k])
        ax.plot([x["image_writers"] for x in other],
                [100 * x["weighted"][k]["estimate"] for x in other], style[-1], color=colour,
                ms=7, mfc="none", label=f"{NAMES[k]}, another seed" if other else None)
        ax.fill_between(w, lo, hi, color=colour, alpha=0.12)
        ax.axhline(100 * r["targets"][k], color=colour, lw=0.8, ls=":")
    ax.set_xscale("log", base=2)
    ax.set_xticks(w, [str(v) for v in w])
    ax.set_xlabel("training writers whose pen data both models learnt from (log scale)")
    ax.set_ylabel("held-out writers, clean, each alone, as drawn (%)")
    ax.set_title("The page's two models trained on fewer writers' pen data\n"
                 "(shaded: 95% of each level over resamples of the held-out writers; the paired "
                 "differences\nin the table are tighter; dotted: the targets)", fontsize=9)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.13))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(r: dict) -> str:
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    L = ["# More real hands: the page's figures against the writers trained on", "",
         "Each row: both of the shipped recipe's models trained on a share of the training "
         "writers' pen data (the same writers for both; EMNIST unchanged; one seed), fused as the "
         f"page fuses them (stroke weight {r['fusion_weight']:g}), read on all "
         f"{r['n_clean']:,} clean characters of the {r['writers_heldout']} held-out writers, "
         "each alone. *As drawn*: each character weighted by its chance of being in the page "
         "benchmark's 100-per-class draw (`sample_draws.md`), with the central 95% over "
         "resamples of the writers. *Against the shipped pair*: the same characters unweighted, "
         "paired writer by writer (`paired.by_writer`).", "",
         "| row | share of the training writers | seed | writers (image model / stroke model) | pen "
         "characters (image / stroke) | exact, as drawn | case-folded, as drawn | digits, as "
         "drawn | exact against the shipped pair | case-folded against it | digits against it |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for x in r["rows"]:
        w, d = x["weighted"], x.get("against_shipped") or {}

        def diff(k):
            v = d.get(k)
            return "(shipped)" if v is None else (
                f"{100 * v['difference']:+.2f} ({100 * v['low']:+.2f} to {100 * v['high']:+.2f})")

        L.append(f"| `{x['row']}` | {x['share']:g} | {x.get('seed', 42)} | "
                 f"{x['image_writers']} / "
                 f"{x['stroke_writers']} | {x['image_characters']:,} / "
                 f"{x['stroke_characters']:,} | "
                 + " | ".join(f"{pct(w[k]['estimate'])} ({pct(w[k]['low'])} – "
                              f"{pct(w[k]['high'])})" for k in TARGETS)
                 + f" | {diff('exact')} | {diff('case_folded')} | {diff('digits')} |")
    t = r["trend"]

    def reach(k):
        v = t[k]["times_writers"]
        if v is None:
            return "not on this line (it does not rise)"
        if v == 1:
            return "already met"
        if v > 100:
            return "beyond any collection (over 100 times today's writers)"
        more = (v - 1) * today
        return (f"at about {v:.3g} times today's writers (some {more:,.0f} more writers"
                if v < 10 else f"at about {v:.0f} times today's writers (some "
                f"{more:,.0f} more") + " of the image model's kind)"

    today = next(x["image_writers"] for x in r["rows"] if x["row"] == SHIPPED)
    page = r.get("page")
    start = (f"the page's own figures (`sample_draws.md`, the Python twin of the page, model "
             f"`{page['model']}`)" if page else "the shipped pair's figures above")
    L += ["", "The pipeline reads the drawings here as its reporting does (`paired.md`, "
          "`stroke_sizes.md`): rendered from the recorded strokes, not fitted to the page's "
          "drawing square, so its figures sit a little apart from the page's.", "",
          "A straight line in log2(writers) through the rows (as drawn) gives the gain per "
          f"doubling of the writers; rising at that rate from {start}: "
          + "; ".join(f"{NAMES[k]} {100 * t[k]['per_doubling']:+.2f} points per doubling "
                      "(the steps: " + ", ".join(f"{100 * v:+.2f}" for v in t[k]["steps"])
                      + f"), from {100 * t[k]['start']:.2f}% the {100 * r['targets'][k]:.0f}% target "
                      f"{reach(k)}" for k in TARGETS)
          + ". An extrapolation from a few single-seed points (the half with two seeds), beyond "
          "the data: an order of "
          "magnitude for deciding whether to collect pen data, not a promise.", "",
          "![the figures against the writers](pen_writers.png)", "",
          f"Re-run: `{r['command']}` ({r['wall_seconds']:.0f} s on 2 CPU cores, after "
          "`python benchmarks/ablation.py --only lite_pen_x2_writers_quarter "
          "lite_pen_x2_writers_half`, about 20 minutes a row).", ""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    return unipen_main("pen_writers", __doc__, measure, markdown, argv, plot=plot)


if __name__ == "__main__":
    raise SystemExit(main())
