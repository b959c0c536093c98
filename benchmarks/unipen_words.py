"""Real words and lines, written on the page without pausing: how well it reads them.

The test contributors' words and lines of ``unipen_words.jsonl.gz`` (the labs named in
``parameters_preprocessing.yml``'s ``words.test_contributors``: never trained or tuned on), a
seeded sample stratified by contributor and kind, each written on the page in words mode through
``window.handwriting.writeLine`` (pointer events on the drawing area, every stroke of the piece
one after another with no pause) and read back when the reading is on the page:

- the ink keeps its shape: each piece scaled so that its writing height (the pen line's, see
  ``handwriting.page.penline``) is ``--height-px`` CSS px and placed in a wide box on the drawing
  area (a piece then too wide or too tall is shrunk to fit; counted);
- the page's reading (with its language model) and ``ms``: from the last pen lift to the reading
  shown; the page is cleared between pieces;
- the Python twin (``handwriting.page.wordreader`` with the TF.js words model loaded back and the
  shipped lexicon and decoder settings) reads the same placed ink: with the language model (it
  should agree with the page) and without it (the best path: the model's own share).

Figures as in the pipeline's report (``handwriting.pipelines.reporting.words``): words right
exactly as labelled, case included (a line's words matched in order), and the character error
rate, overall, by style and by kind.

    .venv/bin/python -m benchmarks.unipen_words --sample 600

Writes benchmarks/results/unipen_words.json and .md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks._project import SHARED, data_path, parameters
from handwriting.page.penline import writing_height

DEFAULT_SEED = 0
HEIGHT_PX = 48.0
# Where pieces are written, in CSS px of the 1000 x 800 viewport: x0, y0, width, height. Wide
# enough for a line of a dozen words at HEIGHT_PX.
LINE_BOX = (40.0, 220.0, 920.0, 360.0)
PIECES_PER_CALL = 40

WRITE_JS = """
async (pieces) => {
  const h = window.handwriting;
  if (h.inputKind !== 'words') h.inputKind = 'words';
  const out = [];
  for (const strokes of pieces) {
    h.app.clearAll();
    const r = await h.writeLine(strokes, 'mouse');
    const alternatives = (r.alternatives || []).map((a) => (typeof a === 'string' ? a : a.word));
    out.push({ text: r.text, ms: r.ms, alternatives });
  }
  h.app.clearAll();
  return out;
}
"""


def words_file() -> Path:
    """The catalog's words file when it is there, else the development copy."""
    path = data_path("unipen_words")
    return path if path.is_file() else SHARED / "strokes" / "unipen_words.jsonl.gz"


def load_test_pieces(path: Path, contributors: Sequence[str], params: dict) -> list[dict]:
    """The test contributors' pieces the words model can write, as the pipeline splits them
    (``split_word_ink``: the same readable labels and device corrections)."""
    from handwriting.pipelines.preprocessing.words import split_word_ink

    wanted = set(contributors)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [r for r in map(json.loads, f) if r["contrib"] in wanted]
    return split_word_ink(records, params)[2]


def sample_pieces(pieces: Sequence[dict], size: int | float | None, seed: int) -> list[int]:
    """Indices of a seeded sample of ``size`` pieces (a count, a fraction, or None for all),
    stratified by contributor and kind so that each keeps its share."""
    from handwriting.sampling import stratified_indices

    strata = np.array([f"{p['contrib']}/{p['kind']}" for p in pieces])
    return [int(i) for i in stratified_indices(strata, size, seed)]


def place_line(strokes: Sequence, height_px: float = HEIGHT_PX,
               box: tuple[float, float, float, float] = LINE_BOX) -> tuple[list, bool]:
    """``strokes`` scaled so that their writing height is ``height_px`` (one that would then not
    fit ``box`` = (x0, y0, width, height) is fitted to it instead), its left edge at the box's
    and centred on the box's middle line. Returns (strokes in CSS px, whether it was shrunk)."""
    clean = [np.asarray(s, np.float64)[:, :2] for s in strokes if len(s)]
    if not clean:
        return [], False
    x0, y0, width, height = box
    pts = np.concatenate(clean)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    k = height_px / writing_height(clean)
    extent = hi - lo
    shrunk = bool(extent[0] * k > width or extent[1] * k > height)
    if shrunk:
        k = min(width / extent[0] if extent[0] > 0 else np.inf,
                height / extent[1] if extent[1] > 0 else np.inf)
    middle = (lo[1] + hi[1]) / 2
    return [[[round(float((p[0] - lo[0]) * k + x0), 2),
              round(float((p[1] - middle) * k + y0 + height / 2), 2)] for p in s]
            for s in clean], shrunk


def latency(ms: Sequence[float | None]) -> dict:
    """Median and 90th percentile of the readings' delays (None: not measured)."""
    got = sorted(float(m) for m in ms if m is not None)
    if not got:
        return {"n": 0, "median_ms": None, "p90_ms": None}
    return {"n": len(got), "median_ms": statistics.median(got),
            "p90_ms": got[min(len(got) - 1, int(round(0.9 * (len(got) - 1))))]}


def page_readings(model_dir: Path | None, pieces: list, per_call: int) -> tuple[list, dict, list]:
    """The page in headless Chromium, words mode: each piece written and read. Returns (one
    ``{text, alternatives, ms}`` per piece, the environment, the page's errors)."""
    t = time.perf_counter()
    with B.site(B.WEB, model_dir) as (url, _), B.chromium() as browser:
        page = B.open_app(browser, url, "nosw&input=words")
        if not page.evaluate("window.handwriting.words"):
            raise SystemExit("the page loaded no words model (web/model/metadata.json has no "
                             "words_model): publish one with `kedro run` first")
        env = {"backend": page.evaluate("window.handwriting.backend"),
               "chromium": B.browser_version(browser)}
        got: list = []
        for start in range(0, len(pieces), per_call):
            got.extend(page.evaluate(WRITE_JS, pieces[start:start + per_call]))
            print(f"  page: {len(got)} of {len(pieces)} pieces, {time.perf_counter() - t:.0f} s",
                  flush=True)
        errors = page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
        page.context.close()
    return got, env, errors


def python_readings(model_dir: Path, pieces: list) -> dict:
    """The Python twin on the same placed ink: with the shipped lexicon and decoder settings, and
    the best path without them."""
    from handwriting.page.lexicon import parse_lexicon
    from handwriting.page.manifest import read_manifest, read_model_file
    from handwriting.page.penline import penline_features
    from handwriting.page.recognizer import model_files
    from handwriting.page.textdecoder import check_params, decode_text, greedy_decode
    from handwriting.page.wordreader import line_probabilities
    from handwriting.tfjs_compat import load_tfjs

    manifest = read_manifest(model_dir)
    settings = json.loads(read_model_file(model_dir, "metadata.json", manifest))["words_model"]
    model = load_tfjs(model_files(model_dir, settings["path"], manifest), settings["path"])
    lexicon = parse_lexicon(read_model_file(model_dir, settings["lexicon"], manifest).decode())
    decoder = check_params(settings.get("decoder"))
    probs = line_probabilities([penline_features(s, settings["step"]) for s in pieces], model)
    return {"with_language_model": [decode_text(p, lexicon, decoder)["text"] for p in probs],
            "best_path": [greedy_decode(p)["text"] for p in probs], "lexicon": lexicon,
            "decoder": decoder}


def figures(samples: list[dict], readings: list[str], lexicon) -> dict:
    from handwriting.pipelines.reporting.words import summarise

    return summarise([s["label"] for s in samples], readings, [s["kind"] for s in samples],
                     [s.get("style") or "?" for s in samples], [s["contrib"] for s in samples],
                     lexicon)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=float, default=600,
                    help="pieces written: a count (>= 1), a fraction (< 1), or 0 for all")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--height-px", type=float, default=HEIGHT_PX)
    ap.add_argument("--per-call", type=int, default=PIECES_PER_CALL)
    ap.add_argument("--model", type=Path, default=None, help="a model folder other than web/model")
    ap.add_argument("--words-file", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    model_dir = Path(args.model or B.WEB / "model")
    info = B.model_info(model_dir)

    params = parameters()["words"]
    pieces = load_test_pieces(args.words_file or words_file(), params["test_contributors"], params)
    size = None if args.sample == 0 else (args.sample if args.sample < 1 else int(args.sample))
    chosen = sample_pieces(pieces, size, args.seed)
    samples = [pieces[i] for i in chosen]
    placed, shrunk = [], 0
    for s in samples:
        strokes, small = place_line(s["strokes"], args.height_px)
        placed.append(strokes)
        shrunk += small
    print(f"{len(samples)} of {len(pieces)} test pieces ({shrunk} shrunk to the box)", flush=True)

    t = time.perf_counter()
    got, env, errors = page_readings(args.model, placed, args.per_call)
    t_page = time.perf_counter() - t
    t = time.perf_counter()
    twin = python_readings(model_dir, placed)
    t_py = time.perf_counter() - t
    page_texts = [g["text"] for g in got]
    agree = float(np.mean([a == b for a, b in zip(page_texts, twin["with_language_model"])]))
    kinds = [s["kind"] for s in samples]
    result = {
        "benchmark": "unipen_words", "model": info, "browser": env,
        "sample": {"n": len(samples), "of": len(pieces), "seed": args.seed,
                   "size": args.sample, "stratified_by": "contributor and kind",
                   "contributors": sorted(set(params["test_contributors"])),
                   "words": sum(k == "word" for k in kinds),
                   "lines": sum(k == "text" for k in kinds),
                   "height_px": args.height_px, "box_css_px": list(LINE_BOX),
                   "shrunk_to_box": shrunk},
        "decoder": twin["decoder"],
        "page": figures(samples, page_texts, twin["lexicon"]),
        "python_with_language_model": figures(samples, twin["with_language_model"],
                                              twin["lexicon"]),
        "python_best_path": figures(samples, twin["best_path"], twin["lexicon"]),
        "latency": {"all": latency([g["ms"] for g in got]),
                    "words": latency([g["ms"] for g, k in zip(got, kinds) if k == "word"]),
                    "lines": latency([g["ms"] for g, k in zip(got, kinds) if k == "text"])},
        "python_twin": {"agreement": agree,
                        "disagreements": [{"label": s["label"], "page": a, "python": b}
                                          for s, a, b in zip(samples, page_texts,
                                                             twin["with_language_model"])
                                          if a != b][:50]},
        "page_errors": errors,
        "timing_s": {"page": t_page, "python": t_py, "total": time.perf_counter() - t_start},
        "command": ".venv/bin/python -m benchmarks.unipen_words"
                   + ("" if not argv else " " + shlex.join(argv)),
        "pieces": [{"label": s["label"], "kind": s["kind"], "style": s.get("style"),
                    "contrib": s["contrib"], "page": g["text"], "ms": g["ms"],
                    "alternatives": g["alternatives"], "best_path": bp}
                   for s, g, bp in zip(samples, got, twin["best_path"])],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "unipen_words.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "unipen_words.md").write_text(markdown(result) + "\n")
    print(markdown(result))
    return 0


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f} ms"


STYLE_COLUMNS = ("PRINTED", "MIXED", "CURSIVE", "other")


def figures_table(rows: list[tuple[str, dict]]) -> list[str]:
    """Words right overall, by style and by kind, and the CER, one row per reading."""
    head = ("| reading | words right | " + " | ".join(s.lower() for s in STYLE_COLUMNS)
            + " | isolated words | words in lines | CER |")
    out = [head, "|---" * (head.count("|") - 1) + "|"]
    for name, f in rows:
        style = [_pct(f["by_style"].get(s, {}).get("words_right")) for s in STYLE_COLUMNS]
        kind = [_pct(f["by_kind"].get(k, {}).get("words_right")) for k in ("word", "text")]
        out.append(f"| {name} | **{_pct(f['overall']['words_right'])}** | " + " | ".join(style)
                   + " | " + " | ".join(kind) + f" | {_pct(f['overall']['cer'])} |")
    return out


def markdown(r: dict) -> str:
    m, s, lat = r["model"], r["sample"], r["latency"]
    page = r["page"]
    printed = page["by_style"].get("PRINTED", {}).get("words_right")
    L = ["# UNIPEN words and lines, written without pausing: the page reads them", "",
         f"Model `{m['model_version']}`, backend `{r['browser']['backend']}` in headless "
         f"{r['browser']['chromium']}. **Sample: {s['n']:,} of the {s['of']:,} test pieces** "
         f"({s['words']:,} isolated words, {s['lines']:,} lines; seed {s['seed']}, stratified by "
         f"contributor and kind) of the test contributors ({', '.join(s['contributors'])}: never "
         "trained or tuned on). Each piece is written in words mode through the page's pointer "
         "events, all its strokes one after another with no pause (`window.handwriting."
         f"writeLine`), at a writing height of {s['height_px']:.0f} CSS px "
         f"({s['shrunk_to_box']} pieces shrunk to fit the {s['box_css_px'][2]:.0f} x "
         f"{s['box_css_px'][3]:.0f} px box). A word is right only when read exactly as labelled, "
         "case and punctuation included; a line's words are matched to the reading's in order. "
         "CER: edits / label characters.", "",
         "| target | measured |", "|---|---|",
         f"| words right >= 85% overall | {_pct(page['overall']['words_right'])} |",
         f"| words right >= 92% printed | {_pct(printed)} |",
         f"| CER <= 6% | {_pct(page['overall']['cer'])} |",
         f"| reading <= 50 ms after the pen lifts (median) | {_ms(lat['all']['median_ms'])} |",
         "", "## Words right and CER", ""]
    L += figures_table([("page (language model)", page),
                        ("Python twin (language model)", r["python_with_language_model"]),
                        ("Python twin, no language model (best path)", r["python_best_path"])])
    lex = page["by_lexicon"]
    L += ["", f"Words in the lexicon: {lex['in']['words']:,}, read right "
          f"{_pct(lex['in']['words_right'])}; outside it (names, codes, numbers): "
          f"{lex['out']['words']:,}, read right {_pct(lex['out']['words_right'])} (page).", "",
          "## Latency (pen-up to the reading on the page)", "",
          "| pieces | n | median | 90th percentile |", "|---|---|---|---|"]
    for name, key in (("all", "all"), ("isolated words", "words"), ("lines", "lines")):
        x = lat[key]
        L.append(f"| {name} | {x['n']} | {_ms(x['median_ms'])} | {_ms(x['p90_ms'])} |")
    q, t = r["python_twin"], r["timing_s"]
    L += ["", "## Python twin", "",
          "`handwriting.page.wordreader` with the TF.js words model loaded back, the shipped "
          "lexicon and decoder settings, on the same placed ink: the page's text agrees on "
          f"**{_pct(q['agreement'])}** of the pieces. Disagreements: "
          f"{q['disagreements'][:10] or 'none'}.", "",
          "## Run", "",
          f"- wall time {t['total']:.0f} s (page {t['page']:.0f} s, Python twin "
          f"{t['python']:.0f} s); page errors: {r['page_errors'] or 'none'}.",
          f"- re-run: `{r['command']}`"]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
