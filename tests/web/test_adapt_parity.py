"""Learning from picks, twice: web/js/adapt.js against handwriting.page.adapt, in Node, on the
same seeded sequences of picks, withdrawals and readings; and what the specification promises."""

from __future__ import annotations

import numpy as np
import pytest
from test_trajectory_parity import run

from handwriting.page.adapt import Adaptation, apply, boost, checked, embed, with_corrections

pytestmark = [pytest.mark.web]

N = 62

SCRIPT = """
import { Adaptation } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { cfg, steps, bad } = JSON.parse(data);
const memory = new Adaptation(cfg, 62);
const out = [];
for (const s of steps) {
  if (s.op === 'remember') memory.remember(s.key, s.shape, s.label);
  else if (s.op === 'forget') memory.forget(s.key);
  else {
    const p = memory.apply(s.probs, s.shape);
    out.push({ size: memory.size, type: p.constructor.name, probs: Array.from(p),
               boost: Array.from(memory.boost(s.shape)) });
  }
}
const errors = bad.map((c) => { try { new Adaptation(c, 62); return null; } catch (e) { return e.name; } });
// what the page stores and restores after a reload, with entries of another model mixed in
const copy = new Adaptation(cfg, 62);
const restored = copy.restore([...memory.dump(), { shape: [1], label: 0 },
  { shape: Array(62).fill(0.1), label: 62 }, null, { shape: Array(62).fill(NaN), label: 1 }]);
const last = steps.filter((s) => s.op === 'read').pop().shape;
process.stdout.write(JSON.stringify({ out, errors, restored, copyBoost: Array.from(copy.boost(last)),
                                      dumped: JSON.stringify(memory.dump()).length }));
"""


def steps(seed: int = 3, n: int = 400) -> list[dict]:
    """Seeded picks (a few shapes near each other, so that kernels overlap), re-picks of the same
    key, withdrawals and readings."""
    rng = np.random.default_rng(seed)
    centres = rng.dirichlet(np.full(N, 0.1), size=6)
    out = []
    for i in range(n):
        c = centres[rng.integers(len(centres))]
        shape = rng.dirichlet(c * 200 + 0.01)
        kind = rng.random()
        if kind < 0.3:
            out.append({"op": "remember", "key": f"k{rng.integers(0, 40)}", "shape": shape.tolist(),
                        "label": int(rng.integers(N))})
        elif kind < 0.37:
            out.append({"op": "forget", "key": f"k{rng.integers(0, 40)}"})
        else:
            probs = rng.dirichlet(np.full(N, 0.2))
            if i % 7 == 0:
                probs[int(rng.integers(N))] = 0.0
            out.append({"op": "read", "shape": shape.tolist(), "probs": probs.tolist()})
    return out


def test_node_adaptation_matches_python():
    cfg = {"tau": 0.5, "beta": 2.0, "capacity": 25}  # small: evictions happen
    s = steps()
    bad = [[], {"tau": 0}, {"tau": -1}, {"beta": -0.5}, {"capacity": 0}, {"capacity": 2.5},
           {"tau": "0.5"}, {"shape": 1}]
    got = run(SCRIPT, "adapt.js", {"cfg": cfg, "steps": s, "bad": bad})
    py = Adaptation(cfg, N)
    reads = 0
    for step in s:
        if step["op"] == "remember":
            py.remember(step["key"], step["shape"], step["label"])
        elif step["op"] == "forget":
            py.forget(step["key"])
        else:
            js = got["out"][reads]
            reads += 1
            assert js["size"] == len(py) and js["type"] == "Float32Array"
            np.testing.assert_allclose(js["boost"], py.boost(step["shape"]), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(js["probs"], py.apply(step["probs"], step["shape"]),
                                       rtol=1e-5, atol=1e-7)
    assert reads > 200 and max(o["size"] for o in got["out"]) == 25  # the capacity was reached
    assert any(max(o["boost"]) > 0.5 for o in got["out"])  # and corrections did pull
    assert got["errors"] == ["RangeError"] * len(bad)
    last = [st for st in s if st["op"] == "read"][-1]["shape"]
    assert got["restored"] == len(py)  # the four foreign entries skipped
    np.testing.assert_allclose(got["copyBoost"], py.boost(last), atol=1e-5)
    assert got["dumped"] < 25 * 62 * 10  # rounded: about 9 characters a number
    for c in bad[1:]:
        with pytest.raises(ValueError):
            checked(c)


def test_a_correction_pulls_near_shapes_only():
    shape = np.full(N, 0.1 / (N - 2))
    shape[[1, 21]] = [0.55, 0.35]  # read as 1, maybe l
    memory = Adaptation({"tau": 0.5, "beta": 2.0}, N)
    np.testing.assert_array_equal(memory.apply(shape, shape), shape)  # nothing remembered
    memory.remember("first", shape, 21)
    near = memory.apply(shape, shape)
    assert near.argmax() == 21 and near[21] / near[1] == pytest.approx(0.35 / 0.55 * np.exp(2.0))
    far = np.full(N, 0.1 / (N - 1))
    far[40] = 0.9  # a different drawing
    assert memory.boost(far)[21] < 0.01  # exp(-(d / tau)^2) with d about 1.27
    np.testing.assert_allclose(memory.apply(far, far), far, atol=1e-4)
    memory.forget("first")
    assert len(memory) == 0


def test_capacity_drops_the_oldest_and_a_repick_keeps_its_place():
    memory = Adaptation({"capacity": 2}, N)
    a, b = np.eye(N)[0], np.eye(N)[1]
    memory.remember("a", a, 5)
    memory.remember("b", b, 6)
    memory.remember("a", a, 7)  # a new pick for the same character: replaced, still oldest
    memory.remember("c", b, 8)
    assert len(memory) == 2
    assert memory.boost(a)[7] == pytest.approx(0.0, abs=1e-12)  # "a" went first
    assert memory.boost(b)[[6, 8]].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError):
        memory.remember("d", a, N)


def test_helpers():
    np.testing.assert_array_equal(embed([0.25, -0.1, 0.0]), [0.5, 0.0, 0.0])
    b = boost(embed([1.0, 0.0]), np.stack([embed([1.0, 0.0]), embed([0.0, 1.0])]), [1, 1], 1.0, 2)
    assert b.tolist() == pytest.approx([0.0, 1.0 + np.exp(-2.0)])
    np.testing.assert_allclose(apply([0.5, 0.5], [0.0, 1.0], 1.0),
                               [1 / (1 + np.e), np.e / (1 + np.e)])


def test_with_corrections_learns_a_writers_habit():
    """A writer whose bar is always an l, read as 1 by shape: the first is corrected (l is the
    second guess), and the ones after it are read as l; a truth not among the guesses shown is
    never picked, and without learning (beta 0) every bar needs a correction."""
    labels = [str(i) for i in range(10)] + [chr(c) for c in range(65, 91)] + \
        [chr(c) for c in range(97, 123)]
    ell, one, x = labels.index("l"), labels.index("1"), labels.index("x")
    bar = np.full(N, 0.02 / (N - 2))
    bar[[one, ell]] = [0.55, 0.43]
    ex = np.full(N, 0.1 / (N - 1))
    ex[one] = 0.9  # an x the models read as a 1 beyond doubt: x not among the guesses
    probs = np.stack([bar] * 5 + [ex])
    y = np.array([ell] * 5 + [x])
    first, corrected = with_corrections(probs, [[0, 1, 5, 2, 3, 4]], {}, y, labels)
    assert corrected.tolist() == [True, False, False, False, False, False]
    assert first[:5].argmax(1).tolist() == [one] + [ell] * 4
    np.testing.assert_array_equal(first[0], bar)
    assert first[5].argmax() == one  # only bar-like drawings moved
    _, fixed = with_corrections(probs, [[0, 1, 5, 2, 3, 4]], {"beta": 0.0}, y, labels)
    assert fixed.tolist() == [True] * 5 + [False]
