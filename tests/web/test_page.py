"""End-to-end tests of the web app in headless Chromium: real mouse, touch and pen input."""

from __future__ import annotations

import json
import shutil

import pytest
from web_support import VIEWPORT, attach_error_log, copy_web, edit_model, open_app, serve, serving
from web_glyphs import GLYPHS, accepted, scaled
from web_input import (
    cdp,
    draw_mouse,
    draw_pen,
    draw_touch,
    glyph,
    surface_strokes,
    text,
    wait_for,
    wait_results,
)

pytestmark = [pytest.mark.web, pytest.mark.slow]

LONG_IDLE = "idle=600000"  # the idle timer never fires by itself: tests flush explicitly


def no_errors(page):
    csp = page.evaluate("window.__cspViolations")
    errs = page.evaluate("window.__pageErrors")
    assert csp == [], f"CSP violations: {csp}"
    assert errs == [], f"page errors: {errs}"
    assert [e for e in page.errors if "favicon" not in e] == []


def set_width(page, px):
    page.evaluate(
        "(v) => { const el = document.getElementById('stroke-width'); el.value = v;"
        " el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(px),
    )


def ink_at(page, x, y):
    """Alpha of the drawing canvas' backing store at CSS point (x, y)."""
    return page.evaluate(
        """([x, y]) => {
            const c = document.getElementById('pad');
            const dpr = c.width / c.getBoundingClientRect().width;
            return c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data[3];
        }""",
        [x, y],
    )


# ---- loading ------------------------------------------------------------------------------------


def test_page_loads_with_a_backend_and_the_info_panel(app_page, metadata):
    page = app_page
    hw = page.evaluate(
        "({state: handwriting.state, backend: handwriting.backend, labels: handwriting.labels,"
        " spec: handwriting.spec, warm: handwriting.warmMs})"
    )
    assert hw["state"] == "ready"
    assert hw["backend"] == "wasm", "wasm is the first choice and works under the CSP"
    assert hw["labels"] == metadata["labels"], "labels come from metadata.json"
    for k, v in (metadata.get("canvas_spec") or {}).items():
        assert hw["spec"][k] == pytest.approx(v)
    assert hw["warm"] > 0

    assert page.locator("#info").is_hidden()
    page.click("#btn-info")
    assert page.locator("#info").is_visible()
    assert page.get_attribute("#btn-info", "aria-expanded") == "true"
    m = metadata["metrics"]
    assert page.text_content("#info-accuracy") == f"{100 * m['accuracy']:.1f}%"
    assert page.text_content("#info-top3") == f"{100 * m['top3_accuracy']:.1f}%"
    assert page.text_content("#info-casefold") == f"{100 * m['case_folded_accuracy']:.1f}%"
    if "pen" in m:
        assert page.text_content("#info-pen").startswith(f"{100 * m['pen']['accuracy']:.1f}%")
        if m["pen"].get("in_sequence") and metadata.get("size_cue"):
            assert (f"with the size cue, {100 * m['pen']['in_sequence']['accuracy']:.1f}%"
                    in page.text_content("#info-pen"))
    assert page.text_content("#info-backend") == "wasm"
    assert page.text_content("#info-time").endswith(" ms")
    assert str(metadata["model_version"])[:12] in page.text_content("#info-version")
    assert "iB" in page.text_content("#info-size") or " B" in page.text_content("#info-size")
    page.keyboard.press("i")
    assert page.locator("#info").is_hidden()
    assert page.locator("#status").is_hidden(), "the loading indicator is gone"
    no_errors(page)


def test_loading_state_is_shown_until_the_model_is_ready(context, site, model_dir):
    page = context.new_page()
    held = []

    def hold_first(route):  # hold the first request for the model back
        if held:
            route.continue_()
        else:
            held.append(route)

    from handwriting.page.manifest import file_path, read_manifest

    page.route(f"**/model/{file_path(read_manifest(model_dir), 'model.json')}", hold_first)
    page.goto(site.url + "?nosw&words=off&idle=120")
    wait_for(page, "() => document.getElementById('status-text').textContent === 'Loading model…'")
    assert page.evaluate("document.documentElement.dataset.state") == "loading"
    assert page.locator("#status").is_visible()
    assert page.locator("#error").is_hidden()
    # the page takes ink while it loads; the character is read once the models are there
    draw_mouse(page, glyph("7"))
    page.wait_for_timeout(300)  # the character is finished (idle=120) and waits for the models
    assert page.evaluate("document.documentElement.dataset.state") == "loading"
    assert text(page) == ""
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    wait_for(page, "() => document.documentElement.dataset.state === 'ready'", timeout=60_000)
    assert page.locator("#status").is_hidden()
    wait_results(page, 1)
    assert len(text(page)) == 1


# ---- recognition with real input ---------------------------------------------------------------


def test_mouse_drawn_glyphs_are_recognised(context, site, real_model):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, "idle=120")  # the pause's length has its own test
    labels = list(GLYPHS)
    got = []
    for n, label in enumerate(labels, start=1):
        draw_mouse(page, glyph(label))
        top = wait_results(page, n)[-1]
        got.append(top[0])
        page.click("#btn-space")  # one word each: a one-character word is its top guess
    wrong = {lab: g for lab, g in zip(labels, got) if g not in accepted(lab)}
    assert not wrong, f"misrecognised (expected: got): {wrong}; text {text(page)!r}"
    assert text(page) == "".join(g + " " for g in got)
    no_errors(page)


def test_idle_delay_depends_on_the_pointer_type(context, touch_context, site):
    """Mouse: 800 ms after pen-up; touch: 400 ms. Touching again before it fires cancels it."""
    def timed(page, draw):
        page.evaluate(
            """() => {
                window.__t = {};
                const s = window.handwriting.app.surface;
                s.addEventListener('change', () => { if (!s.isEmpty) window.__t.up = performance.now(); });
                s.addEventListener('character', () => { window.__t.fired = performance.now(); });
            }"""
        )
        draw()
        wait_results(page, 1)
        t = page.evaluate("window.__t")
        return t["fired"] - t["up"]

    page = context.new_page()
    open_app(page, site.url)
    dt = timed(page, lambda: draw_mouse(page, glyph("7")))
    assert 790 <= dt < 1500, dt

    tpage = touch_context.new_page()
    open_app(tpage, site.url)
    box = (56, 260, 300)
    dt = timed(tpage, lambda: draw_touch(tpage, scaled(GLYPHS["7"], *box)))
    assert 390 <= dt < 790, dt
    assert tpage.evaluate("handwriting.app.surface.lastType") == "touch"

    # a second stroke started within the delay cancels the timer: one character, two strokes
    s = cdp(tpage)
    draw_touch(tpage, scaled(GLYPHS["T"][:1], *box), s)
    tpage.wait_for_timeout(150)
    draw_touch(tpage, scaled(GLYPHS["T"][1:], *box), s)
    wait_results(tpage, 2)
    tpage.wait_for_timeout(600)
    assert tpage.evaluate("window.__results.length") == 2


def test_touch_input_is_recognised(touch_context, site, real_model):
    page = touch_context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url)
    s = cdp(page)
    box = (56, 260, 300)
    for n, label in enumerate(["4", "7", "A"], start=1):
        draw_touch(page, scaled(GLYPHS[label], *box), s)
        top = wait_results(page, n)[-1]
        assert top[0] in accepted(label), (label, top)
    assert page.evaluate("handwriting.app.surface.lastType") == "touch"
    no_errors(page)


def test_pen_input_is_recognised(context, site, real_model):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url)
    page.evaluate(
        "window.__types = []; document.getElementById('pad').addEventListener('pointerdown', (e) => __types.push(e.pointerType))"
    )
    s = cdp(page)
    for n, label in enumerate(["2", "H"], start=1):
        draw_pen(page, glyph(label), s)
        top = wait_results(page, n)[-1]
        assert top[0] in accepted(label), (label, top)
    assert set(page.evaluate("window.__types")) == {"pen"}
    no_errors(page)


@pytest.mark.parametrize("side", [24, 720], ids=["tiny", "huge"])
def test_very_small_and_very_large_drawings(context, site, real_model, side):
    page = context.new_page()
    page.set_viewport_size({"width": 1400, "height": 1200})
    open_app(page, site.url, "idle=120")
    x0, y0 = 700 - side / 2, 600 - side / 2 + 40
    for n, label in enumerate(["7", "L", "3"], start=1):
        # as many mouse moves per drawing at any size (a real mouse reports by time, not px)
        draw_mouse(page, scaled(GLYPHS[label], x0, y0, side), step=max(6.0, side / 40))
        top = wait_results(page, n)[-1]
        assert top[0] in accepted(label), (label, side, top)


# ---- guesses and controls -----------------------------------------------------------------------


def test_top3_guesses_and_choosing_one(app_page):
    page = app_page
    draw_mouse(page, glyph("4"))
    top = wait_results(page, 1)[-1]
    buttons = page.locator("#guesses .guess")
    assert buttons.count() == 3
    labels = [buttons.nth(i).get_attribute("data-label") for i in range(3)]
    assert labels == top
    probs = page.evaluate("handwriting.lastTop.map((g) => g.p)")
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
    assert buttons.nth(0).get_attribute("aria-pressed") == "true"
    assert text(page) == labels[0]
    buttons.nth(2).click()
    assert text(page) == labels[2]
    assert page.locator("#guesses .guess").nth(2).get_attribute("aria-pressed") == "true"
    page.keyboard.press("2")
    assert text(page) == labels[1]
    # the announcement for screen readers
    wait_for(page, "() => document.getElementById('announce').textContent.includes('Replaced')")
    # the preview shows the model input: non-empty, bright ink on dark
    lit = page.evaluate(
        """() => { const c = document.getElementById('preview');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return [c.width, n]; }"""
    )
    assert lit[0] == 28 and 20 < lit[1] < 400
    no_errors(page)


def test_each_control(context, site):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url.rstrip("/"))
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site.url, LONG_IDLE)
    flush = "handwriting.app.surface.flush()"

    # undo last stroke (button and shortcuts)
    assert page.is_disabled("#btn-undo")
    draw_mouse(page, glyph("T"))
    assert len(surface_strokes(page)) == 2
    page.click("#btn-undo")
    assert len(surface_strokes(page)) == 1
    page.keyboard.press("u")
    assert surface_strokes(page) == []
    assert page.is_disabled("#btn-undo")
    draw_mouse(page, glyph("1"))
    page.keyboard.press("Control+z")
    assert surface_strokes(page) == []

    # recognise two characters
    draw_mouse(page, glyph("7"))
    page.evaluate(flush)
    wait_results(page, 1)
    draw_mouse(page, glyph("1"))
    page.evaluate(flush)
    wait_results(page, 2)
    t = text(page)
    assert len(t) == 2

    # space, backspace (buttons and keys)
    page.click("#btn-space")
    assert text(page) == t + " "
    page.click("#btn-backspace")
    assert text(page) == t
    page.locator("#text").focus()
    page.keyboard.press("Space")
    assert text(page) == t + " "
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    # what is left is a one-character word again: its own top guess (the word decoder may have
    # read it differently while the second character was there)
    first = page.evaluate("window.__results[0][0]")
    assert text(page) == first
    assert page.locator("#guesses .guess").count() == 0, "guesses refer to the deleted character"

    # copy
    page.click("#btn-copy")
    assert page.evaluate("navigator.clipboard.readText()") == first
    wait_for(page, "() => document.getElementById('toast').classList.contains('show')")

    # stroke width (display only)
    set_width(page, 30)
    assert page.evaluate("handwriting.app.surface.strokeWidth") == 30
    page.keyboard.press("[")
    assert page.evaluate("handwriting.app.surface.strokeWidth") == 28
    page.keyboard.press("]")
    page.keyboard.press("]")
    assert page.evaluate("handwriting.app.surface.strokeWidth") == 32

    # the on-screen width does not change what the model sees
    s = glyph("2")
    a = page.evaluate("(s) => handwriting.recognize(s)", s)
    set_width(page, 3)
    b = page.evaluate("(s) => handwriting.recognize(s)", s)
    assert a["input"] == b["input"]

    # escape discards the ink of the character in progress
    draw_mouse(page, glyph("8"))
    page.keyboard.press("Escape")
    assert surface_strokes(page) == []

    # clear all (button, then Delete key)
    page.click("#btn-clear")
    assert text(page) == ""
    page.click("#btn-space")
    page.keyboard.press("Delete")
    assert text(page) == ""
    assert page.evaluate("window.__results.length") == 2, "no extra recognitions"
    no_errors(page)


WORDS = ["1701", "L0T", "HE", "4T0", "TEA"]


def _replay_words(page, words):
    """Replay each word's glyphs through the page's pointer path, a space after each word;
    returns the probability vectors the page computed, word by word."""
    out = []
    for word in words:
        probs = []
        for ch in word:
            r = page.evaluate("(s) => handwriting.replay(s)", glyph(ch))
            probs.append(r["probs"])
        page.evaluate("handwriting.app.space()")
        out.append(probs)
    return out


def _top_guesses(labels, probs):
    """The text line if every character were its own top guess, a space after each word."""
    return "".join("".join(labels[max(range(len(v)), key=v.__getitem__)] for v in w) + " "
                   for w in probs)


def _decoded(labels, probs, penalty):
    """The text line handwriting.page.decoder gives, a space after each word."""
    from handwriting.page.decoder import decode_word

    return "".join("".join(decode_word(w, labels, free_penalty=penalty)[0]) + " " for w in probs)


STROKE_WIDTH_JS = """() => {
  const app = window.handwriting.app;
  app.surface.load([[[40, 40], [120, 160]]], 'mouse');  // drawn at the width in use
  return {slider: Number(app.el.width.value), surface: app.surface.strokeWidth,
          drawn: app.el.pad.getContext('2d').lineWidth};
}"""


def test_a_stored_stroke_width_is_clamped_to_the_slider(context, site):
    # the slider is 2..40 px, default 12: what a stored value gives
    page = context.new_page()
    page.errors = attach_error_log(page)
    page.goto(site.url + "?nosw&" + LONG_IDLE, wait_until="domcontentloaded")
    cases = {"1e9": 40, "-50": 2, "Infinity": 12, "NaN": 12, "abc": 12, "7.6": 8}  # a reload each
    for stored, width in cases.items():
        page.evaluate("(v) => localStorage.setItem('hw.strokeWidth', v)", stored)
        page.reload(wait_until="domcontentloaded")  # the page module has run by then
        wait_for(page, "() => window.handwriting && window.handwriting.app")
        assert page.evaluate(STROKE_WIDTH_JS) == {"slider": width, "surface": width,
                                                  "drawn": width}, stored
    # the keys cannot leave the slider's range either
    for _ in range(20):  # 8 px + 20 x 2 px
        page.keyboard.press("]")
    assert page.evaluate(STROKE_WIDTH_JS)["surface"] == 40
    assert page.evaluate("localStorage.getItem('hw.strokeWidth')") == "40"
    assert [e for e in page.errors if "favicon" not in e] == []


def test_words_are_decoded_as_a_whole_as_the_python_spec_does(app_page, metadata, real_model):
    """The page's text line is handwriting.page.decoder applied word by word to the page's own
    probabilities, with the free_penalty shipped in metadata.json."""
    page = app_page
    from handwriting.page.decoder import DEFAULT_FREE_PENALTY

    labels = page.evaluate("handwriting.labels")
    penalty = metadata.get("line_decoder", {}).get("free_penalty", DEFAULT_FREE_PENALTY)
    probs = _replay_words(page, WORDS)
    expected = _decoded(labels, probs, penalty)
    assert text(page) == expected
    # the same words with a penalty of 0 are the characters' own top guesses
    argmax = _top_guesses(labels, probs)
    assert _decoded(labels, probs, 0.0) == argmax
    # with the shipped model the glyphs "L0T" read as "L0T" one by one and as "LOT" as a word
    assert expected != argmax, "these words should exercise the decoder"
    no_errors(page)


@pytest.mark.parametrize("how", ["query", "metadata"])
def test_decoder_off_keeps_each_top_guess(context, model_dir, tmp_path, how):
    """?decoder=off, or free_penalty 0 in metadata.json: every character is its own top guess."""
    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    if how == "metadata":
        edit_model(model, metadata={"line_decoder": {"free_penalty": 0.0}})
    with serving(copy_web(tmp_path / "web", model)) as url:
        page = context.new_page()
        page.errors = attach_error_log(page)
        open_app(page, url, "decoder=off" if how == "query" else "")
        labels = page.evaluate("handwriting.labels")
        probs = _replay_words(page, WORDS)
        assert text(page) == _top_guesses(labels, probs)
        no_errors(page)


def test_a_letter_read_again_is_flashed_and_announced(app_page, real_model):
    """A round ring on its own is its top guess (0 or O); followed by a character that makes the
    word read the other way (chosen with the Python decoder on the page's own probabilities, so
    the test does not depend on what this model calls the ring), the changed letter is marked
    (span.reread) and announced."""
    import numpy as np

    from handwriting.page.decoder import DEFAULT_FREE_PENALTY, decode_word

    page = app_page
    labels = page.evaluate("handwriting.labels")
    ring = page.evaluate("(s) => handwriting.replay(s)", glyph("0"))
    first = ring["top"][0]["label"]
    assert first in "0O" and text(page) == first
    follow = None
    for ch in "T7L2X":
        probe = page.evaluate("(s) => handwriting.recognize(s)", glyph(ch))
        word, _ = decode_word([np.asarray(ring["probs"]), np.asarray(probe["probs"])], labels,
                              free_penalty=DEFAULT_FREE_PENALTY)
        if word[0] != first:
            follow = (ch, "".join(word))
            break
    assert follow, f"no follow-up glyph makes the decoder re-read the ring ({first})"
    page.evaluate("(s) => handwriting.replay(s)", glyph(follow[0]))
    assert text(page) == follow[1]
    assert page.locator("#text-content .reread").all_inner_texts() == [follow[1][0]]
    wait_for(page, "(w) => document.getElementById('announce').textContent.includes('now reads ' + w)",
             follow[1])
    page.evaluate("handwriting.app.space()")  # the next render drops the mark
    assert page.locator("#text-content .reread").count() == 0
    no_errors(page)


def test_a_picked_guess_stays_while_the_word_grows(app_page):
    page = app_page
    page.evaluate("(s) => handwriting.replay(s)", glyph("L"))
    top = page.evaluate("handwriting.lastTop.map((g) => g.label)")
    page.keyboard.press("3")  # the third guess, by hand
    assert text(page) == top[2]
    for ch in "0T":
        page.evaluate("(s) => handwriting.replay(s)", glyph(ch))
    assert text(page)[0] == top[2], "a character picked by hand is never re-decoded"
    assert len(text(page)) == 3
    no_errors(page)


LONG_LINE_JS = """(length) => {
  // characters as the page keeps them, each counting when the word decoder reads its evidence
  const app = window.handwriting.app;
  const probs = new Float32Array(app.recognizer.labels.length).fill(0.01);
  let reads = 0;
  const read = [];
  for (let i = 0; i < length; i++) {
    const entry = { fixed: null, mode: 'auto', height: 40, shapeProbs: probs, top: 'a' };
    Object.defineProperty(entry, 'probs', { get() { reads += 1; return probs; } });
    app.chars.push('a');
    app.evidence.push(entry);
    reads = 0;
    app._decodeWord();
    read.push(reads);
  }
  app.clearAll();
  return read;
}"""


def test_a_long_line_without_spaces_costs_the_same_per_character(app_page):
    # characters the word decoder reads after each new one: all of a real word's, then no more
    # as the line grows (it read the whole line again for every character)
    read = app_page.evaluate(LONG_LINE_JS, 1500)
    assert read[:20] == list(range(1, 21))
    assert max(read) == read[-1] <= 64
    no_errors(app_page)


def test_controls_are_keyboard_focusable(app_page):
    page = app_page
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
    for id_ in ("text", "btn-undo", "btn-backspace", "btn-space", "btn-copy", "btn-clear", "stroke-width", "btn-info"):
        if id_ in ("btn-undo", "btn-backspace", "btn-copy"):
            continue  # disabled while there is nothing to act on
        assert id_ in seen, (id_, seen)
    # Space on a focused button activates it (and does not also type a second space)
    page.focus("#btn-space")
    page.keyboard.press("Space")
    assert text(page) == " "


def test_resize_and_device_pixel_ratio_keep_the_strokes(context, site):
    page = context.new_page()
    open_app(page, site.url, LONG_IDLE)
    strokes = glyph("E")
    draw_mouse(page, strokes)
    before = surface_strokes(page)
    x, y = strokes[0][1]  # a corner of the E
    assert ink_at(page, x, y) > 0

    page.set_viewport_size({"width": 700, "height": 820})
    wait_for(page, "() => document.getElementById('pad').width === 700 * devicePixelRatio")
    assert surface_strokes(page) == before
    assert ink_at(page, x, y) > 0, "strokes re-rendered after the resize"

    # A devicePixelRatio change (zoom, moving to another screen). Headless Chromium's emulation
    # changes devicePixelRatio but fires neither the media-query nor the ResizeObserver
    # notifications a real browser sends, so send the window 'resize' the page also listens to.
    s = cdp(page)
    s.send("Emulation.setDeviceMetricsOverride", {"width": 700, "height": 820, "deviceScaleFactor": 2, "mobile": False})
    page.evaluate("window.dispatchEvent(new Event('resize'))")
    wait_for(page, "() => document.getElementById('pad').width === 1400")
    assert surface_strokes(page) == before
    assert ink_at(page, x, y) > 0, "strokes re-rendered at the new device pixel ratio"
    assert ink_at(page, x + 40, y + 40) == 0

    page.evaluate("handwriting.app.surface.flush()")
    assert len(wait_results(page, 1)) == 1


# ---- failure modes ------------------------------------------------------------------------------


def test_high_dpi_backing_store(browser, site):
    ctx = browser.new_context(viewport={"width": 600, "height": 700}, device_scale_factor=3)
    try:
        page = ctx.new_page()
        open_app(page, site.url, LONG_IDLE)
        assert page.evaluate("[document.getElementById('pad').width, document.getElementById('pad').height]") == [1800, 2100]
        strokes = scaled(GLYPHS["L"], 150, 250, 300)
        draw_mouse(page, strokes)
        assert ink_at(page, *strokes[0][1]) > 0
        assert surface_strokes(page)[0][0] == strokes[0][0], "strokes are stored in CSS pixels"
    finally:
        ctx.close()


def test_empty_surface_and_single_dot_produce_nothing(app_page):
    page = app_page
    # a click is a one-point stroke: a dot, nothing to recognise
    page.mouse.click(500, 400)
    results = wait_results(page, 1)
    assert results == [None]
    # a dot drawn with two coincident points, by touch-like replay and through the hook
    assert page.evaluate("handwriting.replay([[[10, 10]]])") is None
    assert page.evaluate("handwriting.replay([[[10, 10], [10, 10]], [[10, 10]]])") is None
    assert page.evaluate("handwriting.replay([])") is None
    assert page.evaluate("handwriting.replay([[]])") is None
    page.evaluate("handwriting.app.surface.flush()")  # nothing on the surface
    page.wait_for_timeout(900)
    assert text(page) == ""
    assert page.locator("#guesses .guess").count() == 0
    no_errors(page)


def test_missing_model_shows_an_error(context, site_without_model):
    page = context.new_page()
    page.errors = attach_error_log(page)
    open_app(page, site_without_model.url, wait_state=("error",))
    err = page.locator("#error")
    assert err.is_visible()
    assert "could not be loaded" in err.text_content()
    assert "404" in err.text_content()
    assert page.locator("#status").is_hidden()
    # drawing still works and does not throw
    draw_mouse(page, glyph("7"))
    page.wait_for_timeout(1200)
    assert text(page) == ""
    assert page.evaluate("window.__pageErrors") == []


def test_missing_model_json_with_metadata_present(context, tmp_path, model_dir):
    from handwriting.page.manifest import file_path, read_manifest

    root = copy_web(tmp_path / "web", model_dir)
    (root / "model" / file_path(read_manifest(root / "model"), "model.json")).unlink()
    with serving(root) as url:
        page = context.new_page()
        open_app(page, url, "nosw", wait_state=("error",))
        msg = page.locator("#error").text_content()
        assert "model.json (model/files/" in msg and "404" in msg


def test_missing_library_shows_an_error(context, tmp_path, model_dir):
    root = copy_web(tmp_path / "web", model_dir)
    runtime = json.loads((root / "vendor" / "VERSIONS.json").read_text())["runtime"]
    (root / "vendor" / runtime).unlink()
    with serving(root) as url:
        page = context.new_page()
        open_app(page, url, wait_state=("error",))
        assert runtime in page.locator("#error").text_content()


@pytest.mark.parametrize("how", ["no WebAssembly", "no .wasm on the host"])
def test_falls_back_to_the_cpu_backend_without_webassembly(context, tmp_path, model_dir, how):
    root = copy_web(tmp_path / "web", model_dir)
    if how == "no .wasm on the host":
        for binary in (root / "vendor").glob("*.wasm"):
            binary.unlink()
    with serving(root) as url:
        page = context.new_page()
        if how == "no WebAssembly":  # iOS Lockdown Mode, or a policy that turns it off
            page.add_init_script("delete globalThis.WebAssembly")
        open_app(page, url, "nosw")
        assert page.evaluate("handwriting.backend") == "cpu"
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7")) is not None


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_backends_work_under_the_csp(context, site, backend):
    page = context.new_page()
    page.errors = attach_error_log(page)
    page.goto(site.url + f"?backend={backend}&nosw")
    wait_for(page, "() => ['ready', 'error'].includes(document.documentElement.dataset.state)", timeout=60_000)
    if page.evaluate("document.documentElement.dataset.state") == "error":
        pytest.fail(page.locator("#error").text_content())
    assert page.evaluate("handwriting.backend") == backend
    r = page.evaluate("(s) => handwriting.replay(s)", glyph("7"))
    assert r is not None and abs(sum(r["probs"]) - 1) < 1e-3
    no_errors(page)


# ---- offline ------------------------------------------------------------------------------------


# The first visit's budget (issue: a lean first visit): every response body but the words model's
# and its lexicon's, uncompressed, service worker included.
FIRST_VISIT_BYTES = 1_200_000


def test_first_visit_downloads_each_file_once_and_works_offline(browser, model_dir, tmp_path):
    """Served as a host serves it (the _headers file's caching): the first visit downloads each
    file once, within the budget, the service worker adding nothing; a repeat visit downloads
    nothing; then offline, the page opens and reads."""
    from web_support import CACHED_MODEL_FILES_JS, reload_offline, service_worker_site

    from handwriting.page.manifest import file_path, read_manifest, read_model_file

    root = copy_web(tmp_path / "web", model_dir)
    manifest = read_manifest(root / "model")
    meta = json.loads(read_model_file(root / "model", "metadata.json", manifest))
    words = meta.get("words_model")
    words_names = []
    if words:  # its topology, weights and lexicon count on top of the budget
        topology = json.loads(read_model_file(root / "model", words["path"], manifest))
        words_names = [words["path"], words["lexicon"], *(p for g in topology["weightsManifest"] for p in g["paths"])]
    words_files = {f"model/{file_path(manifest, n)}" for n in words_names}
    served = []
    with service_worker_site(browser, root, words=True, cache=True, log=served) as (page, srv):
        assert page.evaluate("handwriting.app.offline") is True, "the worker cached the page's files"
        counts = {}
        for path, _ in served:
            counts[path] = counts.get(path, 0) + 1
        assert {p: n for p, n in counts.items() if n > 1} == {}, "a file was downloaded twice"
        budgeted = sum(n for path, n in served if path.lstrip("/") not in words_files)
        assert budgeted <= FIRST_VISIT_BYTES, f"first visit {budgeted:,} bytes (words model aside)"
        # one wasm binary: the one this browser runs
        assert len([p for p in counts if p.endswith(".wasm")]) == 1
        wanted = sorted(file_path(manifest, n).split("/")[-1] for n in manifest["files"])
        assert sorted(page.evaluate(CACHED_MODEL_FILES_JS)) == sorted(["manifest.json", *wanted])

        served.clear()
        open_app(page, srv.url, words=True)  # a repeat visit, through the worker
        assert sum(n for _, n in served) == 0, f"a repeat visit downloaded {served}"

        reload_offline(page, srv)
        # every model the folder ships runs on the page's TF.js build
        assert page.evaluate("handwriting.strokeModel") == bool(meta.get("stroke_model"))
        assert page.evaluate("handwriting.words") == bool(words)
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7")) is not None
        if words:
            assert page.evaluate("handwriting.inputKind") == "words"
            reading = page.evaluate("(s) => handwriting.writeLine(s)", glyph("7"))
            assert isinstance(reading["text"], str) and reading["ms"] is not None


def test_returning_visitors_get_a_new_model(browser, model_dir, tmp_path):
    """manifest.json is network-first: a new `kedro run` reaches a returning visitor, and the
    previous version's weight files leave the cache."""
    import json

    from web_support import INIT_SCRIPT

    from handwriting.page.manifest import file_path, read_manifest, read_model_file

    root = copy_web(tmp_path / "web", model_dir)
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_SCRIPT)
    with serving(root) as url:
        try:
            page = ctx.new_page()
            open_app(page, url, words=True)
            wait_for(page, "async () => (await navigator.serviceWorker.ready) && navigator.serviceWorker.controller !== null", timeout=30_000)
            open_app(page, url, words=True)  # a second visit, now through the service worker
            # publish a new image model version: its weights differ by one bit (new content
            # addresses); a stroke model, if shipped, stays: its weights must stay cached
            model = root / "model"
            manifest = read_manifest(model)
            topology = json.loads(read_model_file(model, "model.json", manifest))
            image_bins = [p for g in topology["weightsManifest"] for p in g["paths"]]
            address = lambda n: file_path(manifest, n).split("/")[-1]  # noqa: E731
            old_bins = sorted(address(n) for n in image_bins)
            kept = sorted({address(n) for n in manifest["files"] if n.endswith(".bin")} - set(old_bins))
            changed = {}
            for name in image_bins:
                data = bytearray(read_model_file(model, name, manifest))
                data[0] ^= 1  # the lowest mantissa bit of the first weight
                changed[name] = bytes(data)
            edit_model(model, changed, metadata={"model_version": "feedface00112233"})

            open_app(page, url, words=True)  # the visitor returns
            page.click("#btn-info")
            assert page.text_content("#info-version") == "feedface0011"
            assert page.evaluate("(s) => handwriting.replay(s)", glyph("7")) is not None
            wait_for(page, """async ([old, kept]) => {
                const names = (await (await caches.open('hw-model')).keys()).map((r) => r.url.split('/').pop());
                return !names.some((n) => old.includes(n)) && names.some((n) => n.endsWith('.bin'))
                    && kept.every((n) => names.includes(n));
            }""", [old_bins, kept], timeout=10_000)
        finally:
            ctx.close()
