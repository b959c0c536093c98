"""Draw a few characters into the web app with the mouse and save docs/screenshot.png.

    .venv/bin/python web/scripts/screenshot.py [--out docs/screenshot.png] [--model DIR]
                                               [--dark] [--width 1100 --height 760]

Serves web/ (with web/model/, or with the model folder given by --model) on a local port,
drives headless Chromium (/usr/bin/chromium, or $CHROMIUM), writes "HELLO 42" with real mouse
strokes (the O drawn as a round zero: the word decoder makes it an O), leaves the next character half-drawn so the ink is visible, opens the model panel and
takes the screenshot.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "web"))

from web_support import CHROMIUM, CHROMIUM_ARGS, INIT_SCRIPT, WEB, copy_web, open_app, serve  # noqa: E402
from web_glyphs import GLYPHS, scaled  # noqa: E402
from web_input import draw_mouse, wait_results  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: web/model)")
    ap.add_argument("--dark", action="store_true", help="dark colour scheme")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=760)
    a = ap.parse_args()

    tmp = None
    if a.model is not None:
        tmp = Path(tempfile.mkdtemp())
        root = copy_web(tmp / "web", a.model)
    else:
        if not (WEB / "model" / "model.json").is_file():
            print("web/model/model.json is missing: run the Kedro deployment pipeline first", file=sys.stderr)
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
            open_app(page, srv.url, "nosw&idle=700")
            side = 260
            x0, y0 = (a.width - side) / 2, (a.height - side) / 2 + 20
            n = 0
            # the O of HELLO is drawn as the round "0" glyph: the word decoder reads it as O
            for ch in "HELLO 42":
                if ch == " ":
                    page.click("#btn-space")
                    continue
                draw_mouse(page, scaled(GLYPHS["0" if ch == "O" else ch], x0, y0, side))
                n += 1
                wait_results(page, n)
            # the next character, half drawn: its ink is on the canvas when the picture is taken
            page.evaluate("handwriting.app.surface.idleMs = {mouse: 1e9, touch: 1e9, pen: 1e9}")
            draw_mouse(page, scaled(GLYPHS["A"][:1], x0, y0, side))
            page.click("#btn-info")
            page.mouse.move(a.width - 5, a.height / 2)
            page.wait_for_timeout(400)
            a.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(a.out))
            print(f"text {page.evaluate('handwriting.text')!r}, backend {page.evaluate('handwriting.backend')}")
            print(f"wrote {a.out}")
            browser.close()
    finally:
        srv.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
