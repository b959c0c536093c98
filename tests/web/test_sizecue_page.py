"""The size cue on the page: each letter's height against the text line's earlier characters
(web/js/sizecue.js in the recogniser, the app keeping the heights), checked against the Python
specification (handwriting.page.sizecue) on the page's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
from web_glyphs import _arc, scaled
from web_input import BOX, glyph, text
from web_support import attach_error_log, open_app

from handwriting.page.sizecue import SizeCue

pytestmark = [pytest.mark.web, pytest.mark.slow]

RING = [_arc(50, 50, 45, 45, -90, 270, 40)]


@pytest.fixture
def cue(metadata) -> SizeCue:
    if not metadata.get("size_cue"):
        pytest.skip("the model's metadata.json has no size_cue (the untrained stand-in model)")
    return SizeCue(metadata["size_cue"], metadata["labels"])


def at_height(strokes100, px):
    """Strokes of the 100-box drawn ``px`` CSS px tall, centred in the drawing square."""
    x0, y0, side = BOX
    return scaled(strokes100, x0 + (side - px) / 2, y0 + (side - px) / 2, px)


def replay(page, strokes):
    return page.evaluate("(s) => handwriting.replay(s)", strokes)


def previous(page):
    """(height, label) of the text line's characters, as the page keeps them."""
    return [(e["height"], c) for e, c in zip(page.evaluate("handwriting.app.evidence"),
                                             page.evaluate("handwriting.app.chars")) if e]


def test_the_page_applies_the_python_size_cue(app_page, cue):
    page = app_page
    assert page.evaluate("handwriting.sizeCue") is True
    first = replay(page, at_height(glyph("E", (0, 0, 100)), 150))
    assert first["sizeRatio"] is None and first["height"] == pytest.approx(150 * 0.8, abs=15)
    np.testing.assert_array_equal(first["probs"], first["shapeProbs"])  # nothing before it
    for ch, px in (("L", 150), ("7", 140), ("H", 160)):
        replay(page, at_height(glyph(ch, (0, 0, 100)), px))
    for px in (80, 200):
        before = previous(page)
        r = replay(page, at_height(RING, px))
        assert r["height"] == pytest.approx(0.9 * px, rel=0.01)  # the ring spans 90 of 100
        expected = cue.ratio(r["height"], before)
        assert np.isfinite(expected) and r["sizeRatio"] == pytest.approx(expected, abs=1e-9)
        np.testing.assert_allclose(r["probs"], cue.apply(np.array(r["shapeProbs"]), expected),
                                   atol=1e-6)
        page.click("#btn-backspace")  # the next ring against the same four characters
    assert page.evaluate("handwriting.errors") == []


def test_a_ring_after_capitals_leans_to_O_when_tall_and_o_when_small(app_page, cue):
    """The same ring, drawn after four capitals about 150 px tall: at 200 px the page gives O more
    of the o/O pair than shape alone does; at 80 px, o."""
    page = app_page
    labels = page.evaluate("handwriting.labels")
    o, O = labels.index("o"), labels.index("O")
    for ch in "ELTH":
        replay(page, at_height(glyph(ch, (0, 0, 100)), 150))
    share = {}
    for px in (80, 200):
        r = replay(page, at_height(RING, px))
        share[px] = (r["probs"][O] / (r["probs"][O] + r["probs"][o]),
                     r["shapeProbs"][O] / (r["shapeProbs"][O] + r["shapeProbs"][o]))
        page.click("#btn-backspace")
    assert share[200][0] > share[200][1] + 0.05, share
    assert share[80][0] < share[80][1] - 0.05, share


def test_clear_all_forgets_the_heights_and_size_off_switches_it_off(context, site, app_page, cue):
    page = app_page
    for ch in "ELTH":
        replay(page, at_height(glyph(ch, (0, 0, 100)), 150))
    page.click("#btn-clear")
    assert text(page) == "" and replay(page, at_height(RING, 100))["sizeRatio"] is None

    off = context.new_page()
    off.errors = attach_error_log(off)
    open_app(off, site.url, "size=off")
    assert off.evaluate("handwriting.sizeCue") is False
    for ch in "ELTH":
        replay(off, at_height(glyph(ch, (0, 0, 100)), 150))
    r = replay(off, at_height(RING, 200))
    assert r["sizeRatio"] is None
    np.testing.assert_array_equal(r["probs"], r["shapeProbs"])
    assert off.evaluate("document.getElementById('info-sizecue').textContent").startswith("off")
    assert page.evaluate("document.getElementById('info-sizecue').textContent").startswith("on,")
