"""Write a held-out line of real handwriting on the web app and save docs/screenshot.png.

    .venv/bin/python web/scripts/screenshot.py [--out docs/screenshot.png] [--model DIR] [--dark]
        [--piece "bbd/hlg:or sale of the company."] [--words-file FILE] [--height-px 72]
        [--stroke-width 8]
    .venv/bin/python web/scripts/screenshot.py --characters [--word Hello]
        [--writer ced/BNGM-227] [--unipen FILE] [--median-px 190]

Serves web/ (with web/model/, or with the model folder given by --model) on a local port and
drives headless Chromium (/usr/bin/chromium, or $CHROMIUM).

By default the page opens as it ships, in words mode, and one line of ``unipen_words.jsonl.gz``
is written on it: ``--piece WRITER:LABEL``, a piece of one of the test contributors
(``words.test_contributors`` in conf/base/parameters_preprocessing.yml: never trained or tuned
on). The default, "or sale of the company." by bbd/hlg, is a joined-up line of five words that
the shipped page reads right (the held-out lines of 3-6 words are all joined-up; the printed ones
are single strings or nine-word pangrams, e.g. "scr/d1_ww000149:the quick brown fox jumps over
the lazy dog.", written on two lines and too long for the text line). The piece is loaded and
placed as the words benchmark does it (benchmarks/unipen_words.py: the same split, scaled to a
writing height and fitted to a box), centred across the page and written with pen events, every
stroke one after another with no pause (``window.handwriting.writeLine``), the ink drawn 8 px
wide. The line is not added to the text, so the picture shows the ink, the page's reading of it
and the readings of its last word.

With --characters: the character-at-a-time page and a word (--word) drawn with a real writer's
UNIPEN characters (the first of each in the file; the default writer is held out from training),
all scaled by one factor so that they keep the writer's relative sizes, drawn one after another
with pen events; the last character's ink is put back on the canvas, so that the picture shows
what was drawn beside what the page read, and the model panel is opened.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "web"))
sys.path.insert(0, str(ROOT))

from web_input import cdp, draw_pen, wait_results  # noqa: E402
from web_support import CHROMIUM, CHROMIUM_ARGS, INIT_SCRIPT, WEB, copy_web, open_app, serve  # noqa: E402

from handwriting.page.sizecue import ink_height  # noqa: E402


def unipen_file() -> Path:
    """The catalog's UNIPEN file ($HANDWRITING_UNIPEN_FILE, else data/01_raw/unipen/), else the
    development copy next to the checkout."""
    env = os.environ.get("HANDWRITING_UNIPEN_FILE")
    if env:
        return Path(env)
    path = ROOT / "data" / "01_raw" / "unipen" / "unipen_chars.jsonl.gz"
    return path if path.is_file() else ROOT.parent / "shared" / "strokes" / "unipen_chars.jsonl.gz"


def writer_word(unipen: Path, writer: str, word: str, median_px: float) -> list:
    """The strokes of ``word``, one drawing per character, from ``writer``'s characters in file
    order (a letter used twice takes the writer's next sample), centred on (0, 0) and scaled so
    that the writer's median character is ``median_px`` tall."""
    samples = defaultdict(list)
    with gzip.open(unipen, "rt") as f:
        for line in f:
            record = json.loads(line)
            if record["writer"] == writer:
                samples[record["label"]].append(record["strokes"])
    heights = [h for drawings in samples.values() for s in drawings if (h := ink_height(s)) > 0]
    if not heights:
        raise SystemExit(f"no characters of writer {writer} in {unipen}")
    k = median_px / statistics.median(heights)
    used: dict[str, int] = defaultdict(int)
    out = []
    for ch in word:
        if used[ch] >= len(samples[ch]):
            raise SystemExit(f"writer {writer} wrote {len(samples[ch])} of {ch!r}, the word needs more")
        strokes = [s for s in samples[ch][used[ch]] if s]
        used[ch] += 1
        xs = [p[0] for s in strokes for p in s]
        ys = [p[1] for s in strokes for p in s]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        out.append([[[(p[0] - cx) * k, (p[1] - cy) * k] for p in s] for s in strokes])
    return out


# A line of a held-out writer that the shipped page reads right.
DEFAULT_PIECE = "bbd/hlg:or sale of the company."
# Where the line is written, in CSS px of the drawing area (x0, y0, width, height): below the
# text line and the readings, above the toolbar.
LINE_BOX = (60.0, 330.0, 980.0, 260.0)


def held_out_line(words_file: Path | None, piece: str) -> dict:
    """The test contributors' piece ``WRITER:LABEL``, as the words benchmark loads it."""
    from benchmarks._project import parameters
    from benchmarks.unipen_words import load_test_pieces, words_file as default_words_file

    writer, sep, label = piece.partition(":")
    if not sep:
        raise SystemExit(f"--piece {piece!r}: expected WRITER:LABEL")
    params = parameters()["words"]
    pieces = load_test_pieces(words_file or default_words_file(), params["test_contributors"], params)
    for p in pieces:
        if p["writer"] == writer and p["label"] == label:
            return p
    raise SystemExit(f"no test piece {label!r} by {writer} (test contributors: "
                     f"{', '.join(params['test_contributors'])})")


def write_line(page, strokes: list) -> dict:
    """Write ``strokes`` in words mode with pen events and no pause; the reading shown."""
    return page.evaluate("""async (s) => {
      const h = window.handwriting;
      if (!h.words) throw new Error('the page loaded no words model');
      if (h.inputKind !== 'words') h.inputKind = 'words';
      return h.writeLine(s, 'pen');
    }""", strokes)


def centred(strokes: list, width: float) -> list:
    """``strokes`` moved sideways so that the line is centred across a page ``width`` wide."""
    xs = [p[0] for s in strokes for p in s]
    dx = (width - max(xs) - min(xs)) / 2
    return [[[x + dx, y] for x, y in s] for s in strokes]


def save_small(png: bytes, out: Path) -> None:
    """The screenshot as a PNG of 64 colours (a flat page: no visible loss, under half the
    bytes)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT,
                   dither=Image.Dither.NONE).save(out, optimize=True)


def draw_characters(page, word: list, a) -> None:
    """Draw the word character by character, put the last one's ink back and open the model
    panel."""
    session = cdp(page)
    # the middle of the drawing area, left of the model panel
    cx, cy = a.width / 2, a.height / 2 + 20
    placed = [[[[x + cx, y + cy] for x, y in s] for s in strokes] for strokes in word]
    for n, strokes in enumerate(placed, 1):
        draw_pen(page, strokes, session)
        wait_results(page, n)
    # as while drawing: the ink on the canvas, the hint box hidden, Undo on
    page.evaluate("""(s) => {
      const surface = handwriting.app.surface;
      surface.load(s, 'pen');
      surface.dispatchEvent(new CustomEvent('change', {detail: {strokes: surface.strokes}}));
    }""", placed[-1])
    page.click("#btn-info")
    print(f"text {page.evaluate('handwriting.text')!r}, guesses {page.evaluate('handwriting.lastTop')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: web/model)")
    ap.add_argument("--piece", default=DEFAULT_PIECE,
                    help="words mode: the test piece written, WRITER:LABEL")
    ap.add_argument("--words-file", type=Path, default=None, help="unipen_words.jsonl.gz")
    ap.add_argument("--height-px", type=float, default=72.0,
                    help="words mode: the line's writing height, CSS px")
    ap.add_argument("--characters", action="store_true",
                    help="the character-at-a-time page and a word written character by character")
    ap.add_argument("--word", default="Hello", help="with --characters")
    ap.add_argument("--writer", default="ced/BNGM-227", help="with --characters: UNIPEN writer id")
    ap.add_argument("--unipen", type=Path, default=None, help="with --characters: unipen_chars.jsonl.gz")
    ap.add_argument("--median-px", type=float, default=190.0,
                    help="with --characters: the writer's median character height, CSS px")
    ap.add_argument("--stroke-width", type=int, default=None,
                    help="the ink's width on screen, CSS px (default: 8, thinner than the page's "
                         "12 so that the joined-up letters stay apart; the page's with --characters)")
    ap.add_argument("--dark", action="store_true", help="dark colour scheme")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=840)
    a = ap.parse_args()
    if a.characters:
        word = writer_word(a.unipen or unipen_file(), a.writer, a.word, a.median_px)
    else:
        from benchmarks.unipen_words import place_line

        line = held_out_line(a.words_file, a.piece)
        strokes, shrunk = place_line(line["strokes"], a.height_px, LINE_BOX)
        strokes = centred(strokes, a.width)
        print(f"{line['writer']} ({line['style']}): {line['label']!r}"
              + (" (shrunk to fit)" if shrunk else ""))

    tmp = None
    if a.model is not None:
        tmp = Path(tempfile.mkdtemp())
        root = copy_web(tmp / "web", a.model)
    else:
        if not (WEB / "model" / "manifest.json").is_file():
            print("web/model/manifest.json is missing: run the Kedro deployment pipeline first", file=sys.stderr)
            return 1
        root = WEB
    srv = serve(root)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(
                viewport={"width": a.width, "height": a.height},
                device_scale_factor=2,
                color_scheme="dark" if a.dark else "light",
            )
            ctx.add_init_script(INIT_SCRIPT)
            page = ctx.new_page()
            open_app(page, srv.url, "nosw", words=not a.characters)
            stroke_width = a.stroke_width if a.stroke_width is not None or a.characters else 8
            if stroke_width is not None:
                page.evaluate("(w) => handwriting.app.setStrokeWidth(w)", stroke_width)
            if a.characters:
                draw_characters(page, word, a)
            else:
                reading = write_line(page, strokes)
                print(f"read {reading['text']!r}, last word {reading['alternatives']}")
            page.mouse.move(a.width - 5, a.height / 2)
            page.wait_for_timeout(400)
            save_small(page.screenshot(), a.out)
            print(f"backend {page.evaluate('handwriting.backend')}")
            print(f"wrote {a.out}")
            browser.close()
    finally:
        srv.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
