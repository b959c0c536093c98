"""The pen path, two languages: web/js/trajectory.js, run in Node, against
handwriting.page.trajectory."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from test_preprocess_parity import node
from web_glyphs import GLYPHS
from web_support import WEB

from handwriting.page.trajectory import DEFAULT_POINTS, FEATURES, trajectory_features

pytestmark = [pytest.mark.web]

TOL = 1e-5

TRAJECTORY_SCRIPT = """
import { trajectoryFeatures, DEFAULT_POINTS, FEATURES } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const cases = JSON.parse(data);
const asObjects = (strokes) => strokes.map((s) => s.map((p) => ({ x: p[0], y: p[1] })));
const out = cases.map(({ strokes, points, objects }) => {
  const r = trajectoryFeatures(objects ? asObjects(strokes) : strokes, points);
  return r === null ? null : { type: r.constructor.name, values: Array.from(r) };
});
const defaults = Array.from(trajectoryFeatures([[[0, 0], [1, 1]]]) || []).length;
process.stdout.write(JSON.stringify({ out, DEFAULT_POINTS, FEATURES, defaults }));
"""

def run(script: str, module: str, payload) -> dict:
    url = json.dumps((WEB / "js" / module).resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", script % url], input=json.dumps(payload),
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(res.stdout)


# ---- trajectory.js ------------------------------------------------------------------------------


def trajectory_cases() -> list[dict]:
    """Seeded random drawings (1-4 strokes of 1-60 points, odd scales and offsets, dots,
    repeated points, a stroke of identical points), the test glyphs, and edge cases."""
    rng = np.random.default_rng(2024)
    out = []
    for i in range(300):
        scale = float(10 ** rng.uniform(-3, 4))
        offset = rng.uniform(-1e4, 1e4, size=2)
        strokes = []
        for _ in range(int(rng.integers(1, 5))):
            n = int(rng.integers(1, 61))
            kind = rng.random()
            if kind < 0.15:  # a stroke of identical points
                pts = np.repeat(rng.uniform(0, 1, size=(1, 2)), n, axis=0)
            elif kind < 0.4:  # a smooth pen path with repeated points (a pen that rested)
                pts = np.cumsum(rng.normal(0, 0.05, size=(n, 2)), axis=0)
                pts = np.repeat(pts, rng.integers(1, 4, size=n), axis=0)[:60]
            else:
                pts = rng.uniform(0, 1, size=(n, 2))
            strokes.append((pts * scale + offset).tolist())
        if i % 7 == 0:
            strokes.insert(int(rng.integers(0, len(strokes) + 1)), [])  # an empty stroke
        if i % 11 == 0:  # extra entries per point (time, pressure) are ignored
            strokes = [[[x, y, float(rng.uniform(0, 1e3)), 0.5] for x, y in s] for s in strokes]
        points = [DEFAULT_POINTS, DEFAULT_POINTS, 2, 3, 17, 100][i % 6]
        out.append({"strokes": strokes, "points": points, "objects": i % 5 == 4})
    for n, g in enumerate(GLYPHS.values()):
        out.append({"strokes": [[[x * 300 + 17, y * 300 - 4] for x, y in s] for s in g], "points": DEFAULT_POINTS,
                    "objects": n % 2 == 1})
    edge = [
        [],  # nothing
        [[]],
        [[], []],
        [[[4, 4]]],  # a single dot
        [[[4, 4], [4, 4], [4, 4]], [[4, 4]]],  # a dot, repeated
        [[[0, 0], [100, 0]]],  # a horizontal line (height 0)
        [[[0, 0], [0, 100]]],  # a vertical line (width 0)
        [[[0, 0]], [[100, 50]]],  # two dots: the whole path is one pen-up jump
        [[[0, 0], [50, 50]], [[100, 0]]],  # a segment and a dot
        [[[0, 0], [0, 0], [10, 0], [10, 0]], [[10, 0], [10, 10]]],  # zero-length segments, a jump of length 0
        [[[1e6, 1e6], [1e6 + 3, 1e6 + 1]]],  # far from the origin
        [[[0.001, 0.002], [0.003, 0.001], [0.0025, 0.004]]],  # tiny units
        [[[0, 0], [1, 0]], [[0, 1], [1, 1]], [[0, 2], [1, 2]], [[0, 3], [1, 3]]],  # four strokes
    ]
    out += [{"strokes": s, "points": p, "objects": False} for s in edge for p in (DEFAULT_POINTS, 2, 5)]
    return out


def test_node_trajectory_matches_python():
    cases = trajectory_cases()
    got = run(TRAJECTORY_SCRIPT, "trajectory.js", cases)
    assert got["DEFAULT_POINTS"] == DEFAULT_POINTS and got["FEATURES"] == FEATURES
    assert got["defaults"] == DEFAULT_POINTS * FEATURES, "trajectoryFeatures' default points"
    nulls = 0
    for n, (case, js) in enumerate(zip(cases, got["out"], strict=True)):
        py = trajectory_features(case["strokes"], case["points"])
        if py is None:
            assert js is None, f"case {n}: Python has nothing to recognise, JS returned features"
            nulls += 1
            continue
        assert js is not None, f"case {n}: JS returned null"
        assert js["type"] == "Float32Array"
        a = np.asarray(js["values"], np.float64).reshape(case["points"], FEATURES)
        assert a.shape == py.shape
        diff = np.abs(a - py).max()
        assert diff < TOL, f"case {n}: max abs difference {diff}"
        assert (a[:, 4] == py[:, 4]).all(), f"case {n}: pen flags differ"
    # the cases exercise what they are meant to
    assert nulls >= 15, "the empty and single-dot edge cases give None"
    pens = [trajectory_features(c["strokes"], c["points"]) for c in cases[:300]]
    assert sum(1 for f in pens if f is not None and (f[:, 4] == 0).any()) > 50, "pen-up jumps are sampled"


def test_trajectory_features_are_as_specified():
    """A drawing simple enough to work out by hand: an L then a dot, 5 samples."""
    f = trajectory_features([[[0, 0], [0, 10], [10, 10]], [[10, 0]]], 5)
    # box 10 x 10 centred at (5, 5): points (-.5,-.5) (-.5,.5) (.5,.5) (.5,-.5); path length 3
    t = np.array([0, 0.75, 1.5, 2.25, 3.0])
    x = np.array([-0.5, -0.5, -0.5 + 0.5, 0.5, 0.5])
    y = np.array([-0.5, 0.25, 0.5, 0.5 - 0.25, -0.5])
    assert np.allclose(f[:, 0], x) and np.allclose(f[:, 1], y), t
    assert np.allclose(f[:-1, 2], np.diff(x)) and np.allclose(f[:-1, 3], np.diff(y))
    assert (f[-1, 2:4] == 0).all()
    assert f[:, 4].tolist() == [1, 1, 1, 0, 0]
    got = run(TRAJECTORY_SCRIPT, "trajectory.js", [{"strokes": [[[0, 0], [0, 10], [10, 10]], [[10, 0]]], "points": 5,
                                                      "objects": False}])
    assert np.abs(np.asarray(got["out"][0]["values"]).reshape(5, 5) - f).max() < TOL


def test_node_trajectory_rejects_what_python_rejects():
    url = json.dumps((WEB / "js" / "trajectory.js").resolve().as_uri())
    script = f"""
    import {{ trajectoryFeatures }} from {url};
    const r = [];
    for (const f of [() => trajectoryFeatures([[[0, 0], [NaN, 1]]]),
                     () => trajectoryFeatures([[[0, 0], [1, 1]], [[Infinity, 0]]]),
                     () => trajectoryFeatures([[{{x: 0, y: 0}}, {{x: 1, y: -Infinity}}]]),
                     () => trajectoryFeatures([[[0, 0], [1, 1]]], 1),
                     () => trajectoryFeatures([[[0, 0], [1, 1]]], 2.5),
                     () => trajectoryFeatures([[[0, 0], [1, 1]]], 2)]) {{
      try {{ f(); r.push('ok'); }} catch (e) {{ r.push(e.name); }}
    }}
    console.log(JSON.stringify(r));
    """
    res = subprocess.run([node(), "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                         check=True)
    assert json.loads(res.stdout) == ["RangeError"] * 5 + ["ok"]
    nan, inf = float("nan"), float("inf")
    for strokes, points in [([[[0, 0], [nan, 1]]], 64), ([[[0, 0], [1, 1]], [[inf, 0]]], 64),
                            ([[[0, 0], [1, -inf]]], 64), ([[[0, 0], [1, 1]]], 1), ([[[0, 0], [1, 1]]], 2.5)]:
        with pytest.raises(ValueError):
            trajectory_features(strokes, points)


# ---- fusion.js ----------------------------------------------------------------------------------
