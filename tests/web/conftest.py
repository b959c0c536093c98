"""Fixtures for the web app tests: a static server for ``web/`` and headless Chromium.

- The browser is Debian's ``/usr/bin/chromium`` (override with ``$CHROMIUM``) driven by the Python
  ``playwright`` package. Without it the browser tests are skipped, except when ``$CI`` is set:
  there a missing browser is a failure.
- Tests that need a model use ``site``: ``web/`` itself, with the model the Kedro deployment
  pipeline wrote into ``web/model/``. To test another model (e.g. during development), point
  ``$HANDWRITING_TEST_MODEL_DIR`` at a folder holding a TF.js model + metadata.json: a copy of
  ``web/`` with that model is served instead. With neither, those tests are skipped.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODEL = WEB / "model"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = bool(os.environ.get("CI"))

# Collected in every page before any of its own scripts run: page errors and CSP violations.
INIT_SCRIPT = """
window.__cspViolations = [];
window.__pageErrors = [];
window.__results = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
window.addEventListener('error', (e) => window.__pageErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String(e.reason)));
window.addEventListener('handwriting:result', (e) => {
  window.__results.push(e.detail ? e.detail.top.map((g) => g.label) : null);
});
"""


# ---- static server ------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".webmanifest": "application/manifest+json",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store, must-revalidate")
        self.send_header("Pragma", "no-cache")
        self.send_header("Expires", "0")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@dataclass
class StaticServer:
    root: Path
    url: str
    httpd: http.server.ThreadingHTTPServer
    thread: threading.Thread

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve(root: Path) -> StaticServer:
    """Serve ``root`` on 127.0.0.1 (a free port) from a background thread."""
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    t = threading.Thread(target=httpd.serve_forever, name=f"static-{port}", daemon=True)
    t.start()
    return StaticServer(root=root, url=f"http://127.0.0.1:{port}/", httpd=httpd, thread=t)


def copy_web(dest: Path, model_dir: Path | None) -> Path:
    """A copy of web/ whose model/ folder is ``model_dir`` (or absent when None)."""
    shutil.copytree(WEB, dest, ignore=shutil.ignore_patterns("model"))
    if model_dir is not None:
        shutil.copytree(model_dir, dest / "model")
    return dest


def _model_source() -> Path | None:
    env = os.environ.get("HANDWRITING_TEST_MODEL_DIR")
    if env:  # an explicit choice wins
        if not (Path(env) / "model.json").is_file():
            raise RuntimeError(f"HANDWRITING_TEST_MODEL_DIR={env} has no model.json")
        return Path(env)
    if (MODEL / "model.json").is_file():
        return MODEL
    return None


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The model folder the tests use (web/model, or $HANDWRITING_TEST_MODEL_DIR)."""
    src = _model_source()
    if src is None:
        pytest.skip("no model: web/model/model.json is written by the Kedro deployment pipeline")
    return src


@pytest.fixture(scope="session")
def real_model() -> Path:
    """The trained model (for accuracy assertions): web/model/, or the explicit
    $HANDWRITING_TEST_MODEL_DIR; skipped when neither is there."""
    src = _model_source()
    if src is None:
        pytest.skip("needs the trained model in web/model/ (kedro run)")
    return src


@pytest.fixture(scope="session")
def site(model_dir: Path, tmp_path_factory) -> Iterator[StaticServer]:
    """The web app with a model, on a local static server."""
    root = WEB if model_dir == MODEL else copy_web(tmp_path_factory.mktemp("site") / "web", model_dir)
    srv = serve(root)
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def site_without_model(tmp_path_factory) -> Iterator[StaticServer]:
    """A copy of web/ with no model/ folder at all."""
    srv = serve(copy_web(tmp_path_factory.mktemp("nomodel") / "web", None))
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def metadata(model_dir: Path) -> dict:
    return json.loads((model_dir / "metadata.json").read_text())


# ---- browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI is set: install the chromium package)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


VIEWPORT = {"width": 1000, "height": 800}


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_SCRIPT)
    yield ctx
    ctx.close()


@pytest.fixture
def touch_context(browser):
    ctx = browser.new_context(viewport={"width": 412, "height": 860}, has_touch=True, is_mobile=True,
                              device_scale_factor=2.625)
    ctx.add_init_script(INIT_SCRIPT)
    yield ctx
    ctx.close()


class PageErrors(list):
    """Uncaught page errors and console errors, collected for assertions."""


def attach_error_log(page) -> PageErrors:
    log = PageErrors()
    page.on("pageerror", lambda exc: log.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: log.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    return log


def open_app(page, base_url: str, query: str = "", wait_state=("ready",)) -> None:
    """Open the page and wait until it has finished loading (ready or error)."""
    from web_input import wait_for

    page.goto(base_url + ("?" + query if query else ""))
    wait_for(page, "() => ['ready', 'error'].includes(document.documentElement.dataset.state)", timeout=60_000)
    state = page.evaluate("document.documentElement.dataset.state")
    if wait_state and state not in wait_state:
        err = page.evaluate("document.getElementById('error').textContent")
        raise AssertionError(f"page state {state!r}: {err}")


@pytest.fixture
def app_page(context, site):
    """A page with the app loaded and ready; ``page.errors`` collects errors."""
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url)
    return page
