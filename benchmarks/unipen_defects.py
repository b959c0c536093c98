"""Incomplete ink in UNIPEN: characters recorded as one straight stroke.

An H, a T, an E, a 4 or an X cannot be written as a single straight line, yet some UNIPEN
recordings are exactly that: one stroke of a multi-stroke character, the others lost in
segmentation. The README's clean subset excludes eight noisy contributors, not these. This
counts them (a single stroke whose points all lie within ``--tolerance`` of its chord's length
from the chord, for any class but 1, l, I and i, which one straight stroke can draw), per
contributor and in the page benchmark's clean sample, and reads what the page made of them from
``unipen.json`` (run ``benchmarks/unipen.py`` first). Nothing is excluded from any benchmark:
this says how much of the remaining error is ink no reader could recognise.

    .venv/bin/python benchmarks/unipen_defects.py

Writes benchmarks/results/unipen_defects.json, .md and unipen_defects.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import unipen as U  # noqa: E402
from _project import RESULTS, UNIPEN  # noqa: E402

ONE_STROKE_CLASSES = set("1lIi")  # characters one straight stroke can be
TOLERANCE = 0.08


def one_straight_stroke(strokes, tolerance: float = TOLERANCE) -> bool:
    """Whether a drawing is a single stroke lying within ``tolerance`` x its chord's length of
    the chord (its first to last point); a stroke that ends where it began is not straight."""
    if len(strokes) != 1 or len(strokes[0]) < 2:
        return False
    pts = np.asarray(strokes[0], dtype=np.float64)[:, :2]
    chord = pts[-1] - pts[0]
    length = float(np.hypot(*chord))
    if length == 0:
        return False
    rel = pts - pts[0]
    off = np.abs(chord[0] * rel[:, 1] - chord[1] * rel[:, 0]) / length
    return bool(off.max() <= tolerance * length)


def incomplete(record: dict, tolerance: float = TOLERANCE) -> bool:
    """A character one straight stroke cannot draw, recorded as one straight stroke."""
    return record["label"] not in ONE_STROKE_CLASSES and one_straight_stroke(record["strokes"],
                                                                             tolerance)


def measure(rows: list[dict], page: dict, tolerance: float) -> dict:
    flagged = [incomplete(r, tolerance) for r in rows]
    by_contrib: dict[str, list[int]] = {}
    for r, f in zip(rows, flagged):
        c = by_contrib.setdefault(r["contrib"], [0, 0])
        c[0] += 1
        c[1] += f
    heldout = U.heldout(rows)
    clean_held = [h and U.is_clean(r["contrib"]) for h, r in zip(heldout, rows)]
    out = {"tolerance": tolerance, "characters": len(rows), "flagged": int(sum(flagged)),
           "by_contributor": {c: {"characters": n, "flagged": k, "clean": U.is_clean(c)}
                              for c, (n, k) in sorted(by_contrib.items())},
           "heldout_clean": {"characters": int(sum(clean_held)),
                             "flagged": int(sum(f for f, h in zip(flagged, clean_held) if h))},
           "labels": dict(Counter(r["label"] for r, f in zip(rows, flagged) if f).most_common())}
    if page:
        by_id = {r["id"]: (r, f) for r, f in zip(rows, flagged)}
        s = page["samples"]
        clean = [U.is_clean(by_id[i][0]["contrib"]) for i in s["id"]]
        flag = [by_id[i][1] for i in s["id"]]
        right = [p == t for p, t in zip(s["pred"], s["label"])]
        fold = [U.fold(p) == U.fold(t) if p else False
                for p, t in zip(s["pred"], s["label"])]
        n = sum(clean)
        bad = sum(c and f for c, f in zip(clean, flag))
        errors = sum(c and not r for c, r in zip(clean, right))
        folded_errors = sum(c and not r for c, r in zip(clean, fold))
        out["page_sample"] = {
            "clean": n, "flagged": bad,
            "flagged_right": sum(c and f and r for c, f, r in zip(clean, flag, right)),
            "clean_errors": errors,
            "flagged_errors": sum(c and f and not r for c, f, r in zip(clean, flag, right)),
            "clean_case_folded_errors": folded_errors,
            "flagged_case_folded_errors": sum(c and f and not r
                                              for c, f, r in zip(clean, flag, fold)),
            "exact_without": (sum(c and not f and r for c, f, r in zip(clean, flag, right))
                              / max(1, n - bad)),
            "case_folded_without": (sum(c and not f and r for c, f, r in zip(clean, flag, fold))
                                    / max(1, n - bad)),
            "model": page["model"]["model_version"]}
    return out


def plot(rows: list[dict], tolerance: float, path: Path, n: int = 32, seed: int = 0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = [r for r in rows if incomplete(r, tolerance)]
    rng = np.random.default_rng(seed)
    picks = [picks[i] for i in sorted(rng.choice(len(picks), min(n, len(picks)), replace=False))]
    cols = 8
    fig, axes = plt.subplots((len(picks) + cols - 1) // cols, cols, figsize=(cols * 1.2, 4.8))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, r in zip(np.ravel(axes), picks):
        for stroke in r["strokes"]:
            p = np.asarray(stroke, dtype=float)
            ax.plot(p[:, 0], -p[:, 1], "k-", lw=2)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(f"{r['label']}  {r['writer']}", fontsize=6)
    fig.suptitle("UNIPEN characters recorded as one straight stroke (label, writer)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(r: dict) -> str:
    pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "–"  # noqa: E731
    h = r["heldout_clean"]
    L = ["# Incomplete ink in UNIPEN: characters recorded as one straight stroke", "",
         f"A character other than 1, l, I, i recorded as a single stroke whose points all lie "
         f"within {r['tolerance']:g} of its chord's length from the chord: an H, T, E or 4 of "
         "which only one stroke was kept. Nothing is excluded from any benchmark. Re-run: "
         "`.venv/bin/python benchmarks/unipen_defects.py`. Examples: "
         "[unipen_defects.png](unipen_defects.png).", "",
         f"All {r['characters']:,} characters: {r['flagged']:,} flagged "
         f"({pct(r['flagged'], r['characters'])}). Held-out writers' clean characters: "
         f"{h['flagged']:,} of {h['characters']:,} ({pct(h['flagged'], h['characters'])}).", "",
         "| contributor | in the clean subset | characters | one straight stroke | share |",
         "|---|---|---:|---:|---:|"]
    for c, x in r["by_contributor"].items():
        L.append(f"| {c} | {'yes' if x['clean'] else 'no'} | {x['characters']:,} | "
                 f"{x['flagged']:,} | {pct(x['flagged'], x['characters'])} |")
    top = ", ".join(f"{k} {v}" for k, v in list(r["labels"].items())[:15])
    L += ["", f"Most flagged classes: {top}."]
    p = r.get("page_sample")
    if p:
        L += ["", "## In the page benchmark's clean sample ([unipen.md](unipen.md), model "
              f"`{p['model']}`)", "",
              f"{p['flagged']} of its {p['clean']:,} clean characters are flagged; the page read "
              f"{p['flagged_right']} of them right. They are {p['flagged_errors']} of its "
              f"{p['clean_errors']} exact errors ({pct(p['flagged_errors'], p['clean_errors'])}) "
              f"and {p['flagged_case_folded_errors']} of its {p['clean_case_folded_errors']} "
              "case-folded errors. On the clean characters that are not flagged the page reads "
              f"{100 * p['exact_without']:.1f}% exact and {100 * p['case_folded_without']:.1f}% "
              "case-folded (for context only: the issue's targets are on the README's clean "
              "subset, flagged characters included)."]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    rows = U.load_unipen(args.unipen)
    page_file = args.out / "unipen.json"
    page = json.loads(page_file.read_text()) if page_file.exists() else {}
    result = measure(rows, page, args.tolerance)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "unipen_defects.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "unipen_defects.md").write_text(markdown(result))
    plot(rows, args.tolerance, args.out / "unipen_defects.png")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
