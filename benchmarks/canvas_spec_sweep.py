"""Sweep the canvas spec's ink parameters (``radius``, ``softness``) on real pen trajectories.

Python-only (the twin of the page's preprocess.js, shown to agree with the browser by
``benchmarks/unipen.py``): a fixed-seed, class-stratified sample of the clean UNIPEN subset is
rendered with ``preprocessing_spec`` for every (radius, softness) of a grid and classified by the
TF.js model in ``web/model`` (or ``--model-dir``) loaded back into tf_keras. Next to the accuracy,
each setting's renderings are compared with real EMNIST test images on two model-independent
statistics:

- mean ink: the sum of pixel values (0..1) of an image, i.e. the inked area in pixels;
- stroke width: ``2 * sum(ink) / sum(|grad ink|)``. Across a stroke the ink rises from 0 and falls
  back once, so the gradient magnitude integrates to 2 per unit of stroke length while the ink
  integrates to width x length; for the spec's profile this is ``2 * radius + sqrt(2 pi) *
  softness`` on a straight stroke. The same estimator is applied to EMNIST and to the renderings.

Both are averaged per class first, then over classes (EMNIST's test file is heavily imbalanced;
the UNIPEN sample is stratified), over the classes both sets have (all 62).

Nothing here changes the spec's defaults or conf: it reports the numbers.

    .venv/bin/python benchmarks/canvas_spec_sweep.py
    .venv/bin/python benchmarks/canvas_spec_sweep.py --per-class 30 --radius 0.8 1.2 1.6 --softness 0.5 0.8

Writes benchmarks/results/canvas_spec_sweep.json, canvas_spec_sweep.md, canvas_spec_sweep.png.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _browser as B  # noqa: E402
from _project import EMNIST  # noqa: E402
import unipen as U  # noqa: E402

RADII = [0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
SOFTNESSES = [0.0, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.2, 1.5]  # 0: hard edge


# ---- statistics ---------------------------------------------------------------------------------


def ink_stats(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per image: mean ink (sum of values), ink area (pixels > 0.5) and stroke width estimate."""
    x = images.astype(np.float64)
    gy, gx = np.gradient(x, axis=(1, 2))
    tv = np.sqrt(gx * gx + gy * gy).sum(axis=(1, 2))
    ink = x.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.where(tv > 0, 2.0 * ink / tv, np.nan)
    return {"ink": ink, "area": (x > 0.5).sum(axis=(1, 2)).astype(float), "width": width}


def class_macro(values: np.ndarray, classes: np.ndarray) -> float:
    """Mean per class, then mean over classes (NaNs ignored)."""
    return float(np.mean([np.nanmean(values[classes == c]) for c in np.unique(classes)]))


def emnist_reference(emnist_dir: Path, labels: list[str]) -> dict:
    """Class-macro mean ink, area and stroke width of the EMNIST byclass test images."""
    from handwriting.datasets.idx import read_idx_images, read_idx_labels

    imgs = read_idx_images(emnist_dir / "emnist-byclass-test-images-idx3-ubyte.gz")
    y = read_idx_labels(emnist_dir / "emnist-byclass-test-labels-idx1-ubyte.gz")
    imgs = np.ascontiguousarray(imgs.transpose(0, 2, 1)).astype(np.float32) / 255.0  # upright
    mapping = {}
    for line in (emnist_dir / "emnist-byclass-mapping.txt").read_text().split("\n"):
        if line.strip():
            k, code = line.split()
            mapping[int(k)] = chr(int(code))
    names = np.array([mapping[int(k)] for k in y])
    st = ink_stats(imgs)
    out = {k: class_macro(v, names) for k, v in st.items()}
    out.update({"n": int(len(y)), "classes": int(len(np.unique(names))),
                "max_value_median": float(np.median(imgs.max(axis=(1, 2)))),
                "file": str(emnist_dir / "emnist-byclass-test-images-idx3-ubyte.gz")})
    out["_example_images"] = imgs[:0]
    return out


# ---- fast rendering: the distance field depends on radius (through the scale), not on softness ---


def distance_fields(strokes: list, spec) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the distance of every pixel centre to the nearest stroke segment, as the spec
    computes it (steps 2-4 before the ink profile); ``valid`` False for nothing-to-draw samples."""
    from handwriting.page import preprocess as ps

    d = np.full((len(strokes), spec.size * spec.size), np.inf)
    valid = np.zeros(len(strokes), bool)
    centres = ps._pixel_centres(spec.size)
    for n, s in enumerate(strokes):
        mapped = ps.transform_strokes(s, spec)
        if mapped is None:
            continue
        a, ab = ps._segments(mapped)
        d[n] = np.sqrt(ps._min_sq_distance(centres, a, ab))
        valid[n] = True
    return d, valid


def ink_from_distance(d: np.ndarray, valid: np.ndarray, spec) -> np.ndarray:
    from handwriting.page import preprocess as ps

    img = ps._ink(d.copy(), spec).reshape(len(d), spec.size, spec.size).astype(np.float32)
    img[~valid] = 0.0
    return img


# ---- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-class", type=int, default=60)
    ap.add_argument("--seed", type=int, default=U.DEFAULT_SEED)
    ap.add_argument("--radius", type=float, nargs="+", default=RADII)
    ap.add_argument("--softness", type=float, nargs="+", default=SOFTNESSES)
    ap.add_argument("--model-dir", type=Path, default=B.WEB / "model")
    ap.add_argument("--unipen", type=Path, default=U.UNIPEN)
    ap.add_argument("--emnist-dir", type=Path, default=EMNIST)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    args = ap.parse_args(argv)

    from handwriting.page.preprocess import CanvasSpec, render_batch

    t_start = time.perf_counter()
    info = B.model_info(args.model_dir)
    meta = json.loads((args.model_dir / "metadata.json").read_text())
    labels = [str(x) for x in meta["labels"]]
    model_spec = CanvasSpec.from_dict(info["canvas_spec"])
    code_default = CanvasSpec()

    rows = U.load_unipen(args.unipen)
    chosen = U.stratified_sample([r["label"] for r in rows], args.per_class, args.seed,
                                 eligible=[U.is_clean(r["contrib"]) and not h
                                           for r, h in zip(rows, U.heldout(rows))])
    samples = [rows[i] for i in chosen]
    del rows
    strokes = [U.normalise_to_box(s["strokes"]) for s in samples]
    true = [s["label"] for s in samples]
    cls = np.array(true)
    print(f"{len(samples)} clean samples of training writers, model {info['model_version']}, spec in metadata {model_spec}")

    emnist = emnist_reference(args.emnist_dir, labels)
    emnist.pop("_example_images")
    print(f"EMNIST: ink {emnist['ink']:.1f}, area {emnist['area']:.1f}, width {emnist['width']:.2f}")

    model = U.load_model(args.model_dir)
    # the metadata spec and the code default are always on the grid
    radii = sorted(set(args.radius) | {model_spec.radius, code_default.radius})
    softs = sorted(set(args.softness) | {model_spec.softness, code_default.softness})
    grid = []
    correct: dict[tuple[float, float], np.ndarray] = {}
    rng = np.random.default_rng(0)
    for r in radii:
        t = time.perf_counter()
        base = CanvasSpec(size=model_spec.size, inner=model_spec.inner, radius=r, softness=softs[0])
        d, valid = distance_fields(strokes, base)
        for s in softs:
            spec = CanvasSpec(size=model_spec.size, inner=model_spec.inner, radius=r, softness=s)
            imgs = ink_from_distance(d, valid, spec)
            # the shortcut must be the spec: check a few samples against render_batch
            chk = rng.choice(len(strokes), size=min(8, len(strokes)), replace=False)
            ref = render_batch([strokes[i] for i in chk], spec)
            assert np.abs(ref - imgs[chk]).max() < 1e-6, "fast rendering differs from render_batch"
            probs = U.predict(model, imgs)
            order = np.argsort(-probs, axis=1)[:, :3]
            pred = [labels[o[0]] if v else None for o, v in zip(order, valid)]
            top3 = [[labels[j] for j in o] for o in order]
            acc = U.grouped_accuracy(samples, pred, top3)["clean"]
            correct[(r, s)] = np.array([p == t for p, t in zip(pred, true)])
            st = ink_stats(imgs[valid])
            grid.append({
                "radius": r, "softness": s,
                "exact": acc["overall"]["exact"], "case_folded": acc["overall"]["case_folded"],
                "top3": acc["overall"]["top3"],
                "by_group": {g: {"exact": acc[g]["exact"], "case_folded": acc[g]["case_folded"]}
                             for g in ("digits", "uppercase", "lowercase")},
                "ink": class_macro(st["ink"], cls[valid]), "area": class_macro(st["area"], cls[valid]),
                "width": class_macro(st["width"], cls[valid]),
            })
            g = grid[-1]
            print(f"  r={r:.2f} s={s:.2f}: exact {g['exact']:.4f} folded {g['case_folded']:.4f} "
                  f"ink {g['ink']:.1f} width {g['width']:.2f}")
        print(f"radius {r}: {time.perf_counter() - t:.0f} s")

    for g in grid:
        g["ink_ratio"] = g["ink"] / emnist["ink"]
        g["width_ratio"] = g["width"] / emnist["width"]
        g["emnist_distance"] = float(np.hypot(np.log(g["ink_ratio"]), np.log(g["width_ratio"])))
    best = max(grid, key=lambda g: (g["exact"], g["case_folded"]))
    best_folded = max(grid, key=lambda g: (g["case_folded"], g["exact"]))
    closest = min(grid, key=lambda g: g["emnist_distance"])

    def at(spec):
        return next((g for g in grid if np.isclose(g["radius"], spec.radius)
                     and np.isclose(g["softness"], spec.softness)), None)

    n = len(samples)
    se = float(np.sqrt(best["exact"] * (1 - best["exact"]) / n))

    def paired(a: dict, b: dict | None) -> dict | None:
        """Exact-accuracy difference a - b on the same samples, with a 95% interval."""
        if b is None:
            return None
        d = correct[(a["radius"], a["softness"])].astype(float) - correct[(b["radius"], b["softness"])]
        half = 1.96 * float(d.std(ddof=1)) / np.sqrt(n)
        return {"diff": float(d.mean()), "ci95": [float(d.mean()) - half, float(d.mean()) + half],
                "only_a_right": int((d > 0).sum()), "only_b_right": int((d < 0).sum())}
    result = {
        "benchmark": "canvas_spec_sweep", "model": info,
        "sample": {"source": str(args.unipen), "subset": "clean", "per_class": args.per_class,
                   "seed": args.seed, "n": n, "excluded_contributors": sorted(U.NOISY_CONTRIBUTORS)},
        "emnist": emnist,
        "grid": grid, "radius": radii, "softness": softs,
        "best_exact": best, "best_case_folded": best_folded, "closest_to_emnist": closest,
        "model_spec": model_spec.to_dict(), "at_model_spec": at(model_spec),
        "code_default_spec": code_default.to_dict(), "at_code_default": at(code_default),
        "standard_error_at_best": se,
        "best_minus_model_spec": paired(best, at(model_spec)),
        "best_minus_code_default": paired(best, at(code_default)),
        "wall_s": time.perf_counter() - t_start,
        "command": ".venv/bin/python benchmarks/canvas_spec_sweep.py" + (" " + shlex.join(argv) if argv else ""),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "canvas_spec_sweep.json").write_text(json.dumps(result, indent=1) + "\n")
    heatmap(args.out / "canvas_spec_sweep.png", result)
    (args.out / "canvas_spec_sweep.md").write_text(markdown(result) + "\n")
    print(f"best exact {best['radius']}/{best['softness']}: {best['exact']:.4f}; at model spec "
          f"{(result['at_model_spec'] or {}).get('exact')}; closest to EMNIST {closest['radius']}/{closest['softness']}")
    print(f"wrote {args.out / 'canvas_spec_sweep.md'} in {result['wall_s']:.0f} s")
    return 0


def _matrix(result: dict, key: str) -> np.ndarray:
    radii, softs = result["radius"], result["softness"]
    m = np.full((len(radii), len(softs)), np.nan)
    for g in result["grid"]:
        m[radii.index(g["radius"]), softs.index(g["softness"])] = g[key]
    return m


def heatmap(path: Path, result: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    radii, softs = result["radius"], result["softness"]
    panels = [("exact", "exact accuracy (clean UNIPEN)", "viridis", "{:.1%}"),
              ("case_folded", "case-folded accuracy", "viridis", "{:.1%}"),
              ("ink_ratio", "mean ink / EMNIST", "RdBu_r", "{:.2f}"),
              ("width_ratio", "stroke width / EMNIST", "RdBu_r", "{:.2f}")]
    fig, axes = plt.subplots(1, 4, figsize=(20, 5.6))
    marks = [("model_spec", "s", "black", "metadata spec"), ("best_exact", "*", "red", "best exact"),
             ("closest_to_emnist", "o", "orange", "closest to EMNIST")]
    for ax, (key, title, cmap, f) in zip(axes, panels):
        m = _matrix(result, key)
        kw = {}
        if key.endswith("ratio"):
            lim = float(np.nanmax(np.abs(np.log(m))))
            kw = {"norm": matplotlib.colors.LogNorm(vmin=np.exp(-lim), vmax=np.exp(lim))}
        im = ax.imshow(m, origin="lower", cmap=cmap, aspect="auto", **kw)
        lo, hi = np.nanmin(m), np.nanmax(m)
        for i in range(len(radii)):
            for j in range(len(softs)):
                dark = not key.endswith("ratio") and (m[i, j] - lo) < 0.6 * (hi - lo)
                ax.text(j, i, f.format(m[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
        ax.set_xticks(range(len(softs)), [f"{s:g}" for s in softs])
        ax.set_yticks(range(len(radii)), [f"{r:g}" for r in radii])
        ax.set_xlabel("softness (px)")
        ax.set_ylabel("radius (px)")
        ax.set_title(title, fontsize=10)
        for mk, marker, color, label in marks:
            g = result.get(mk) if mk != "model_spec" else result["model_spec"]
            if g and g["radius"] in radii and g["softness"] in softs:
                ax.scatter([softs.index(g["softness"])], [radii.index(g["radius"])], marker=marker,
                           s=220, facecolors="none", edgecolors=color, linewidths=2, label=label)
        fig.colorbar(im, ax=ax, shrink=0.8)
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"canvas_spec sweep: {result['sample']['n']} clean UNIPEN samples of training writers, model "
                 f"{result['model']['model_version']}; EMNIST test: ink {result['emnist']['ink']:.0f}, "
                 f"width {result['emnist']['width']:.2f} px", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown(r: dict) -> str:
    fmt = U.fmt
    radii, softs = r["radius"], r["softness"]
    e = r["emnist"]
    L = ["# canvas_spec sweep: radius x softness on real pen trajectories", "",
         f"Model `{r['model']['model_version']}` (its metadata spec `{json.dumps(r['model_spec'])}`; "
         f"`CanvasSpec()` default `{json.dumps(r['code_default_spec'])}`). "
         f"{r['sample']['n']} clean UNIPEN samples of training writers (the spec is chosen on them; every reported UNIPEN figure is on held-out writers) ({r['sample']['per_class']} per class, stratified, "
         f"seed {r['sample']['seed']}), rendered with `preprocessing_spec` and classified by the TF.js "
         "model loaded into tf_keras (`softness` 0 is a hard edge). Standard error of one accuracy here ≈ "
         f"{100 * r['standard_error_at_best']:.1f} points; differences between settings are paired (same "
         "samples) and much tighter, see below.", ""]

    def line(name, g):
        if not g:
            return f"| {name} | (not on the grid) | | | | | |"
        return (f"| {name} | {g['radius']:g} / {g['softness']:g} | {fmt(g['exact'])} | {fmt(g['case_folded'])} | "
                f"{fmt(g['top3'])} | {g['ink']:.0f} ({g['ink_ratio']:.2f}x) | {g['width']:.2f} ({g['width_ratio']:.2f}x) |")

    L += ["| setting | radius / softness | exact | case-folded | top-3 | mean ink (vs EMNIST) | stroke width px (vs EMNIST) |",
          "|---|---|---|---|---|---|---|",
          line("best exact", r["best_exact"]), line("best case-folded", r["best_case_folded"]),
          line("metadata spec (what the page uses with this model)", r["at_model_spec"]),
          line("`CanvasSpec()` default", r["at_code_default"]),
          line("closest to EMNIST (ink, width)", r["closest_to_emnist"]),
          f"| EMNIST byclass test ({e['n']} images, class-macro) | – | – | – | – | {e['ink']:.0f} | {e['width']:.2f} |", ""]
    for key, name in (("best_minus_model_spec", "metadata spec"), ("best_minus_code_default", "`CanvasSpec()` default")):
        d = r.get(key)
        if d:
            L.append(f"Best exact minus {name}, paired on the same samples: {100 * d['diff']:+.2f} points "
                     f"(95% CI {100 * d['ci95'][0]:+.2f} to {100 * d['ci95'][1]:+.2f}; {d['only_a_right']} samples "
                     f"right only at the best setting, {d['only_b_right']} only at {name}).")
    L.append("")
    b = r["best_exact"]
    L += ["Per group at the best setting and at the metadata spec (exact / case-folded):", "",
          "| setting | digits | uppercase | lowercase |", "|---|---|---|---|"]
    for name, g in (("best exact", b), ("metadata spec", r["at_model_spec"])):
        if g:
            L.append(f"| {name} {g['radius']:g}/{g['softness']:g} | " + " | ".join(
                f"{fmt(g['by_group'][k]['exact'])} / {fmt(g['by_group'][k]['case_folded'])}"
                for k in ("digits", "uppercase", "lowercase")) + " |")
    for key, title in (("exact", "Exact accuracy"), ("case_folded", "Case-folded accuracy"),
                       ("ink", "Mean ink (sum of pixel values; EMNIST " + f"{e['ink']:.0f})"),
                       ("width", "Stroke width estimate, px (EMNIST " + f"{e['width']:.2f})")):
        m = _matrix(r, key)
        L += ["", f"### {title}", "", "| radius \\ softness | " + " | ".join(f"{s:g}" for s in softs) + " |",
              "|---|" + "---|" * len(softs)]
        for i, rad in enumerate(radii):
            cells = [(fmt(v) if key in ("exact", "case_folded") else (f"{v:.0f}" if key == "ink" else f"{v:.2f}"))
                     for v in m[i]]
            L.append(f"| {rad:g} | " + " | ".join(cells) + " |")
    L += ["", "Heatmap: `canvas_spec_sweep.png`.", "",
          "## Notes", "",
          "- Stroke width = 2·Σink / Σ|∇ink| (np.gradient), mean ink = Σ pixel values; both averaged per "
          "class, then over classes, for EMNIST (test file, transposed upright) and for the renderings.",
          "- The accuracy optimum is specific to the model measured (how thick the strokes it was "
          "trained on were, and whether training augmented stroke thickness); the EMNIST-likeness "
          "columns are model-independent. Re-run on the shipped model before deciding.",
          "- Nothing was changed in the spec's defaults or in conf.",
          f"- Wall time {r['wall_s']:.0f} s on 2 shared CPU cores. Re-run: `{r['command']}`",
          "- Data: UNIPEN train_r01_v07 (International Unipen Foundation, CC BY 4.0, "
          "doi 10.5281/zenodo.1195803); EMNIST byclass (NIST)."]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
