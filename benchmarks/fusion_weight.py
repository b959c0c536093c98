"""The fusion weight: does the page's untuned 1.0 leave accuracy on the table?

The page multiplies the image model's probabilities with the stroke model's raised to a weight w
(``handwriting.page.fusion``; ``stroke_modelling.fusion_weight``, 1.0: two independent experts). The
weight was set before measuring, not tuned. For the top guess only the ratio of the two models'
exponents matters, so this one number is the whole of how the two are combined. This benchmark
reads ``unipen.py``'s own sample (held-out writers, each character alone, clean subset) at a
range of weights, w = 0 being the image model alone, and the stroke model alone as the last row,
and compares every weight with the shipped one writer by writer (``paired.by_writer``: the
interval of the difference over resamples of the writers, and a sign-flip p over writers).

It measures whether any weight is better, not which to ship: picking the best row of this table
would tune the page on the writers every page figure is measured on.

The probabilities are the page's, computed by its Python twin (``unipen.python_predictions``: the
shipped TF.js models loaded back, 100% top-1 agreement with the browser in ``unipen.md``), so no
browser is needed.

    .venv/bin/python benchmarks/fusion_weight.py

Writes benchmarks/results/fusion_weight.json, fusion_weight.md and fusion_weight.png.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import digit_prior as D  # noqa: E402
import paired as P  # noqa: E402
import sample_draws as S  # noqa: E402
import unipen as U  # noqa: E402
from _project import rerun_command, twin_rerun_line, write_results  # noqa: E402

WEIGHTS = (0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3)
MEASURES = ("exact", "case_folded", "digits")


def right_of(samples: list[dict], pred: list[str | None]) -> dict[str, np.ndarray]:
    """Per-sample correctness on the clean subset: ``exact`` and ``case_folded`` over every
    clean sample, ``digits`` over the clean digits (``sample_draws.correctness``, masked);
    ``writers`` of each, in the same order."""
    right = S.correctness(samples, pred)
    who = np.array([s["writer"] for s in samples])
    mask = right["mask"]
    return {**{m: right[m][mask[m]] for m in MEASURES},
            "writers": {m: who[mask[m]] for m in MEASURES}}


def sweep(samples: list[dict], parts: dict, valid: np.ndarray, labels: list[str],
          shipped: float, weights=WEIGHTS) -> list[dict]:
    """One row per weight (and ``stroke alone``): ``digit_prior.measures`` plus, for every measure
    of ``MEASURES``, the paired difference with the ``shipped`` weight over writers."""
    from handwriting.page.fusion import fuse

    def pred(probs):
        return U.top_guesses(probs, valid, labels)[0]

    base = right_of(samples, pred(fuse(parts["image"], parts["stroke"], shipped)))
    rows = []
    for name, probs in [(w, fuse(parts["image"], parts["stroke"], w)) for w in weights] + [
            ("stroke alone", parts["stroke"])]:
        p = pred(probs)
        right = right_of(samples, p)
        row = {"weight": name, **D.measures(samples, p)}
        if name != shipped:
            row["against_shipped"] = {
                m: {"difference": float(right[m].mean() - base[m].mean()),
                    **P.by_writer(base[m], right[m], base["writers"][m])} for m in MEASURES}
        rows.append(row)
    return rows


def verdict(rows: list[dict]) -> dict:
    """The weights whose difference with the shipped one is clear of zero over writers (the
    central 95% interval excludes 0), better or worse, per measure."""
    out = {m: {"better": [], "worse": []} for m in MEASURES}
    for r in rows:
        for m, d in r.get("against_shipped", {}).items():
            if d["low"] > 0:
                out[m]["better"].append(r["weight"])
            elif d["high"] < 0:
                out[m]["worse"].append(r["weight"])
    return out


def plot(rows: list[dict], shipped: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fused = [r for r in rows if r["weight"] != "stroke alone"]
    alone = next(r for r in rows if r["weight"] == "stroke alone")
    w = [r["weight"] for r in fused]
    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=110)
    for key, name, style, colour in (("case_folded", "case-folded", "-o", "C0"),
                                     ("digits", "digits", "-^", "C2"),
                                     ("exact", "exact", "-s", "C1")):
        ax.plot(w, [100 * r[key] for r in fused], style, ms=4, color=colour, label=name)
        ax.axhline(100 * alone[key], color=colour, lw=0.8, ls=":")
    ax.axvline(shipped, color="grey", lw=0.8, ls="--", label=f"shipped weight ({shipped:g})")
    ax.set_xlabel("fusion weight w (image x stroke^w; 0 = image model alone)")
    ax.set_ylabel("held-out writers, clean subset (%)")
    ax.set_title("The page's two models combined at other weights\n"
                 "(dotted: the stroke model alone; each character drawn alone)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = U.twin_arguments(__doc__, argv)
    t0 = time.perf_counter()

    twin = U.twin_on_page_sample(args)
    if twin["stroke"] is None:
        raise SystemExit("the page's model has no stroke model: there is nothing to fuse")
    info, labels, samples = twin["info"], twin["labels"], twin["samples"]
    shipped = float(twin["stroke"][2])
    valid, parts = twin["valid"], twin["parts"]
    table = sweep(samples, parts, valid, labels, shipped)
    result = {
        "benchmark": "fusion_weight",
        "model": info,
        "shipped_weight": shipped,
        "sample": U.twin_sample_info(args, samples, table[0]),
        "sweep": table,
        "clear_of_zero": verdict(table),
        "wall_s": time.perf_counter() - t0,
        "command": rerun_command("fusion_weight.py", argv),
    }
    text = write_results("fusion_weight", result, markdown, args.out,
                         plot=lambda path: plot(table, shipped, path))
    print(text)
    return 0


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _diff(d: dict | None) -> str:
    if d is None:
        return "(shipped)"
    return (f"{100 * d['difference']:+.2f} ({100 * d['low']:+.2f} to {100 * d['high']:+.2f})")


def _reps(r: dict) -> int:
    """How many resamples of the writers the table's intervals used."""
    return next((d["reps"] for row in r["sweep"] for d in row.get("against_shipped", {}).values()),
                0)


def markdown(r: dict) -> str:
    s, m, shipped = r["sample"], r["model"], r["shipped_weight"]
    L = ["# The fusion weight", "",
         f"Model `{m['model_version']}`: the page's image model times its stroke model raised to "
         f"w (shipped: w = {shipped:g}, set before measuring), computed by the page's Python twin "
         "(the shipped TF.js models; each character drawn alone, so no size cue). Sample: "
         f"`unipen.py`'s own ({s['per_class']} per class, seed {s['seed']}, held-out writers), "
         f"its clean subset: {s['n_clean']:,} characters of {s['writers_clean']} writers, "
         f"{s['n_clean_digits']:,} of them digits.", "",
         "w = 0 is the image model alone; the last row is the stroke model alone. Each "
         "difference is with the shipped weight, in points, on the same characters, with the "
         f"central 95% interval over {_reps(r):,} resamples of the writers "
         "(`paired.by_writer`).", "",
         "| w | exact | case-folded | digits | exact, against shipped | case-folded, against "
         "shipped | digits, against shipped |",
         "|---|---:|---:|---:|---:|---:|---:|"]
    for row in r["sweep"]:
        d = row.get("against_shipped") or {}
        name = row["weight"] if isinstance(row["weight"], str) else f"{row['weight']:g}"
        cells = [name, _pct(row["exact"]), _pct(row["case_folded"]), _pct(row["digits"]),
                 *(_diff(d.get(k)) for k in MEASURES)]
        if row["weight"] == shipped:
            cells = [f"**{c}**" for c in cells]
        L.append("| " + " | ".join(cells) + " |")
    clear = r["clear_of_zero"]
    better = {k: v["better"] for k, v in clear.items() if v["better"]}
    L += [""]
    if better:
        L.append("Weights whose gain over the shipped one is clear of zero over writers: "
                 + "; ".join(f"{k.replace('_', '-')}: {', '.join(map(str, v))}"
                             for k, v in better.items()) + ".")
    else:
        L.append(f"No weight reads any of the three measures better than w = {shipped:g} by more "
                 "than these writers can tell apart (no interval of a gain excludes zero).")
    L += ["", "This table is a check, not a tuning: the shipped weight stays whatever it shows, "
          "because choosing the best row here would fit the page to the writers that every page "
          "figure is measured on.", "",
          "![accuracy against the fusion weight](fusion_weight.png)", "",
          twin_rerun_line(r), ""]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
