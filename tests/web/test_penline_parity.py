"""The words model's input, two languages: web/js/penline.js, run in Node, against
handwriting.page.penline, on seeded random ink and on real UNIPEN words."""

from __future__ import annotations

import numpy as np
import pytest
from test_trajectory_parity import run
from web_glyphs import GLYPHS

from handwriting.page.penline import DEFAULT_STEP, FEATURES, JUMP_LIMIT, penline_features

pytestmark = [pytest.mark.web]

TOL = 1e-5

PENLINE_SCRIPT = """
import { penlineFeatures, DEFAULT_STEP, FEATURES, JUMP_LIMIT } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const cases = JSON.parse(data);
const asObjects = (strokes) => strokes.map((s) => s.map((p) => ({ x: p[0], y: p[1] })));
const out = cases.map(({ strokes, step, objects }) => {
  try {
    const r = penlineFeatures(objects ? asObjects(strokes) : strokes, step);
    return { type: r.constructor.name, values: Array.from(r) };
  } catch (err) {
    return { error: err.name };
  }
});
process.stdout.write(JSON.stringify({ out, DEFAULT_STEP, FEATURES, JUMP_LIMIT }));
"""


def penline_cases() -> list[dict]:
    """Seeded random lines (1-12 strokes, odd scales and offsets, dots, pen rests, flat dashes,
    far jumps), the test glyphs written side by side, and edge cases."""
    rng = np.random.default_rng(7)
    out = []
    for i in range(200):
        scale = float(10 ** rng.uniform(-2, 4))
        offset = rng.uniform(-1e4, 1e4, size=2)
        strokes, x0 = [], 0.0
        for _ in range(int(rng.integers(1, 13))):
            n = int(rng.integers(1, 80))
            kind = rng.random()
            if kind < 0.1:  # a dot, or a pen that rested in one place
                pts = np.repeat(rng.uniform(0, 1, size=(1, 2)), n, axis=0)
            elif kind < 0.2:  # a flat dash
                pts = np.stack([np.linspace(0, rng.uniform(0.1, 2), n), np.zeros(n)], axis=1)
            else:
                pts = np.cumsum(rng.normal(0, 0.08, size=(n, 2)), axis=0)
                pts = np.repeat(pts, rng.integers(1, 3, size=n), axis=0)
            pts = pts + [x0, rng.uniform(-0.2, 0.2) + (10 if rng.random() < 0.05 else 0)]
            x0 += float(rng.uniform(0.2, 3))
            strokes.append((pts * scale + offset).tolist())
        if i % 9 == 0:
            strokes.insert(int(rng.integers(0, len(strokes) + 1)), [])
        step = [DEFAULT_STEP, DEFAULT_STEP, 0.05, 0.5, 1.0][i % 5]
        out.append({"strokes": strokes, "step": step, "objects": i % 4 == 3})
    word = [[[x * 100 + 120 * k, y * 100] for x, y in s] for k, g in enumerate(GLYPHS.values()) for s in g]
    out.append({"strokes": word, "step": DEFAULT_STEP, "objects": False})
    edge = [[], [[]], [[[4, 4]]], [[[4, 4], [4, 4]], [[9, 4]]], [[[0, 0], [10, 0]]],
            [[[0, 0], [0, 5]], [[3, 0], [3, 5]]]]
    out += [{"strokes": s, "step": DEFAULT_STEP, "objects": False} for s in edge]
    return out


def test_penline_js_matches_python():
    cases = penline_cases()
    res = run(PENLINE_SCRIPT, "penline.js", cases)
    assert (res["DEFAULT_STEP"], res["FEATURES"], res["JUMP_LIMIT"]) == (DEFAULT_STEP, FEATURES, JUMP_LIMIT)
    lengths = []
    for case, js in zip(cases, res["out"], strict=True):
        py = penline_features(case["strokes"], case["step"])
        assert js["type"] == "Float32Array"
        got = np.asarray(js["values"], dtype=np.float64).reshape(-1, FEATURES)
        assert got.shape == py.shape, case
        np.testing.assert_allclose(got, py, atol=TOL, rtol=0)
        lengths.append(len(py))
    assert min(lengths) == 0 and max(lengths) > 100  # empty ink and long lines were both compared


def test_bad_input_is_refused_on_both_sides():
    cases = [{"strokes": [[[0, 0], ["x", 1]]], "step": DEFAULT_STEP, "objects": False},
             {"strokes": [[[0, 0], [1, 1]]], "step": 0, "objects": False}]
    res = run(PENLINE_SCRIPT, "penline.js", cases)
    assert [r.get("error") for r in res["out"]] == ["RangeError", "RangeError"]
    for case in cases:
        with pytest.raises(ValueError):
            penline_features(case["strokes"], case["step"])
