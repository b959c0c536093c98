"""The class prior: would the page read characters drawn alone better with the image model's
training prior divided out?

The image model learnt from a class mix that is not the page benchmark's: EMNIST byclass (about
half digits) plus the training writers' pen strokes, with class weights softened to power 0.5.
Its effective prior is each class's training count times its class weight (the catalog's
``train_set`` and ``class_weights``); the stroke model's weights are balanced, so its prior is
even. The page benchmark draws every class equally. Dividing the page's fused probabilities by
the image model's prior raised to tau gives, at tau = 1, the top guess for an even prior if the
models' probabilities were calibrated; tau = 0 is the page. tau = 1 was set before measuring;
the other values show the shape.

Each tau is read on ``unipen.py``'s own sample (held-out writers, each character alone, clean
subset) and paired with tau = 0 writer by writer (``paired.by_writer``), and on every held-out
character weighted by its chance of being drawn (``sample_draws``: the average over all draws),
by the page's Python twin (``unipen.twin_on_page_sample``), so no browser is needed. A check of
one principled correction, not a tuning.

    .venv/bin/python benchmarks/class_prior.py

Writes benchmarks/results/class_prior.json and class_prior.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import digit_prior as D  # noqa: E402
import fusion_weight as F  # noqa: E402
import paired as P  # noqa: E402
import sample_draws as S  # noqa: E402
import unipen as U  # noqa: E402
from _project import REPO, rerun_command, twin_rerun_line, write_results  # noqa: E402

TAUS = (0, 0.25, 0.5, 1, 1.5)
SET_BEFORE = 1
MODEL_INPUT = REPO / "data" / "05_model_input"


def training_prior(y: np.ndarray, class_weights: dict[str, float], num_classes: int
                   ) -> np.ndarray:
    """The effective class prior of training on labels ``y`` with per-class loss weights
    ``class_weights`` (keys: class indices as strings): count times weight, normalised."""
    counts = np.bincount(np.asarray(y), minlength=num_classes).astype(float)
    w = np.array([class_weights.get(str(c), 1.0) for c in range(num_classes)])
    prior = counts * w
    if not (prior > 0).all():
        raise ValueError("every class needs training samples for a prior to divide out")
    return prior / prior.sum()


def without_prior(probs: np.ndarray, prior: np.ndarray, tau: float) -> np.ndarray:
    """``probs`` divided by ``prior`` ** ``tau``, rows renormalised."""
    return D.rescale(probs, np.asarray(prior, np.float64) ** -float(tau))


def sweep(samples: list[dict], probs: np.ndarray, valid: np.ndarray, labels: list[str],
          prior: np.ndarray, drawn: np.ndarray, weights: np.ndarray, reps: int,
          taus=TAUS) -> list[dict]:
    """One row per tau: on the samples at positions ``drawn`` (the page sample) ``digit_prior.
    measures`` and the paired difference with tau 0 over writers; on all ``samples``, each
    weighted by ``weights``, ``sample_draws.weighted``."""
    drawn = np.asarray(drawn, dtype=int)
    page = [samples[i] for i in drawn]
    writers = np.array([s["writer"] for s in samples])
    base = None
    rows = []
    for tau in taus:
        pred = U.top_guesses(without_prior(probs, prior, tau), valid, labels)[0]
        on_page = [pred[i] for i in drawn]
        right = F.right_of(page, on_page)
        row = {"tau": float(tau), **D.measures(page, on_page),
               "every_character": S.weighted(S.correctness(samples, pred), weights, writers,
                                             reps, seed=0)}
        if base is None:
            base = right
        else:
            row["against_page"] = {
                m: {"difference": float(right[m].mean() - base[m].mean()),
                    **P.by_writer(base[m], right[m], base["writers"][m])}
                for m in F.MEASURES}
        rows.append(row)
    return rows


def verdict(rows: list[dict]) -> str:
    """One sentence: whether any tau reads the page sample better than the page, clear of the
    writers' noise (an interval of a gain above zero)."""
    better = [f"tau {x['tau']:g} ({m.replace('_', '-')})" for x in rows
              for m, d in (x.get("against_page") or {}).items() if d["low"] > 0]
    worse = [f"tau {x['tau']:g} ({m.replace('_', '-')})" for x in rows
             for m, d in (x.get("against_page") or {}).items() if d["high"] < 0]
    if better:
        return "better than the page, clear of the writers' noise: " + ", ".join(better) + "."
    return ("no tau reads any measure better than the page by more than the writers can tell "
            "apart" + (f"; worse: {', '.join(worse)}" if worse else "") + ". The page keeps "
            "its probabilities as the models give them.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = U.twin_arguments(__doc__, argv, extra=lambda ap: ap.add_argument(
        "--model-input", type=Path, default=MODEL_INPUT,
        help="the catalog's train_set.npz and class_weights.json of the shipped model's run"))
    t0 = time.perf_counter()
    twin = U.twin_on_page_sample(argparse.Namespace(**{**vars(args), "per_class": S.EVERY}))
    info, labels, samples = twin["info"], twin["labels"], twin["samples"]
    prior = training_prior(np.load(args.model_input / "train_set.npz")["y"],
                           json.loads((args.model_input / "class_weights.json").read_text()),
                           len(labels))
    true = [s["label"] for s in samples]
    drawn = U.stratified_sample(true, args.per_class, args.seed)
    table = sweep(samples, twin["probs"], twin["valid"], labels, prior, drawn,
                  S.inclusion_weights(true, args.per_class), reps=2000)
    digit = np.array([lab.isdigit() for lab in labels])
    upper = np.array([lab.isupper() for lab in labels])
    result = {
        "benchmark": "class_prior",
        "model": info,
        "sample": U.twin_sample_info(args, [samples[i] for i in drawn], table[0]),
        "prior": {"digits": float(prior[digit].sum()), "uppercase": float(prior[upper].sum()),
                  "lowercase": float(prior[~digit & ~upper].sum()),
                  "max_over_min": float(prior.max() / prior.min()),
                  "source": _shown(args.model_input)},
        "set_before_measuring": SET_BEFORE,
        "sweep": table,
        "wall_s": time.perf_counter() - t0,
        "command": rerun_command("class_prior.py", argv),
    }
    text = write_results("class_prior", result, markdown, args.out)
    print(text)
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (the table names no machine)."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def _diff(d: dict | None) -> str:
    return "(the page)" if d is None else F._diff(d)


def markdown(r: dict) -> str:
    s, m, p = r["sample"], r["model"], r["prior"]
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    L = ["# The image model's training prior, divided out", "",
         f"Model `{m['model_version']}`. The image model's effective training prior (training "
         f"count times class weight, `{p['source']}`): digits {pct(p['digits'])}, uppercase "
         f"{pct(p['uppercase'])}, lowercase {pct(p['lowercase'])} of the mass (an even prior: "
         f"16.13%, 41.94%, 41.94%); its largest class share is {p['max_over_min']:.1f} times its "
         "smallest. Each row divides the page's fused probabilities by that prior to the power "
         f"tau (tau = {r['set_before_measuring']:g} set before measuring: the even prior the "
         "page benchmark draws; 0 is the page).", "",
         f"*Page sample*: `unipen.py`'s own ({s['per_class']} per class, seed {s['seed']}), its "
         f"clean subset ({s['n_clean']:,} characters of {s['writers_clean']} writers, "
         f"{s['n_clean_digits']:,} digits), each difference with tau = 0 over writers. *Every "
         "character*: all held-out characters, each weighted by its chance of being drawn "
         "(`sample_draws.md`).", "",
         "| tau | page sample: exact | case-folded | digits | exact against the page | "
         "case-folded against the page | every character: exact | case-folded | digits |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in r["sweep"]:
        d, e = row.get("against_page") or {}, row["every_character"]
        L.append(f"| {row['tau']:g} | {pct(row['exact'])} | {pct(row['case_folded'])} | "
                 f"{pct(row['digits'])} | {_diff(d.get('exact'))} | "
                 f"{_diff(d.get('case_folded'))} | {pct(e['exact']['estimate'])} | "
                 f"{pct(e['case_folded']['estimate'])} | {pct(e['digits']['estimate'])} |")
    base = r["sweep"][0]["every_character"]
    at = next(x for x in r["sweep"] if x["tau"] == r["set_before_measuring"])["every_character"]
    gain = {k: 100 * (at[k]["estimate"] - base[k]["estimate"])
            for k in ("exact", "case_folded", "digits")}
    L += ["", f"At tau = {r['set_before_measuring']:g}, every character: exact "
          f"{gain['exact']:+.2f} points, case-folded {gain['case_folded']:+.2f}, digits "
          f"{gain['digits']:+.2f}"
          " against the page. Differences: points, central 95% over resamples of the writers "
          "(`paired.by_writer`).", "",
          "Reading: " + verdict(r["sweep"]), "",
          twin_rerun_line(r, "the shipped model's `kedro run` outputs in "
                          "`data/05_model_input`"), ""]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
