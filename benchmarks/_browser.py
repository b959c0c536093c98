"""Shared helpers for the browser benchmarks: a static server for the page, headless Chromium,
opening the app and waiting until it is ready, and the model folder's metadata.

The page is served from ``web/`` itself, or, with ``model_dir`` set to another folder, from a
temporary copy of ``web/`` whose ``model/`` is that folder (the page always loads
``model/manifest.json`` and the files it names).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._project import REPO, RESULTS  # noqa: F401
from handwriting.static_server import CHROMIUM, CHROMIUM_ARGS  # noqa: F401
from handwriting.page.manifest import read_model_files
from handwriting.static_server import serving as serve

WEB = REPO / "web"
VIEWPORT = {"width": 1000, "height": 800}
# Where a character is drawn on the page, in CSS px of the 1000 x 800 viewport: a square in the
# middle of the full-window canvas, clear of the header (text line, guesses) and the toolbar.
DRAW_BOX = (350.0, 250.0, 300.0)  # x0, y0, side

# Collected in every page before its own scripts run.
INIT_SCRIPT = """
window.__pageErrors = [];
window.addEventListener('error', (e) => window.__pageErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String(e.reason)));
"""



@contextlib.contextmanager
def site(web_dir: Path = WEB, model_dir: Path | None = None) -> Iterator[tuple[str, Path]]:
    """Serve the page; yields ``(url, model folder used)``."""
    web_dir = Path(web_dir).resolve()
    if model_dir is None or Path(model_dir).resolve() == (web_dir / "model").resolve():
        with serve(web_dir) as url:
            yield url, web_dir / "model"
        return
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        root = Path(tmp) / "web"
        shutil.copytree(web_dir, root, ignore=shutil.ignore_patterns("model"))
        shutil.copytree(model_dir, root / "model")
        with serve(root) as url:
            yield url, root / "model"


def model_info(model_dir: Path) -> dict:
    """What identifies the model in a report: version, spec, size, a hash of the files (by
    their logical names, each checked against the folder's manifest)."""
    model_dir = Path(model_dir)
    files = read_model_files(model_dir)
    meta = json.loads(files["metadata.json"])
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode())
        h.update(files[name])
    weights = sum(len(b) for name, b in files.items() if name.endswith(".bin"))
    return {
        "model_dir": str(model_dir),
        "model_version": meta.get("model_version"),
        "created": meta.get("created"),
        "quantization": meta.get("quantization"),
        "canvas_spec": meta.get("canvas_spec"),
        "stroke_model": meta.get("stroke_model"),
        "weights_bytes": weights,
        "files_sha256": h.hexdigest()[:16],
        "emnist_metrics": {k: (meta.get("metrics") or {}).get(k)
                           for k in ("accuracy", "case_folded_accuracy", "n_test", "data")},
    }


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Debian's, driven by Python playwright)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (set $CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageLoadError(RuntimeError):
    pass


WAIT_JS = """
([expr, timeoutMs]) => new Promise((resolve, reject) => {
  // Runs the predicate in page code without eval (the page's CSP forbids it; Playwright's
  // wait_for_function evaluates strings and fails there).
  const check = window.__benchPredicates[expr];
  const t0 = performance.now();
  const poll = () => {
    let v;
    try { v = check(); } catch (e) { reject(e); return; }
    if (v) resolve(v);
    else if (performance.now() - t0 > timeoutMs) reject(new Error('timeout waiting for ' + expr));
    else setTimeout(poll, 4);
  };
  poll();
})
"""

# Named predicates for wait(); defined by the init script so no string is ever eval'ed.
PREDICATES_JS = """
window.__benchPredicates = {
  loaded: () => ['ready', 'error'].includes(document.documentElement.dataset.state),
};
"""


def wait(page, name: str, timeout_ms: int = 60_000, arg=None):
    """Wait until predicate ``name`` is truthy (polled in the page every few ms)."""
    if arg is not None:
        page.evaluate("(a) => { window.__benchArg = a; }", arg)
    return page.evaluate(WAIT_JS, [name, timeout_ms])


def open_app(browser, url: str, query: str = "nosw", timeout_ms: int = 120_000,
             bypass_csp: bool = False):
    """A new page with the app loaded and ready; raises ``PageLoadError`` with the page's error
    message otherwise. ``bypass_csp`` (Playwright's) is off: the page is measured as served."""
    ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=bypass_csp)
    ctx.add_init_script(INIT_SCRIPT + PREDICATES_JS)
    page = ctx.new_page()
    page.goto(url + ("?" + query if query else ""))
    wait(page, "loaded", timeout_ms)
    state = page.evaluate("document.documentElement.dataset.state")
    if state != "ready":
        err = page.evaluate("document.getElementById('error').textContent")
        errors = page.evaluate("window.__pageErrors")
        ctx.close()
        raise PageLoadError(f"page state {state!r}: {err} (page errors: {errors})")
    page.evaluate("window.handwriting.ready")
    return page


def browser_version(browser) -> str:
    return f"Chromium {browser.version}"


# ---- async twins (the pointer paths pipeline CDP input events, which needs the async API) -------


@contextlib.asynccontextmanager
async def chromium_async():
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (set $CHROMIUM)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def wait_async(page, name: str, timeout_ms: int = 60_000, arg=None):
    if arg is not None:
        await page.evaluate("(a) => { window.__benchArg = a; }", arg)
    return await page.evaluate(WAIT_JS, [name, timeout_ms])


async def define_predicate_async(page, name: str, fn_js: str) -> None:
    await page.evaluate(f"() => {{ window.__benchPredicates[{json.dumps(name)}] = {fn_js}; }}")


async def open_app_async(browser, url: str, query: str = "nosw", timeout_ms: int = 120_000):
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.add_init_script(INIT_SCRIPT + PREDICATES_JS)
    page = await ctx.new_page()
    await page.goto(url + ("?" + query if query else ""))
    await wait_async(page, "loaded", timeout_ms)
    state = await page.evaluate("document.documentElement.dataset.state")
    if state != "ready":
        err = await page.evaluate("document.getElementById('error').textContent")
        await ctx.close()
        raise PageLoadError(f"page state {state!r}: {err}")
    await page.evaluate("window.handwriting.ready")
    return page


class Mouse:
    """Genuine mouse input through the Chrome DevTools Protocol (``Input.dispatchMouseEvent``,
    what Playwright's ``page.mouse`` sends), with the moves of a stroke pipelined: all are sent
    without waiting for each acknowledgement, in order, as a real high-rate device delivers them
    (Chromium coalesces them per frame; the page reads ``getCoalescedEvents()``). Sending one move
    at a time instead waits about a frame per move (~25 ms here)."""

    def __init__(self, cdp):
        self.cdp = cdp

    async def _send(self, type_, x, y, buttons, **kw):
        msg = {"type": type_, "x": float(x), "y": float(y), "button": "left", "buttons": buttons,
               "pointerType": "mouse"}
        msg.update(kw)
        await self.cdp.send("Input.dispatchMouseEvent", msg)

    async def stroke(self, points) -> None:
        import asyncio

        if not points:
            return
        x0, y0 = points[0]
        await self._send("mouseMoved", x0, y0, 0, button="none")
        await self._send("mousePressed", x0, y0, 1, clickCount=1)
        await asyncio.gather(*[self._send("mouseMoved", x, y, 1) for x, y in points[1:]])
        x1, y1 = points[-1]
        await self._send("mouseReleased", x1, y1, 0, clickCount=1)

    async def draw(self, strokes) -> None:
        for s in strokes:
            await self.stroke(s)

    @classmethod
    async def for_page(cls, page):
        return cls(await page.context.new_cdp_session(page))
