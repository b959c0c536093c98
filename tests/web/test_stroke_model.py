"""The stroke model in the page: loaded when metadata.json names one, its probabilities fused with
the image model's as handwriting.page.fusion specifies, off with ?strokes=off, and clear errors when
the export does not fit. Each test serves its own copy of web/ with an untrained stroke model
(random weights, float16 like the shipped model) written next to the image model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from web_glyphs import GLYPHS
from web_input import glyph, text, wait_for
from web_support import (
    CACHED_MODEL_FILES_JS,
    attach_error_log,
    build_stroke_model,
    copy_web,
    edit_model,
    model_metadata,
    open_app,
    reload_offline,
    serve,
    service_worker_site,
    serving,
)

from handwriting.page.fusion import fuse
from handwriting.page.manifest import file_path, read_manifest, read_model_file
from handwriting.page.preprocess import CanvasSpec, render
from handwriting.page.trajectory import trajectory_features

pytestmark = [pytest.mark.web, pytest.mark.slow]

WEIGHT = 0.7  # not the default 1.0: the page must read it from metadata.json
STROKE_TOL = 1e-3  # page (TF.js) against tf_keras, same float16-rounded weights
FUSE_TOL = 1e-5


def _with_stroke_model(dest: Path, model_dir: Path, **kw) -> Path:
    """A copy of web/ whose model/ folder is ``model_dir`` plus a stroke model."""
    root = copy_web(dest, model_dir)
    build_stroke_model(root / "model", **kw)
    return root


def _without_stroke_model(dest: Path, model_dir: Path) -> Path:
    """A copy of web/ whose metadata.json names no stroke model (the model as shipped so far)."""
    root = copy_web(dest, model_dir)
    edit_model(root / "model", {"stroke_model.json": None}, metadata={"stroke_model": None})
    return root


@pytest.fixture(scope="module")
def stroke_root(model_dir, tmp_path_factory) -> Path:
    return _with_stroke_model(tmp_path_factory.mktemp("strokes") / "web", model_dir, weight=WEIGHT)


@pytest.fixture(scope="module")
def stroke_site(stroke_root):
    srv = serve(stroke_root)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def keras_models(stroke_root):
    """(image model, stroke model) loaded back from the served TF.js files with tf_keras."""
    from handwriting.page.recognizer import model_files
    from handwriting.tfjs_compat import load_tfjs

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    model = stroke_root / "model"
    return (load_tfjs(model_files(model)),
            load_tfjs(model_files(model, "stroke_model.json"), "stroke_model.json"))


def no_errors(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate("window.__pageErrors") == []
    assert [e for e in page.errors if "favicon" not in e] == []


def _requests(page, needles):
    """URLs the page requests that contain one of ``needles``."""
    seen = []
    page.on("request", lambda req: seen.append(req.url) if any(n in req.url for n in needles) else None)
    return seen


def _stroke_files(root: Path) -> list[str]:
    """The content addresses of the stroke model's files in the site at ``root``."""
    manifest = read_manifest(root / "model")
    topology = json.loads(read_model_file(root / "model", "stroke_model.json", manifest))
    names = ["stroke_model.json"] + [p for g in topology["weightsManifest"] for p in g["paths"]]
    return [file_path(manifest, n) for n in names]


def _samples():
    """The test glyphs and seeded random multi-stroke scribbles, in page coordinates."""
    rng = np.random.default_rng(5)
    out = [glyph(k) for k in GLYPHS]
    for _ in range(8):
        out.append([(np.cumsum(rng.normal(0, 12, size=(int(rng.integers(2, 40)), 2)), axis=0) + 400).round(2).tolist()
                    for _ in range(int(rng.integers(1, 5)))])
    return out


# ---- fusion in the page -------------------------------------------------------------------------


def test_page_probs_are_the_python_fusion_of_its_two_models(context, stroke_site, keras_models):
    """imageProbs = the image model on the rendered ink, strokeProbs = the stroke model on
    handwriting.page.trajectory's features (both against tf_keras on the same export), probs =
    handwriting.page.fusion.fuse of the two with metadata's weight; the guesses, the text line and the
    word decoder's evidence come from the fused probabilities. The size cue is off (``size=off``:
    from a line's fourth character on it moves the probabilities; test_sizecue_page checks it)."""
    image_model, stroke_model = keras_models
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, stroke_site.url, "nosw&decoder=off&size=off")
    hw = page.evaluate("({on: handwriting.strokeModel, w: handwriting.strokeWeight, n: handwriting.strokePoints,"
                       " labels: handwriting.labels, spec: handwriting.spec})")
    assert hw["on"] is True and hw["w"] == pytest.approx(WEIGHT) and hw["n"] == 64
    labels, spec = hw["labels"], CanvasSpec.from_dict(hw["spec"])
    changed = 0
    for n, strokes in enumerate(_samples()):
        r = page.evaluate("(s) => handwriting.replay(s)", strokes)
        assert r is not None and r["strokeProbs"] is not None, n
        image, stroke, probs = (np.asarray(r[k], np.float64) for k in ("imageProbs", "strokeProbs", "probs"))
        assert len(image) == len(stroke) == len(probs) == len(labels)

        x = render(strokes, spec)
        assert np.abs(image - image_model.predict(x[None, :, :, None], verbose=0)[0]).max() < STROKE_TOL, n
        f = trajectory_features(strokes, 64)
        assert np.abs(stroke - stroke_model.predict(f[None], verbose=0)[0]).max() < STROKE_TOL, n

        assert np.abs(probs - fuse(image, stroke, WEIGHT)).max() < FUSE_TOL, n
        assert not np.allclose(probs, fuse(image, stroke, 1.0), atol=1e-4), "the weight comes from metadata"
        best = int(np.argmax(probs))
        assert r["top"][0]["label"] == labels[best] and r["top"][0]["p"] == pytest.approx(probs[best], abs=1e-6)
        assert text(page)[-1] == labels[best], "decoder off: the fused top guess is the character"
        evidence = page.evaluate("Array.from(handwriting.app.evidence.at(-1).probs)")
        assert np.abs(np.asarray(evidence) - probs).max() < 1e-7, "the word decoder reads the fused probabilities"
        changed += best != int(np.argmax(image))
    assert changed > 0, "the stroke model should change some top guesses (else this test proves little)"

    # the benchmark hook gives the same without touching the page, and nothing for a dot
    s = glyph("4")
    a = page.evaluate("(s) => handwriting.recognize(s)", s)
    b = page.evaluate("(s) => handwriting.replay(s)", s)
    for k in ("probs", "imageProbs", "strokeProbs", "input"):
        assert a[k] == b[k], k
    assert page.evaluate("handwriting.recognize([[[10, 10], [10, 10]]])") is None
    no_errors(page)


def test_strokes_off_is_the_image_model_alone(context, stroke_site, stroke_root):
    page = context.new_page()
    page.errors = attach_error_log(page)
    fetched = _requests(page, _stroke_files(stroke_root))
    open_app(page, stroke_site.url, "nosw&strokes=off")
    assert page.evaluate("[handwriting.strokeModel, handwriting.strokeWeight]") == [False, 0]
    on = context.new_page()
    open_app(on, stroke_site.url, "nosw")
    for ch in "4T":
        r = page.evaluate("(s) => handwriting.replay(s)", glyph(ch))
        assert r["strokeProbs"] is None
        assert r["probs"] == r["imageProbs"]
        both = on.evaluate("(s) => handwriting.recognize(s)", glyph(ch))
        assert both["imageProbs"] == r["imageProbs"], "the same image model either way"
        assert both["probs"] != r["probs"]
    assert fetched == [], "?strokes=off does not even download the stroke model"
    page.click("#btn-info")
    assert page.text_content("#info-strokes").startswith("off")
    no_errors(page)


def test_metadata_without_a_stroke_model_works_as_before(context, model_dir, tmp_path):
    root = _without_stroke_model(tmp_path / "web", model_dir)
    manifest = read_manifest(root / "model")
    topology = json.loads(read_model_file(root / "model", "model.json", manifest))
    image_files = {file_path(manifest, n) for n in ["metadata.json", "model.json"]
                   + [p for g in topology["weightsManifest"] for p in g["paths"]]}
    with serving(root) as url:
        page = context.new_page()
        page.errors = attach_error_log(page)
        fetched = _requests(page, ["/model/files/"])
        open_app(page, url, "nosw")
        assert page.evaluate("[handwriting.strokeModel, handwriting.strokeWeight, handwriting.strokePoints]") == [False, 0, None]
        r = page.evaluate("(s) => handwriting.replay(s)", glyph("7"))
        assert r["strokeProbs"] is None and r["probs"] == r["imageProbs"]
        assert abs(sum(r["probs"]) - 1) < 1e-3
        assert {u.split("/model/", 1)[1] for u in fetched} == image_files, "the image model's files alone"
        page.click("#btn-info")
        assert page.text_content("#info-strokes").startswith("none")
        no_errors(page)


def test_info_panel_mentions_the_stroke_model(context, stroke_site):
    page = context.new_page()
    open_app(page, stroke_site.url, "nosw")
    page.click("#btn-info")
    info = page.text_content("#info-strokes")
    assert info.startswith("on") and "64 points" in info and f"weight {WEIGHT}" in info and "KiB" in info
    assert page.locator("#info dt", has_text="Stroke model").count() == 1
    assert page.text_content("#info-time").endswith(" ms")


# ---- exports that do not fit --------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["labels", "points", "missing", "weight"])
def test_a_stroke_model_that_does_not_fit_is_a_clear_load_error(context, model_dir, tmp_path, fault):
    root = copy_web(tmp_path / "web", model_dir)
    model = root / "model"
    if fault == "labels":
        build_stroke_model(model, labels=list("0123456789"))
        expected = ["stroke model", "10 outputs", "62 labels"]
    else:
        build_stroke_model(model)
    entry = dict(model_metadata(model)["stroke_model"])
    if fault == "points":
        entry["points"] = 32
        expected = ["stroke model", "32", "[null, 32, 5]"]
    elif fault == "missing":  # published, then lost on the host
        (model / file_path(read_manifest(model), "stroke_model.json")).unlink()
        expected = ["stroke_model.json", "404"]
    elif fault == "weight":
        entry["weight"] = -1
        expected = ["stroke_model.weight", ">= 0"]
    if fault in ("points", "weight"):
        edit_model(model, metadata={"stroke_model": entry})
    with serving(root) as url:
        page = context.new_page()
        open_app(page, url, "nosw", wait_state=("error",))
        msg = page.locator("#error").text_content()
        for part in expected:
            assert part in msg, (part, msg)
        # the same files with ?strokes=off: the image model alone still works
        open_app(page, url, "nosw&strokes=off")
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7"))["strokeProbs"] is None


# ---- offline ------------------------------------------------------------------------------------


def test_the_stroke_model_works_offline_after_a_visit(browser, model_dir, tmp_path):
    """The service worker caches stroke_model.json and its weights, and its pruning of the files
    a fresh manifest does not name keeps them."""
    root = _with_stroke_model(tmp_path / "web", model_dir)
    stroke_bins = [p.split("/")[-1] for p in _stroke_files(root)]
    cached = CACHED_MODEL_FILES_JS
    with service_worker_site(browser, root) as (page, srv):
        open_app(page, srv.url)  # a second visit through the service worker: fresh manifest, pruning
        assert page.evaluate("handwriting.strokeModel") is True
        wait_for(page, f"async (want) => {{ const names = await ({cached})(); "
                       "return want.every((n) => names.includes(n)); }",
                 stroke_bins, timeout=30_000)
        page.wait_for_timeout(500)  # let any pruning finish
        names = page.evaluate(cached)
        assert set(stroke_bins) <= set(names), f"stroke weights pruned: {names}"
        reload_offline(page, srv)
        assert page.evaluate("handwriting.strokeModel") is True
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7"))["strokeProbs"] is not None
