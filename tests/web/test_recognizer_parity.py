"""recognizer.js against its Python twin (handwriting.page.recognizer): the same model folder, the
same drawings, the same probabilities at every step (image model, stroke model, fused, after the
size cue) and the same top guesses."""

from __future__ import annotations

import os

import numpy as np
import pytest
from web_glyphs import GLYPHS
from web_input import glyph
from web_support import attach_error_log, open_app

from handwriting.page.recognizer import Recognizer

pytestmark = [pytest.mark.web, pytest.mark.slow]

TOL = 1e-3  # TF.js against tf_keras on the same (quantised) weights


@pytest.fixture(scope="module")
def twin(model_dir) -> Recognizer:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return Recognizer.from_folder(model_dir)


def _drawings():
    rng = np.random.default_rng(11)
    out = [glyph(k) for k in GLYPHS]
    for _ in range(4):
        out.append([(np.cumsum(rng.normal(0, 12, size=(int(rng.integers(2, 30)), 2)), axis=0)
                     + 400).round(2).tolist() for _ in range(int(rng.integers(1, 4)))])
    return out


def test_the_page_and_its_python_twin_read_every_drawing_alike(context, site, twin):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, "nosw")
    assert page.evaluate("handwriting.labels") == twin.labels
    assert page.evaluate("handwriting.strokeModel") is twin.strokes_active
    assert page.evaluate("handwriting.strokeWeight") == pytest.approx(twin.stroke_weight)
    same_top = 0
    for n, strokes in enumerate(_drawings()):
        js = page.evaluate("(s) => handwriting.recognize(s)", strokes)
        py = twin.recognize(strokes)
        assert py is not None and js is not None, n
        for js_key, py_key in (("imageProbs", "image"), ("probs", "probs")):
            assert np.abs(np.asarray(js[js_key]) - py[py_key]).max() < TOL, (n, js_key)
        if twin.strokes_active:
            assert np.abs(np.asarray(js["strokeProbs"]) - py["stroke"]).max() < TOL, n
        same_top += [t["label"] for t in js["top"]] == [t["label"] for t in py["top"]]
    # top-3 orders can swap only where two guesses are within TF.js's rounding of each other
    assert same_top >= len(_drawings()) - 1
    assert twin.recognize([[[10, 10], [10, 10]]]) is None
    assert page.evaluate("handwriting.recognize([[[10, 10], [10, 10]]])") is None
