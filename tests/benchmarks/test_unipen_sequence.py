"""Pure helpers of benchmarks.unipen_sequence and the natural-size ink of unipen_lines:
the writers' order, the size each character is drawn at, and the Python twin of the page's size
cue in sequence and in lines. Fast: no browser, no model, no UNIPEN file."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import unipen_lines as L
from benchmarks import unipen_sequence as S
from handwriting.page.decoder import decode_word
from handwriting.page.sizecue import SizeCue, ink_height

BOX = (350.0, 250.0, 300.0)
LABELS = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def bar(h, w=1.0):
    return [[[0.0, 0.0], [w, h]]]


def test_writer_order_groups_each_writer_once_in_a_seeded_order():
    writers = ["b", "a", "b", "a", "b", "c"]
    order = S.writer_order(writers, 3)
    assert [sorted(idx) for idx in order] == [[1, 3], [0, 2, 4], [5]]  # writers sorted
    assert order == S.writer_order(writers, 3)
    assert any(S.writer_order(writers, s) != order for s in range(10)), "the seed changes the order"


def test_natural_size_keeps_a_writers_relative_heights():
    samples = [bar(10), bar(20), bar(30), bar(1000), bar(2000), bar(100000)]
    order = [[0, 1, 2], [3, 4, 5]]
    strokes, shrunk = S.natural_size(samples, order, median_px=100, box=BOX)
    h = [ink_height(s) for s in strokes]
    assert h[:3] == pytest.approx([50, 100, 150])  # writer 1: median 20 -> 100 px
    assert h[3:5] == pytest.approx([50, 100])  # writer 2: median 2000 -> 100 px, same relative size
    assert shrunk == 1 and h[5] == pytest.approx(300)  # 50 times the median: fitted to the square
    for s in strokes:  # centred in the square
        ys = [p[1] for st in s for p in st]
        assert (min(ys) + max(ys)) / 2 == pytest.approx(BOX[1] + BOX[2] / 2)


def test_place_shrinks_only_what_does_not_fit_and_drops_empty_strokes():
    out, small = S.place([[], [[0, 0], [4, 2]]], 10.0, BOX)
    assert not small and len(out) == 1 and ink_height(out) == pytest.approx(20)
    out, small = S.place(bar(10, 40), 10.0, BOX)  # 400 px wide
    assert small and max(p[0] for p in out[0]) - min(p[0] for p in out[0]) == pytest.approx(300)
    assert S.place([], 2.0, BOX) == ([], False)


def cue(labels=LABELS):
    """Lowercase o and s in the lower half of 2 bins, their capitals in the upper half."""
    typical = {c: 1.0 for c in labels}
    typical.update({c: 0.6 for c in "acemnorsuvwxz"})
    low, high = np.log([0.9, 0.1]).tolist(), np.log([0.1, 0.9]).tolist()
    return SizeCue({"k": 5, "least": 3, "clip": 1.0, "bins": 2, "weight": 1.0, "typical": typical,
                    "loglik": {"o": low, "s": low, "O": high, "S": high}}, labels)


def onehot_mix(*pairs):
    p = np.full(len(LABELS), 1e-4)
    for c, v in pairs:
        p[LABELS.index(c)] = v
    return p / p.sum()


def test_python_sequence_applies_the_cue_after_least_characters_per_writer():
    c = cue()
    ring = onehot_mix(("o", 0.45), ("O", 0.45), ("0", 0.1))
    shape = np.stack([onehot_mix(("E", 1.0))] * 3 + [ring, ring] + [ring])
    heights = [100, 100, 100, 150, 60, 150]
    order = [[0, 1, 2, 3, 4], [5]]
    pred, probs = S.python_sequence(shape, np.ones(6, bool), heights, order, c, LABELS, "auto", 3.4)
    assert pred[:3] == ["E"] * 3
    assert pred[3] == "O" and pred[4] == "o"  # after three capitals of 100: tall O, small o
    np.testing.assert_array_equal(probs[5], shape[5])  # another writer: no reference yet
    # without a cue it is the shape's top guess; in 123 mode only digits
    assert S.python_sequence(shape, np.ones(6, bool), heights, order, None, LABELS, "auto",
                             3.4)[0][3] == "O"  # ties go to the lower index (O before o)
    assert S.python_sequence(shape, np.ones(6, bool), heights, order, c, LABELS, "digits",
                             3.4)[0][3] == "0"


def test_natural_strokes_draw_a_borrowed_character_at_its_own_writers_relative_size():
    by_id = {1: {"writer": "a", "strokes": bar(10)}, 2: {"writer": "a", "strokes": bar(30)},
             3: {"writer": "b", "strokes": bar(100)}, 4: {"writer": "b", "strokes": bar(300)}}
    # a's median is 20, b's 200: both drawn so that their median is 120 px
    strokes, shrunk = L.natural_strokes([[[1, 3], [2]], [[4]]], by_id, 120.0)
    h = [[ink_height(s) for s in word] for line in strokes for word in line]
    assert h == [pytest.approx([60, 60]), pytest.approx([180]), pytest.approx([180])]
    assert shrunk == 0


def test_size_cue_twin_reads_the_text_as_the_page_showed_it():
    """Twin of the page in a line: earlier words as decoded, the current word re-decoded with
    every new character; the first characters of a line are left alone."""
    c = cue()
    lines = [["Eee", "os"]]
    e, ee = onehot_mix(("E", 0.6), ("e", 0.4)), onehot_mix(("e", 0.9), ("E", 0.1))
    ring, s = onehot_mix(("o", 0.5), ("O", 0.5)), onehot_mix(("s", 0.5), ("S", 0.5))
    shape = [[e, ee, ee, ring, s]]
    heights = [[100, 60, 60, 60, 60]]
    out = L.size_cue_twin(lines, shape, heights, c, LABELS, 3.4)[0]
    for k in range(3):
        np.testing.assert_array_equal(out[k], shape[0][k])
    word = decode_word(shape[0][:3], LABELS, free_penalty=3.4)[0]
    previous = list(zip(heights[0][:3], word))
    np.testing.assert_allclose(out[3], c.apply(ring, c.ratio(60, previous)))
    decoded_o = decode_word([out[3]], LABELS, free_penalty=3.4)[0]
    np.testing.assert_allclose(out[4], c.apply(s, c.ratio(60, previous + [(60, decoded_o[0])])))
