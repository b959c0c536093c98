"""Learning from picks on the page: a pick is remembered (web/js/adapt.js in the recogniser, the
app telling it each pick), later drawings of the same shape move as the Python specification
(handwriting.page.adapt) says, and ``?adapt=off`` turns it off."""

from __future__ import annotations

import numpy as np
import pytest
from web_glyphs import _arc
from web_input import text
from web_support import attach_error_log, open_app

from handwriting.page.adapt import Adaptation

pytestmark = [pytest.mark.web, pytest.mark.slow]

RING = [_arc(500, 400, 60, 80, -90, 270, 48)]


@pytest.fixture
def adaptation(metadata) -> dict:
    if not metadata.get("adaptation"):
        pytest.skip("the model's metadata.json has no adaptation (the untrained stand-in model)")
    return metadata["adaptation"]


def replay(page, strokes):
    return page.evaluate("(s) => handwriting.replay(s)", strokes)


def info(page) -> str:
    return page.evaluate("document.getElementById('info-adapt-text').textContent")


def test_a_pick_teaches_the_page_as_the_python_specification_says(app_page, adaptation):
    page = app_page
    labels = page.evaluate("handwriting.labels")
    assert page.evaluate("handwriting.corrections") == 0 and info(page) == "on, 0 picks"
    first = replay(page, RING)
    np.testing.assert_array_equal(first["probs"], first["shapeProbs"])  # nothing remembered
    picked = first["top"][1]["label"]
    assert page.evaluate("handwriting.pick(1)") is True
    assert text(page) == picked and page.evaluate("handwriting.corrections") == 1
    assert info(page) == "on, 1 pick"

    page.click("#btn-backspace")  # an empty line again: no size cue, only what was learnt
    again = replay(page, RING)
    np.testing.assert_allclose(again["shapeProbs"], first["shapeProbs"], atol=1e-6)
    memory = Adaptation(adaptation, len(labels))
    memory.remember("ring", np.array(first["shapeProbs"]), labels.index(picked))
    expected = memory.apply(np.array(again["shapeProbs"]), np.array(again["shapeProbs"]))
    np.testing.assert_allclose(again["probs"], expected, atol=1e-6)
    p = np.array(first["shapeProbs"])
    assert expected[labels.index(picked)] / expected[p.argmax()] == pytest.approx(
        p[labels.index(picked)] / p.max() * np.exp(adaptation["beta"]), rel=1e-4)
    assert again["top"][0]["label"] == labels[int(expected.argmax())]

    # a second pick for this character is remembered; picking its top guess back withdraws it
    other = next(i for i, g in enumerate(again["top"]) if i > 0)
    page.evaluate("(i) => handwriting.pick(i)", other)
    assert page.evaluate("handwriting.corrections") == 2
    page.evaluate("handwriting.pick(0)")
    assert page.evaluate("handwriting.corrections") == 1
    page.click("#btn-clear")  # the text goes, what the page learnt about the hand stays
    assert text(page) == "" and page.evaluate("handwriting.corrections") == 1
    assert page.evaluate("handwriting.errors") == []


def test_adapt_off_corrects_the_text_and_learns_nothing(context, site, adaptation):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, "adapt=off")
    assert page.evaluate("handwriting.corrections") is None and info(page).startswith("off")
    first = replay(page, RING)
    page.evaluate("handwriting.pick(1)")
    assert text(page) == first["top"][1]["label"]
    page.click("#btn-backspace")
    again = replay(page, RING)
    np.testing.assert_array_equal(again["probs"], again["shapeProbs"])
    assert page.evaluate("handwriting.errors") == []


def test_picks_survive_a_reload_for_the_same_model_and_forget_clears_them(context, site,
                                                                          adaptation):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url)
    first = replay(page, RING)
    page.evaluate("handwriting.pick(1)")
    picked = first["top"][1]["label"]
    assert page.evaluate("handwriting.corrections") == 1
    assert page.evaluate("document.getElementById('btn-forget-picks').hidden") is False

    open_app(page, site.url)  # a reload: the same browser, the same model
    assert page.evaluate("handwriting.corrections") == 1
    again = replay(page, RING)
    labels = page.evaluate("handwriting.labels")
    memory = Adaptation(adaptation, len(labels))
    memory.remember("ring", np.array(first["shapeProbs"]), labels.index(picked))
    shape = np.array(again["shapeProbs"])
    np.testing.assert_allclose(again["probs"], memory.apply(shape, shape), atol=1e-5)

    page.click("#btn-info")
    page.click("#btn-forget-picks")
    assert page.evaluate("handwriting.corrections") == 0 and info(page) == "on, 0 picks"
    assert page.evaluate("document.getElementById('btn-forget-picks').hidden") is True
    assert page.evaluate("localStorage.getItem('hw.picks')") is None

    # picks stored for another model are dropped: that model saw drawings differently
    page.evaluate("""() => localStorage.setItem('hw.picks', JSON.stringify({model: 'another',
        picks: [{shape: Array(handwriting.labels.length).fill(0.1), label: 3}]}))""")
    open_app(page, site.url)
    assert page.evaluate("handwriting.corrections") == 0
    assert page.evaluate("localStorage.getItem('hw.picks')") is None
    assert page.evaluate("handwriting.errors") == []
