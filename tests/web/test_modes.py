"""The page's input modes (Auto, 123, abc, ABC): the control, ?mode=, and what they do to the
recognised characters (handwriting.page.decoder.restrict = web/js/decoder.js restrict)."""

from __future__ import annotations

import numpy as np
import pytest
from web_glyphs import _arc, scaled
from web_input import BOX, draw_mouse, glyph, text, wait_for, wait_results
from web_support import attach_error_log, open_app

from handwriting.page.fusion import fuse
from handwriting.page.decoder import DEFAULT_FREE_PENALTY, MODES, decode_word, groups, restrict
from handwriting.page.sizecue import SizeCue

pytestmark = [pytest.mark.web, pytest.mark.slow]

# Rings, each as much a zero as an O or an o: a wide one, a circle, the narrower "0" of web_glyphs.
RINGS = [[_arc(50, 50, 45, 35, -90, 270, 40)], [_arc(50, 50, 45, 45, -90, 270, 40)],
         [_arc(50, 50, 28, 45, -90, 270, 40)]]
GROUP_TEST = {"digits": str.isdigit, "lower": lambda c: c.isalpha() and c.islower(),
              "upper": lambda c: c.isalpha() and c.isupper(), "auto": lambda c: True}


def no_errors(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate("window.__pageErrors") == []
    assert page.evaluate("handwriting.errors") == []
    assert [e for e in page.errors if "favicon" not in e] == []


def checked_mode(page):
    """The mode the control shows: the value of its checked radio input (exactly one)."""
    return page.evaluate("Array.from(document.querySelectorAll('#modes input:checked'), (i) => i.value)")


def announced(page, fragment):
    wait_for(page, "(f) => document.getElementById('announce').textContent.includes(f)", fragment)


def replay(page, strokes):
    return page.evaluate("(s) => handwriting.replay(s)", strokes)


def letter_ring(page):
    """The first of RINGS (on the page) that the model reads as a letter in Auto."""
    assert page.evaluate("handwriting.mode") == "auto"
    for ring in RINGS:
        strokes = scaled(ring, *BOX)
        if page.evaluate("(s) => handwriting.recognize(s)", strokes)["top"][0]["label"] in {"o", "O"}:
            return strokes
    pytest.fail("the model reads every ring as a zero on its own: this test needs one it reads as a letter")


def set_mode_by_click(page, mode):
    page.click(f"#modes input[value='{mode}']")
    assert page.evaluate("handwriting.mode") == mode


# ---- the control --------------------------------------------------------------------------------


def test_the_control_is_a_labelled_radio_group_starting_in_auto(app_page):
    page = app_page
    group = page.locator("#modes")
    assert group.get_attribute("role") == "radiogroup" and group.get_attribute("aria-label") == "Input mode"
    radios = page.get_by_role("radio")
    assert radios.count() == 4
    assert [radios.nth(i).get_attribute("value") for i in range(4)] == list(MODES)
    names = [radios.nth(i).get_attribute("aria-label") for i in range(4)]
    visible = page.locator("#modes label span").all_inner_texts()
    assert visible == ["Auto", "123", "abc", "ABC"]
    assert all(n.startswith(v) for n, v in zip(names, visible)), "the accessible name holds the visible text"
    assert page.evaluate("[handwriting.mode, handwriting.modes]") == ["auto", list(MODES)]
    assert checked_mode(page) == ["auto"]
    assert page.evaluate("document.documentElement.dataset.mode") == "auto"
    no_errors(page)


def test_the_control_is_keyboard_operable_and_shows_its_state(app_page):
    page = app_page

    def span_background(mode):
        return page.evaluate(f"getComputedStyle(document.querySelector(\"#modes input[value='{mode}'] + span\")).backgroundColor")

    # M cycles forward, Shift+M backward, wrapping around; each change is announced
    page.keyboard.press("m")
    assert page.evaluate("handwriting.mode") == "digits" and checked_mode(page) == ["digits"]
    announced(page, "Input mode: digits only")
    assert span_background("digits") != span_background("auto"), "the current mode stands out"
    assert page.text_content("#hint .hint-text") == "Write a digit here"
    for expected in ("lower", "upper", "auto"):
        page.keyboard.press("M")
        assert checked_mode(page) == [expected]
    page.keyboard.press("Shift+M")
    assert checked_mode(page) == ["upper"]
    announced(page, "Input mode: capital letters only")

    # Tab reaches the group (its checked radio); arrow keys move within it, as radios do
    page.evaluate("handwriting.setMode('auto')")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "mode":
            break
    assert page.evaluate("document.activeElement.value") == "auto"
    outline = page.evaluate("getComputedStyle(document.activeElement.nextElementSibling).outlineStyle")
    assert outline == "solid", "keyboard focus is visible"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("[document.activeElement.value, handwriting.mode]") == ["digits", "digits"]
    announced(page, "Input mode: digits only")
    page.keyboard.press("ArrowLeft")
    assert checked_mode(page) == ["auto"]
    # Space on the focused radio does not type a space into the text line
    page.keyboard.press("Space")
    assert text(page) == ""

    # the mouse, and the hook
    set_mode_by_click(page, "lower")
    assert checked_mode(page) == ["lower"]
    page.evaluate("handwriting.mode = 'upper'")
    assert checked_mode(page) == ["upper"]
    with pytest.raises(Exception, match="unknown mode"):
        page.evaluate("handwriting.setMode('numbers')")
    assert page.evaluate("handwriting.mode") == "upper"
    no_errors(page)


@pytest.mark.parametrize("mode", MODES)
def test_the_query_sets_the_initial_mode(context, site, mode):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, f"nosw&mode={mode}")
    assert page.evaluate("handwriting.mode") == mode
    assert checked_mode(page) == [mode]
    r = replay(page, glyph("7"))
    assert r["mode"] == mode and all(GROUP_TEST[mode](g["label"]) for g in r["top"])
    no_errors(page)


def test_an_unknown_query_mode_is_auto(context, site):
    page = context.new_page()
    open_app(page, site.url, "nosw&mode=numbers")
    assert page.evaluate("handwriting.mode") == "auto" and checked_mode(page) == ["auto"]


# ---- what a mode does ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["digits", "lower", "upper"])
def test_guesses_and_probabilities_stay_in_the_group(app_page, metadata, mode):
    """Whatever the model: the top-3 shown, the text and the probabilities are the fused
    probabilities, moved by the size cue once there are characters before (the fourth here),
    restricted to the mode (checked against the Python spec)."""
    page = app_page
    cue = SizeCue(metadata["size_cue"], metadata["labels"]) if metadata.get("size_cue") else None
    labels = page.evaluate("handwriting.labels")
    mask = groups(labels)[mode]
    page.evaluate("(m) => handwriting.setMode(m)", mode)
    weight = page.evaluate("handwriting.strokeWeight")
    for n, ch in enumerate(["0", "A", "7", "H"], start=1):
        r = replay(page, glyph(ch))
        shown = [page.locator("#guesses .guess").nth(i).get_attribute("data-label") for i in range(3)]
        assert shown == [g["label"] for g in r["top"]]
        assert all(mask[labels.index(c)] for c in shown), (mode, shown)
        probs = np.array(r["probs"])
        assert (probs[~mask] == 0).all() and probs.sum() == pytest.approx(1, abs=1e-9)
        raw = np.asarray(r["imageProbs"], np.float32)
        if r["strokeProbs"] is None:  # the page's fused probs are the image model's: bit for bit
            assert probs.tolist() == restrict(raw, labels, mode).tolist()
        else:
            fused = fuse(raw, np.asarray(r["strokeProbs"], np.float32), weight)
            np.testing.assert_allclose(r["shapeProbs"], fused, rtol=1e-5, atol=1e-7)
            if r["sizeRatio"] is not None:
                assert n > 3 and cue is not None  # a reference from the line's 4th character on
                fused = cue.apply(np.asarray(r["shapeProbs"], np.float32), r["sizeRatio"])
            np.testing.assert_allclose(probs, restrict(fused, labels, mode), rtol=1e-5, atol=1e-7)
        assert r["top"][0]["label"] == labels[int(np.argmax(probs))]
        assert mask[labels.index(text(page)[-1])]
        page.evaluate("handwriting.app.space()")
    assert page.evaluate("handwriting.app.evidence.map((e) => e && e.mode)") == [mode, None] * 4
    no_errors(page)


def test_a_ring_is_a_letter_in_auto_and_a_zero_in_123(app_page, real_model):
    page = app_page
    ring = letter_ring(page)
    draw_mouse(page, ring)  # real mouse input, the idle timer
    auto = wait_results(page, 1)[-1]
    assert auto[0] in {"o", "O"}, auto
    page.click("#btn-space")

    set_mode_by_click(page, "digits")
    draw_mouse(page, ring)
    top = wait_results(page, 2)[-1]
    assert top[0] == "0" and all(c.isdigit() for c in top), top
    assert text(page) == auto[0] + " 0"
    assert page.locator("#guesses .guess").first.get_attribute("aria-pressed") == "true"
    announced(page, "0, ")
    # the same ink in abc and ABC
    page.click("#btn-space")
    set_mode_by_click(page, "lower")
    assert replay(page, ring)["top"][0]["label"] == "o"
    page.click("#btn-space")
    set_mode_by_click(page, "upper")
    assert replay(page, ring)["top"][0]["label"] == "O"
    assert text(page) == auto[0] + " 0 o O"
    no_errors(page)


def test_abc_gives_lowercase_letters(app_page, real_model, metadata):
    """abc mode reads the same ink as the likeliest lowercase letter: the spec's restrict of the
    probabilities the page would use in Auto (the fused ones, moved by the size cue from the
    line's fourth character on, checked with the Python spec)."""
    page = app_page
    labels = page.evaluate("handwriting.labels")
    cue = SizeCue(metadata["size_cue"], labels) if metadata.get("size_cue") else None

    def likeliest_lowercase(r):
        probs = np.asarray(r["shapeProbs"], np.float32)
        if r["sizeRatio"] is not None:
            probs = cue.apply(probs, r["sizeRatio"])
        return labels[int(np.argmax(restrict(probs, labels, "lower")))]

    # in Auto: what the ink says, and the likeliest lowercase letter for it (no size cue yet)
    auto = {}
    for ch in ("A", "9"):
        r = replay(page, glyph(ch))
        assert r["top"][0]["label"] == ch and r["sizeRatio"] is None, r["top"]
        auto[ch] = labels[int(np.argmax(restrict(np.asarray(r["probs"]), labels, "lower")))]
        assert likeliest_lowercase(r) == auto[ch]
        page.evaluate("handwriting.app.space()")
    assert auto["A"] == "a"
    page.keyboard.press("m")
    page.keyboard.press("m")
    assert page.evaluate("handwriting.mode") == "lower"
    read = []
    for ch in ("A", "9"):  # the third and fourth characters: the size cue joins for the 9
        r = replay(page, glyph(ch))
        assert r["top"][0]["label"] == likeliest_lowercase(r), r["top"]
        if r["sizeRatio"] is None:  # the same ink and no cue: what Auto's probabilities gave
            assert r["top"][0]["label"] == auto[ch], r["top"]
        assert all(g["label"].islower() for g in r["top"]), r["top"]
        read.append(r["top"][0]["label"])
        page.evaluate("handwriting.app.space()")
    assert text(page) == f"A 9 {read[0]} {read[1]} "
    no_errors(page)


def test_a_word_with_a_mode_switch_in_the_middle_decodes_as_the_python_spec(app_page, metadata):
    """abc mode for the first characters, 123 for the rest of the same word: the text line is
    handwriting.page.decoder.decode_word on the page's own (restricted) probabilities, every
    character within the mode it was written in, and switching the mode changes nothing already
    written."""
    page = app_page
    labels = page.evaluate("handwriting.labels")
    penalty = metadata.get("line_decoder", {}).get("free_penalty", DEFAULT_FREE_PENALTY)
    g = groups(labels)
    word = [("lower", "A"), ("lower", "9"), ("digits", "1"), ("digits", "2"), ("digits", "0")]
    probs = []
    for mode, ch in word:
        if page.evaluate("handwriting.mode") != mode:
            before = text(page)
            set_mode_by_click(page, mode)
            assert text(page) == before, "a mode change leaves the text as it is"
        r = replay(page, glyph(ch))
        assert r["mode"] == mode
        probs.append(r["probs"])
    expected, pattern = decode_word(probs, labels, free_penalty=penalty)
    assert text(page) == "".join(expected)
    assert pattern == "free", "no pattern fits a word written in two modes"
    assert all(g[m][labels.index(c)] for (m, _), c in zip(word, expected)), expected
    assert page.evaluate("handwriting.app.evidence.map((e) => e.mode)") == [m for m, _ in word]
    assert all(np.isfinite(p).all() for p in probs)

    # deleting the digits re-decodes the rest as the spec does: the letters are a lowercase word
    for _ in range(3):
        page.click("#btn-backspace")
    expected, pattern = decode_word(probs[:2], labels, free_penalty=penalty)
    assert text(page) == "".join(expected) and pattern == "lower"
    no_errors(page)


def test_a_word_in_123_mode_is_digits_even_where_the_ink_is_a_letter(app_page, metadata, real_model):
    page = app_page
    labels = page.evaluate("handwriting.labels")
    penalty = metadata.get("line_decoder", {}).get("free_penalty", DEFAULT_FREE_PENALTY)
    ring = letter_ring(page)
    auto = [replay(page, s)["probs"] for s in (glyph("L"), ring, glyph("7"))]
    assert text(page)[1] in {"o", "O"}, f"in Auto the ring in the word is a letter: {text(page)}"
    page.evaluate("handwriting.app.space()")
    page.evaluate("handwriting.setMode('digits')")
    digits = [replay(page, s)["probs"] for s in (glyph("L"), ring, glyph("7"))]
    out, pattern = decode_word(digits, labels, free_penalty=penalty)
    assert pattern == "digits" and all(c.isdigit() for c in out)
    assert text(page) == "".join(decode_word(auto, labels, free_penalty=penalty)[0]) + " " + "".join(out)
    assert out[1:] == ["0", "7"]
    no_errors(page)
