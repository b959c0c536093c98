"""Write a word into the web app with a real writer's pen strokes and save docs/screenshot.png.

    .venv/bin/python web/scripts/screenshot.py [--out docs/screenshot.png] [--model DIR]
                                               [--word Hello] [--writer ced/BNGM-227]
                                               [--unipen FILE] [--dark]

Serves web/ (with web/model/, or with the model folder given by --model) on a local port and
drives headless Chromium (/usr/bin/chromium, or $CHROMIUM). The word's characters are the
writer's own UNIPEN characters (the first of each in the file; the default writer is held out
from training), all scaled by one factor so that they keep the writer's relative sizes, and
drawn one after another with pen events. The last character's ink is put back on the canvas,
so that the picture shows what was drawn beside what the page read; then the model panel is
opened and the screenshot taken.
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: web/model)")
    ap.add_argument("--word", default="Hello")
    ap.add_argument("--writer", default="ced/BNGM-227", help="UNIPEN writer id")
    ap.add_argument("--unipen", type=Path, default=None, help="unipen_chars.jsonl.gz")
    ap.add_argument("--median-px", type=float, default=190.0,
                    help="the writer's median character height, CSS px")
    ap.add_argument("--dark", action="store_true", help="dark colour scheme")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=840)
    a = ap.parse_args()
    word = writer_word(a.unipen or unipen_file(), a.writer, a.word, a.median_px)

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
            open_app(page, srv.url, "nosw")
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
            page.mouse.move(a.width - 5, a.height / 2)
            page.wait_for_timeout(400)
            a.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(a.out))
            print(f"text {page.evaluate('handwriting.text')!r}, guesses {page.evaluate('handwriting.lastTop')}, "
                  f"backend {page.evaluate('handwriting.backend')}")
            print(f"wrote {a.out}")
            browser.close()
    finally:
        srv.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
