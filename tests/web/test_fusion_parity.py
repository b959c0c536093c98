"""How the page combines its two models, two languages: web/js/fusion.js, run in Node, against
handwriting.page.fusion."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from test_preprocess_parity import node
from test_trajectory_parity import TOL, run
from web_support import WEB

from handwriting.page.fusion import DEFAULT_WEIGHT, FLOOR, fuse

pytestmark = [pytest.mark.web]

FUSION_SCRIPT = """
import { fuse, FLOOR, DEFAULT_WEIGHT } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const cases = JSON.parse(data);
const out = cases.map(({ image, stroke, weight }) => {
  try {
    const r = weight === undefined ? fuse(image, stroke) : fuse(image, stroke, weight);
    return { type: r.constructor.name, values: Array.from(r), copy: r !== image };
  } catch (e) { return { error: e.name }; }
});
process.stdout.write(JSON.stringify({ out, FLOOR, DEFAULT_WEIGHT }));
"""



def fusion_cases() -> list[dict]:
    """Random probability vectors (peaked and flat), zeros in either vector or both, every
    weight of interest, no stroke probabilities."""
    rng = np.random.default_rng(99)
    out = []
    for i in range(240):
        alpha = [0.05, 0.3, 1.0, 5.0][i % 4]
        image, stroke = rng.dirichlet(np.full(62, alpha), size=2).astype(np.float32)
        if i % 5 == 1:
            image[rng.choice(62, size=20, replace=False)] = 0
        if i % 5 == 2:
            stroke[rng.choice(62, size=20, replace=False)] = 0
        if i % 5 == 3:  # each model certain of a different label: only the floor decides
            image[:] = 0
            stroke[:] = 0
            image[3], stroke[40] = 1, 1
        weight = [0.0, 0.5, 1.0, 2.0, 0.37, None][i % 6]
        case = {"image": image.tolist(), "stroke": stroke.tolist()}
        if weight is not None:
            case["weight"] = weight
        out.append(case)
    p = rng.dirichlet(np.ones(62)).astype(np.float32).tolist()
    out += [{"image": p, "stroke": None, "weight": 1.0}, {"image": p, "stroke": None},
            {"image": [0.0] * 62, "stroke": [0.0] * 62, "weight": 1.0}]
    return out


def test_node_fusion_matches_python():
    cases = fusion_cases()
    got = run(FUSION_SCRIPT, "fusion.js", cases)
    assert got["FLOOR"] == FLOOR and got["DEFAULT_WEIGHT"] == DEFAULT_WEIGHT
    moved = 0
    for n, (case, js) in enumerate(zip(cases, got["out"], strict=True)):
        weight = case.get("weight", DEFAULT_WEIGHT)
        py = fuse(np.asarray(case["image"], np.float32),
                  None if case["stroke"] is None else np.asarray(case["stroke"], np.float32), weight)
        assert "error" not in js, f"case {n}: {js}"
        assert js["type"] == "Float32Array" and js["copy"]
        a = np.asarray(js["values"], np.float64)
        diff = np.abs(a - py).max()
        assert diff < TOL, f"case {n}: max abs difference {diff}"
        if case["stroke"] is None or weight == 0:
            assert js["values"] == case["image"], f"case {n}: the image model alone, unchanged"
            continue
        assert abs(a.sum() - 1) < 1e-5, f"case {n}: sum {a.sum()}"
        if np.abs(py - np.asarray(case["image"])).max() > 0.05:
            moved += 1
    assert moved > 100, "the stroke model changes the outcome in most cases"
    # certain of different labels: only the floors decide; weight 2 favours the stroke model's
    # label (image 1 * stroke FLOOR^2 against image FLOOR * stroke 1^2)
    for case, js in zip(cases, got["out"]):
        if case["image"][3] == 1 and case["stroke"] and case["stroke"][40] == 1 and case.get("weight") == 2.0:
            assert js["values"][40] > 0.999 and js["values"][3] < 1e-6
            break
    else:
        raise AssertionError("no weight-2 disagreement case")


def test_node_fusion_rejects_what_python_rejects():
    p = [0.25] * 4
    bad = [{"image": p, "stroke": p, "weight": -1.0},
           {"image": p, "stroke": [0.5, 0.5], "weight": 1.0}]
    got = run(FUSION_SCRIPT, "fusion.js", bad)
    assert got["out"] == [{"error": "RangeError"}] * 2
    for case in bad:
        with pytest.raises(ValueError):
            fuse(np.asarray(case["image"]), np.asarray(case["stroke"]), case["weight"])
    # NaN weights: JSON cannot carry NaN, so directly
    url = json.dumps((WEB / "js" / "fusion.js").resolve().as_uri())
    script = f"""import {{ fuse }} from {url};
    try {{ fuse([0.5, 0.5], [0.5, 0.5], NaN); console.log('ok'); }} catch (e) {{ console.log(e.name); }}"""
    res = subprocess.run([node(), "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                         check=True)
    assert res.stdout.strip() == "RangeError"
    with pytest.raises(ValueError):
        fuse(np.asarray([0.5, 0.5]), np.asarray([0.5, 0.5]), float("nan"))
