"""benchmarks/direction_maps.py: the pen path drawn as direction planes (no training here)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import direction_maps as D  # noqa: E402

from handwriting.page.trajectory import trajectory_features  # noqa: E402


def _planes(*drawings):
    return D.planes_of(np.stack([trajectory_features(s, D.POINTS) for s in drawings]))


def _share(m):
    """Each plane's share of a drawing's ink."""
    return m.sum(axis=(0, 1)) / m.sum()


def test_each_piece_of_ink_lands_in_the_plane_of_its_direction_where_it_was_drawn():
    # an L drawn down the left side, then right along the bottom (y grows downward)
    (m,) = _planes([[[0, 0], [0, 10], [6, 10]]])
    assert m.shape == (D.SIZE, D.SIZE, D.BINS) and m.dtype == np.float32
    assert m.max() == 1.0 and m.min() >= 0
    share = _share(m)
    down, right = D.BINS // 4, 0    # planes at 90 and 0 degrees
    assert share[down] > 0.5 and share[right] > 0.3 and share[down] + share[right] > 0.97
    cols = np.flatnonzero(m[..., down].sum(axis=0) > 0.5 * m[..., down].sum(axis=0).max())
    rows = np.flatnonzero(m[..., right].sum(axis=1) > 0.5 * m[..., right].sum(axis=1).max())
    assert cols.max() < D.SIZE // 2 and rows.min() > D.SIZE // 2   # the bar left, the foot low
    # drawn the other way round, the same ink (as a share of the whole) in the opposite planes
    (back,) = _planes([[[6, 10], [0, 10], [0, 0]]])
    assert _share(back)[D.BINS // 2] > 0.3 and _share(back)[3 * D.BINS // 4] > 0.5
    ink, back_ink = m.sum(axis=2) / m.sum(), back.sum(axis=2) / back.sum()
    assert np.abs(ink - back_ink).sum() < 0.1


def test_a_ring_fills_every_direction_and_a_pen_up_jump_draws_nothing():
    t = np.linspace(0, 2 * np.pi, 90)
    (ring,) = _planes([np.c_[np.cos(t), np.sin(t)].tolist()])
    assert np.allclose(_share(ring), 1 / D.BINS, atol=0.02)
    # two parallel bars: the jump from the first's end to the second's start (up and left) adds
    # no ink of its own direction
    (bars,) = _planes([[[0, 0], [10, 0]], [[0, 8], [10, 8]]])
    assert _share(bars)[0] > 0.99


def test_planes_of_batches_and_handles_nothing():
    one = _planes([[[0, 0], [5, 5]]])
    many = D.planes_of(np.repeat(np.stack([trajectory_features([[[0, 0], [5, 5]]], D.POINTS)]), 5,
                                 axis=0), batch=2)
    assert many.shape == (5, D.SIZE, D.SIZE, D.BINS) and np.allclose(many, one[0])
    assert _share(one[0])[1] > 0.99   # down and to the right: the 45-degree plane
    assert D.planes_of(np.zeros((0, D.POINTS, 5), np.float32)).shape == (0, D.SIZE, D.SIZE, D.BINS)


def test_markdown_reports_each_reader_and_what_the_third_adds():
    def r(e, c, d):
        return {"exact": e, "case_folded": c, "digits": d}

    readers = {name: r(0.7, 0.8, 0.9) for name in (
        "image model alone", "stroke model alone", "direction model alone", "image x direction",
        "stroke x direction")}
    readers["image x stroke (the page)"] = r(0.80, 0.88, 0.88)
    readers["image x stroke x direction"] = r(0.81, 0.875, 0.88)
    run = {"seed": 42, "parameters": 46814, "weights_uint8_kb": 46.8, "train_samples": 100,
           "epochs_run": 3, "best_epoch": 2, "validation_accuracy": 0.75, "n": 10, "n_digits": 2,
           "wall_seconds": 600, "readers": readers}
    text = D.markdown({"runs": [run], "command": "python benchmarks/direction_maps.py"})
    assert "| image x stroke (the page) | **80.00%** | **88.00%** | **88.00%** |" in text
    assert "moves exact by +1.00 points, case-folded by -0.50, digits by +0.00" in text
    assert "46,814 parameters" in text and "best 2" in text
