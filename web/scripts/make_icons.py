"""Render web/icons/icon.svg to the PNG icons of the web app manifest (headless Chromium).

    .venv/bin/python web/scripts/make_icons.py

Writes icon-192.png, icon-512.png and icon-maskable-512.png (the icon shrunk into the 80 %
safe zone on the icon's own background colour, so that launchers may crop it to any shape).
"""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "icons"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, size, maskable in (
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("icon-maskable-512.png", 512, True),
        ):
            page = browser.new_page(viewport={"width": size, "height": size})
            inner = int(size * 0.8) if maskable else size
            bg = "#5b5bef" if maskable else "transparent"
            page.set_content(
                f'<html><body style="margin:0;background:{bg};display:grid;place-items:center;'
                f'width:{size}px;height:{size}px"><img src="{uri}" width="{inner}" height="{inner}">'
                "</body></html>"
            )
            page.wait_for_load_state("load")
            page.screenshot(path=str(ICONS / name), omit_background=not maskable)
            page.close()
            print("wrote", ICONS / name)
        browser.close()


if __name__ == "__main__":
    main()
