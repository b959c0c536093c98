"""The size cue's two implementations: web/js/sizecue.js against handwriting.page.sizecue, in Node;
and what the specification itself promises."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_trajectory_parity import run

from handwriting.page.sizecue import (
    SizeCue,
    apply,
    bin_of,
    fit_likelihood,
    fit_size_cue,
    ink_height,
    log_ratio,
    reference,
    sequence_ratios,
    typical_heights,
)

pytestmark = [pytest.mark.web]

LABELS = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

SCRIPT = """
import { SizeCue, inkHeight } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { cfg, labels, cases, drawings, bad } = JSON.parse(data);
const cue = new SizeCue(cfg, labels);
const out = cases.map(({ height, previous, probs }) => {
  const r = cue.ratio(height, previous);
  const p = cue.apply(probs, r);
  return { r: Number.isFinite(r) ? r : null, bin: Number.isFinite(r) ? cue.bin(r) : null,
           type: p.constructor.name, probs: Array.from(p) };
});
const edges = [-1, -0.8, -0.2, 0, 0.19999999999999998, 0.2, 0.6000000000000001, 1].map((r) => cue.bin(r));
const heights = drawings.map((d) => inkHeight(d));
const errors = bad.map((c) => { try { new SizeCue(c, labels); return null; } catch (e) { return e.name; } });
process.stdout.write(JSON.stringify({ out, heights, errors, edges }));
"""


def config(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"k": 5, "least": 3, "clip": 1.0, "bins": 10, "weight": 0.8,
            "typical": {c: float(rng.uniform(0.5, 1.6)) for c in LABELS[:-3]},  # 3 missing: 1.0
            "loglik": {c: np.log(rng.dirichlet(np.ones(10))).tolist()
                       for c in LABELS[3:]}}  # 3 missing: no effect


def cases(seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(300):
        n = int(rng.integers(0, 12))
        previous = [{"height": float(rng.choice([0.0, rng.uniform(1, 300)], p=[0.05, 0.95])),
                     "label": str(rng.choice(LABELS + ["?"]))} for _ in range(n)]
        probs = rng.dirichlet(np.full(len(LABELS), 0.2))
        if i % 9 == 0:
            probs[LABELS.index("s")] = 0.0  # a hard zero in a pair
        height = [0.0, float(rng.uniform(1, 300)), float(rng.uniform(1, 300)) * 50][i % 3]
        out.append({"height": height, "previous": previous, "probs": probs.tolist()})
    return out


def test_node_size_cue_matches_python():
    cfg, c = config(), cases()
    drawings = [[], [[]], [[[0, 5]]], [[[0, 5], [3, -2]], [[1, 40]]],
                [[{"x": 0, "y": 2}, {"x": 1, "y": 9}]]]
    bad = [None, {**cfg, "k": 0}, {**cfg, "clip": 0}, {**cfg, "bins": 2.5},
           {**cfg, "weight": -1}, {**cfg, "loglik": {"s": [0.0] * 9}}, {**cfg, "typical": None}]
    got = run(SCRIPT, "sizecue.js", {"cfg": cfg, "labels": LABELS, "cases": c,
                                     "drawings": drawings, "bad": bad})
    py = SizeCue(cfg, LABELS)
    applied = 0
    for n, (case, js) in enumerate(zip(c, got["out"], strict=True)):
        r = py.ratio(case["height"], [(p["height"], p["label"]) for p in case["previous"]])
        if np.isnan(r):
            assert js["r"] is None, f"case {n}: Python has no reference, JS has {js['r']}"
        else:
            assert js["r"] == pytest.approx(r, abs=1e-12), f"case {n}"
            assert js["bin"] == bin_of(r, 10)[()], f"case {n}"
            applied += 1
        assert js["type"] == "Float32Array"
        np.testing.assert_allclose(js["probs"], py.apply(np.array(case["probs"]), r), atol=1e-6,
                                   err_msg=f"case {n}")
    assert 100 < applied < 290, "the cases exercise both with and without a reference"
    assert got["heights"] == [ink_height(d) for d in drawings[:4]] + [7.0]
    assert got["errors"] == ["RangeError"] * len(bad)
    for c in bad[1:]:
        with pytest.raises((ValueError, TypeError, AttributeError)):
            SizeCue(c, LABELS)
    # bin edges fall the same way in both (floor of the same float expression)
    edges = [-1, -0.8, -0.2, 0, 0.19999999999999998, 0.2, 0.6000000000000001, 1]
    assert got["edges"] == bin_of(np.array(edges), 10).tolist()
    assert got["edges"][0] == 0 and got["edges"][-1] == 9


def test_reference_uses_last_k_normalised_and_needs_least():
    typical = np.array([0.5, 1.0, 2.0])
    assert np.isnan(reference([10, 20], [0, 1], typical, k=5, least=3))
    # 10/0.5 = 20, 20/1 = 20, 80/2 = 40 -> median 20
    assert reference([10, 20, 80], [0, 1, 2], typical, k=5, least=3) == 20
    # only the last 2 count: 20 and 40
    assert reference([10, 20, 80], [0, 1, 2], typical, k=2, least=1) == 30
    # heights of 0 (a flat stroke) are skipped, not counted
    assert np.isnan(reference([0, 0, 80], [0, 1, 2], typical, k=5, least=2))


def test_log_ratio_clips_and_refuses_bad_input():
    np.testing.assert_allclose(log_ratio([1, 100, 0.001, 2], [2, 1, 1, 2]),
                               [np.log(0.5), 1.0, -1.0, 0.0])
    assert np.isnan(log_ratio([0, 1, 1], [1, np.nan, 0])).all()


def test_apply_multiplies_by_the_bins_likelihood_and_leaves_no_reference_alone():
    loglik = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7], [1 / 3] * 3]))  # o, O, 0
    p = np.array([0.4, 0.4, 0.2])
    small, mid, tall, none = (apply(p, r, loglik, 1.0, 1.0) for r in (-0.9, 0.0, 0.9, np.nan))
    assert small.argmax() == 0 and tall.argmax() == 1
    np.testing.assert_allclose(small, [0.28, 0.04, 0.2 / 3] / np.sum([0.28, 0.04, 0.2 / 3]))
    mid_expected = p * np.array([0.2, 0.2, 1 / 3])  # the middle bin
    np.testing.assert_allclose(mid, mid_expected / mid_expected.sum())
    np.testing.assert_array_equal(none, p)
    assert small.dtype == np.float64 and small.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(apply(p, -0.9, loglik, 1.0, 0.0), p)  # weight 0: off
    rows = apply(np.stack([p, p]), np.array([-0.9, np.nan]), loglik)
    np.testing.assert_allclose(rows, np.stack([small, p]))


def test_fit_likelihood_is_a_smoothed_histogram_per_class():
    y = np.array([0, 0, 0, 1, 1])
    r = np.array([-0.9, -0.8, 0.9, 0.95, np.nan])
    ll = fit_likelihood(y, r, 3, bins=2, alpha=1.0)
    np.testing.assert_allclose(np.exp(ll), [[3 / 5, 2 / 5], [1 / 3, 2 / 3], [0.5, 0.5]])


def test_sequence_ratios_use_only_earlier_characters():
    typical = np.ones(3)
    r = sequence_ratios([10, 10, 10, 20, 5], [0, 0, 0, 0, 0], typical, k=5, least=3)
    assert np.isnan(r[:3]).all()
    assert r[3] == pytest.approx(np.log(2)) and r[4] == pytest.approx(np.log(5 / 10))


def test_fit_learns_that_small_means_lowercase():
    """Synthetic writers who draw lowercase o at 0.6 of their capitals: the typical heights
    recover the ratio, o's likelihood sits in the lower bins and O's in the upper ones, and the
    page's cue then reads a small ring as lowercase and a tall one as upper case, whatever the
    writer's own scale."""
    rng = np.random.default_rng(3)
    labels = ["O", "X", "o", "x"]
    y, h, w = [], [], []
    for writer in range(40):
        scale = 10 ** rng.uniform(0, 3)
        for _ in range(30):
            c = int(rng.integers(0, 4))
            y.append(c)
            h.append(scale * (1.0 if c < 2 else 0.6) * rng.lognormal(0, 0.08))
            w.append(f"w{writer}")
    cue = fit_size_cue(np.array(y), np.array(h), np.array(w), labels, k=5, least=3, bins=10)
    assert cue["typical"]["o"] / cue["typical"]["O"] == pytest.approx(0.6, rel=0.15)
    lo, up = np.array(cue["loglik"]["o"]), np.array(cue["loglik"]["O"])
    assert lo[:5].sum() > up[:5].sum() and up[5:].sum() > lo[5:].sum()
    page = SizeCue(cue, labels)
    for scale in (1.0, 500.0):
        before = [(scale * 0.6, "x"), (scale * 0.6, "o"), (scale * 1.0, "X")]
        p = np.array([0.5, 0.0, 0.5, 0.0])
        assert page.apply(p, page.ratio(scale * 0.6, before))[2] > 0.9
        assert page.apply(p, page.ratio(scale * 1.0, before))[0] > 0.9
    assert json.loads(json.dumps(cue)) == cue, "what metadata.json carries survives JSON"


def test_typical_heights_default_to_one_for_unseen_classes():
    t = typical_heights(np.array([0, 0, 1]), np.array([1.0, 3.0, 4.0]), np.array(["a", "a", "a"]),
                        3)
    np.testing.assert_allclose(t, [2 / 3, 4 / 3, 1.0])
