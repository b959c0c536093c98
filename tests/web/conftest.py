"""Fixtures for the web app tests: a static server for ``web/`` and headless Chromium.

- The browser is Debian's ``/usr/bin/chromium`` (override with ``$CHROMIUM``) driven by the Python
  ``playwright`` package. Without it the browser tests are skipped, except when ``$CI`` is set:
  there a missing browser is a failure.
- Tests that need a model use ``site``: ``web/`` itself, with the model the Kedro deployment
  pipeline wrote into ``web/model/``. To test another model (e.g. during development), point
  ``$HANDWRITING_TEST_MODEL_DIR`` at a model folder as the deployment pipeline writes it
  (manifest.json + files/, ``handwriting.datasets.StaticModelDirectory``): a copy of
  ``web/`` with that model is served instead. With neither, an untrained stand-in model is built
  for the session: everything runs except the tests that assert recognised characters
  (fixture ``real_model``), which are skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helper modules next to this file are imported by name, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_CI,
    INIT_SCRIPT,
    MODEL,
    WEB,
    StaticServer,
    _model_source,
    attach_error_log,
    build_throwaway_model,
    VIEWPORT,
    copy_web,
    model_metadata,
    open_app,
    serve,
)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The model folder the tests use: $HANDWRITING_TEST_MODEL_DIR, else web/model, else an
    untrained stand-in built for the session (see ``build_throwaway_model``)."""
    src = _model_source()
    if src is not None:
        return src
    return build_throwaway_model(tmp_path_factory.mktemp("throwaway"))


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
    return model_metadata(model_dir)


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


@pytest.fixture
def app_page(context, site):
    """A page with the app loaded and ready; ``page.errors`` collects errors. It finishes a
    character 120 ms after pen-up (the pause's own length has its own test)."""
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, "idle=120")
    return page
