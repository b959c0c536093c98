"""One specification, two languages: web/js/preprocess.js (Node and the page) against
src/handwriting/page/preprocess.py, and the page's predictions against Keras."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from web_support import IN_CI, WEB, attach_error_log, open_app
from web_glyphs import GLYPHS, accepted
from web_input import glyph

from handwriting.page.preprocess import DEFAULT_SPEC, CanvasSpec, render

pytestmark = [pytest.mark.web, pytest.mark.slow]

TOL = 1e-4

SPECS = [
    DEFAULT_SPEC.to_dict(),
    CanvasSpec(radius=1.4, softness=1.0).to_dict(),
    CanvasSpec(inner=20, radius=0.5, softness=1.0).to_dict(),
    CanvasSpec(radius=1.0, softness=0.0).to_dict(),
    CanvasSpec(size=32, inner=26, radius=0.0, softness=0.7).to_dict(),
]


def cases():
    """(strokes, spec) pairs: glyphs at odd scales / offsets, random scribbles, edge cases."""
    rng = np.random.default_rng(123)
    out = []
    for i, (label, g) in enumerate(GLYPHS.items()):
        scale, dx, dy = [0.37, 5.0, 913.0][i % 3], rng.uniform(-500, 500), rng.uniform(-500, 500)
        out.append(([[[x * scale + dx, y * scale + dy] for x, y in s] for s in g], SPECS[i % len(SPECS)]))
    for i in range(20):
        strokes = [rng.uniform(0, 1, size=(rng.integers(1, 30), 2)) * rng.uniform(1, 2000) for _ in range(rng.integers(1, 5))]
        out.append(([s.tolist() for s in strokes], SPECS[i % len(SPECS)]))
    edge = [
        [],  # nothing
        [[]],
        [[[4, 4]]],  # a dot
        [[[4, 4], [4, 4]], [[4, 4]]],  # a dot, repeated
        [[[0, 0], [100, 0]]],  # a horizontal line (height 0)
        [[[0, 0], [0, 100]]],  # a vertical line (width 0)
        [[[0, 0], [50, 50]], [[100, 0]]],  # a segment and a dot
        [[[1e6, 1e6], [1e6 + 3, 1e6 + 1]]],  # far from the origin
        [[[0.001, 0.002], [0.003, 0.001], [0.0025, 0.004]]],  # tiny units
    ]
    out += [(s, DEFAULT_SPEC.to_dict()) for s in edge]
    return out


def python_render(strokes, spec):
    img = render(strokes, CanvasSpec.from_dict(spec))
    return None if img is None else img.ravel().tolist()


def assert_same(js, py, what):
    assert len(js) == len(py)
    for n, (a, b) in enumerate(zip(js, py)):
        if b is None or a is None:
            assert a is None and b is None, f"{what} case {n}: one side is None"
            continue
        diff = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max()
        assert diff < TOL, f"{what} case {n}: max abs difference {diff}"


# ---- Node -------------------------------------------------------------------------------------


NODE_SCRIPT = """
import { preprocess, DEFAULT_SPEC } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const cases = JSON.parse(data);
const out = cases.map(([strokes, spec]) => {
  const r = preprocess(strokes, spec);
  return r === null ? null : Array.from(r);
});
process.stdout.write(JSON.stringify({ out, defaults: DEFAULT_SPEC }));
"""


def node():
    exe = shutil.which("node")
    if exe is None:
        if IN_CI:
            pytest.fail("node is not installed (CI is set)")
        pytest.skip("node is not installed")
    return exe


def test_node_preprocess_matches_python():
    c = cases()
    url = json.dumps((WEB / "js" / "preprocess.js").resolve().as_uri())
    res = subprocess.run(
        [node(), "--input-type=module", "-e", NODE_SCRIPT % url],
        input=json.dumps(c), capture_output=True, text=True, timeout=120, check=True,
    )
    got = json.loads(res.stdout)
    assert got["defaults"] == DEFAULT_SPEC.to_dict(), "JS and Python defaults differ"
    assert_same(got["out"], [python_render(s, spec) for s, spec in c], "node")


def test_node_rejects_what_python_rejects():
    url = json.dumps((WEB / "js" / "preprocess.js").resolve().as_uri())
    script = f"""
    import {{ preprocess, normalizeSpec }} from {url};
    const r = [];
    for (const f of [() => preprocess([[[0, 0], [NaN, 1]]]), () => normalizeSpec({{radius: 12}}),
                     () => normalizeSpec({{size: 0}}), () => normalizeSpec({{inner: 40}})]) {{
      try {{ f(); r.push('ok'); }} catch (e) {{ r.push(e.name); }}
    }}
    console.log(JSON.stringify(r));
    """
    res = subprocess.run([node(), "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(res.stdout) == ["RangeError"] * 4


# ---- the page ---------------------------------------------------------------------------------


def test_page_preprocess_matches_python(context, site_without_model):
    """The module as the browser runs it (no model needed)."""
    page = context.new_page()
    page.goto(site_without_model.url + "?nosw")
    c = cases()
    got = page.evaluate(
        """async (cases) => {
            const m = await import(new URL('js/preprocess.js', location.href).href);
            return cases.map(([s, spec]) => { const r = m.preprocess(s, spec); return r === null ? null : Array.from(r); });
        }""",
        c,
    )
    assert_same(got, [python_render(s, spec) for s, spec in c], "page")


@pytest.fixture(scope="module")
def keras_model(model_dir):
    from handwriting.page.recognizer import model_files
    from handwriting.tfjs_compat import load_tfjs

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return load_tfjs(model_files(model_dir))


@pytest.fixture(scope="module")
def keras_stroke_model(model_dir, metadata):
    """The shipped stroke model loaded back into tf_keras, or None when the page has none."""
    from handwriting.page.recognizer import model_files
    from handwriting.tfjs_compat import load_tfjs

    cfg = metadata.get("stroke_model")
    if not cfg:
        return None
    return load_tfjs(model_files(model_dir, cfg["path"]), cfg["path"])


def test_page_predictions_equal_keras(context, site, metadata, keras_model, keras_stroke_model):
    """Same strokes: the page's input equals the Python rendering (spec from metadata.json), its
    image probabilities equal tf_keras' prediction of the model loaded back from model.json, and
    (with a stroke model) its probabilities equal the Python fusion of both models. The size cue
    is off (``?size=off``): it moves the probabilities from the fourth character of a line on,
    and test_sizecue_page checks it."""
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.deployment.nodes import as_model_input
    from handwriting.page.trajectory import trajectory_features

    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url + "?nosw&size=off")
    spec = CanvasSpec.from_dict(metadata.get("canvas_spec"))
    labels = metadata["labels"]
    samples = [glyph(k) for k in GLYPHS] + [[[[0, 0], [40, 90], [80, 0]]], [[[10, 10], [90, 10]], [[50, 10], [50, 95]], [[20, 95], [80, 95]]]]
    for strokes in samples:
        r = page.evaluate("(s) => handwriting.replay(s)", strokes)
        assert r is not None
        x = render(strokes, spec)
        assert np.abs(np.asarray(r["input"]) - x.ravel()).max() < TOL
        p = keras_model.predict(x[None, :, :, None], verbose=0)[0]
        assert np.abs(np.asarray(r["imageProbs"]) - p).max() < 1e-3
        if keras_stroke_model is not None:
            cfg = metadata["stroke_model"]
            path = trajectory_features(strokes, cfg["points"])
            x_path = as_model_input(keras_stroke_model, path[None])
            p = fuse(p, keras_stroke_model.predict(x_path, verbose=0)[0], cfg["weight"])
        assert r["top"][0]["label"] == labels[int(np.argmax(p))]
        assert np.abs(np.asarray(r["probs"]) - p).max() < 1e-3
    assert page.evaluate("window.__pageErrors") == []


def test_replay_hook_matches_what_was_drawn(context, site, real_model):
    """The hook and pointer input take the same path: same strokes, same input and guesses."""
    from web_input import draw_mouse, surface_strokes, wait_results

    page = context.new_page()
    open_app(page, site.url + "?nosw&idle=600000")
    draw_mouse(page, glyph("5"))
    drawn = surface_strokes(page)
    page.evaluate("handwriting.app.surface.flush()")
    top = wait_results(page, 1)[-1]
    first = page.evaluate("handwriting.lastInput")
    r = page.evaluate("(s) => handwriting.replay(s)", drawn)
    assert r["input"] == first
    assert [g["label"] for g in r["top"]] == top
    assert top[0] in accepted("5")
