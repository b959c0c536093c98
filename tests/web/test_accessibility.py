"""Accessibility of the page in Chromium: axe-core (the npm package, node_modules/axe-core) finds
nothing in every state, at a phone's width and a desktop's; touch targets of at least 44 px; the
drawing hint readable; nothing moving as the page loads; and the keyboard paths: Esc gives the
focus back, single-key shortcuts can be turned off, Space on the slider is the slider's.

One page per width serves all the tests of this file (opened once, in words mode as the page
ships when the model folder has a words model); each test leaves it as it found it."""

from __future__ import annotations

import json
import re

import pytest
from web_input import wait_for
from web_support import INIT_SCRIPT, ROOT, WEB, open_app

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {390: 844, 1280: 800}  # a phone (below the 640 px layout) and a desktop

# A word written across the middle of the drawing area ("lv"-like ink), and a T for character mode.
LINE = [[[-80, -25], [-80, 30]], [[-40, 0], [-20, 30], [0, 0]]]
T = [[[-30, -40], [30, -40]], [[0, -40], [0, 40]]]


# Every layout shift of the page (the moves a user did not cause), from before its first script.
SHIFTS_JS = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__layoutShift += e.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def _centred(strokes, page):
    size = page.viewport_size
    cx, cy = size["width"] / 2, size["height"] / 2
    return [[[cx + x, cy + y] for x, y in s] for s in strokes]


@pytest.fixture(scope="module")
def pages(browser, site):
    """{width: page}, opened on first use; axe is injected, so the context bypasses the page's CSP
    (Playwright adds scripts inline, which the CSP refuses; the page behaves the same)."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (npm ci)")
    opened, contexts = {}, []

    def page_at(width):
        if width not in opened:
            ctx = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, bypass_csp=True)
            ctx.add_init_script(INIT_SCRIPT + SHIFTS_JS)
            contexts.append(ctx)
            page = ctx.new_page()
            open_app(page, site.url, "nosw&idle=120", words=True)
            opened[width] = page
        return opened[width]

    yield page_at
    for ctx in contexts:
        ctx.close()


def axe_violations(page):
    """axe-core's violations on the whole page, as {rule: [element, ...]}."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})"
                          ".then((r) => r.violations.map((v) => [v.id, v.nodes.map((n) => n.target.join(' '))]))")
    return dict((rule, nodes) for rule, nodes in found)


TARGETS_JS = """() => {
  const seen = [];
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  // what a finger hits: a radio or checkbox's own label, every other control itself
  for (const el of document.querySelectorAll('button, input, [role="textbox"]')) {
    const target = el.type === 'radio' || el.type === 'checkbox' ? el.closest('label') : el;
    if (!visible(el) && !visible(target)) continue;
    if (el.closest('dd')) continue; // the Forget link inside a line of the panel's text
    const r = target.getBoundingClientRect();
    seen.push({id: el.id || el.className || el.type, width: r.width, height: r.height});
  }
  return seen;
}"""


def small_targets(page):
    return [t for t in page.evaluate(TARGETS_JS) if t["width"] < 44 or t["height"] < 44]


def check_state(page, state):
    """axe finds nothing, every control is at least 44 x 44 px, and a guess button's name starts
    with the text it shows (WCAG 2.5.3: a speech user names a button by what they see)."""
    assert axe_violations(page) == {}, state
    assert small_targets(page) == [], state
    for shown, name in page.eval_on_selector_all(
            "#guesses button", "(bs) => bs.map((b) => [b.innerText, b.getAttribute('aria-label') || b.innerText])"):
        assert name.startswith(" ".join(shown.split())), (state, shown, name)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_axe_finds_nothing_fresh_after_writing_and_with_the_info_panel_open(pages, width):
    """And nothing moved while the page loaded (the loading message, the words controls, the
    drawing box), which Lighthouse counts as layout shift."""
    page = pages(width)
    words = page.evaluate("handwriting.words")
    if words:  # the page opens in the layout of words mode: nothing moves as it loads
        assert page.evaluate("window.__layoutShift") == 0
    check_state(page, "fresh")
    if words:
        assert page.evaluate("handwriting.inputKind") == "words"
        page.evaluate("(s) => handwriting.writeLine(s)", _centred(LINE, page))
        assert page.locator("#guesses button").count() > 0
        check_state(page, "words written")
        page.evaluate("handwriting.inputKind = 'characters'")
    check_state(page, "characters, fresh")
    page.evaluate("(s) => handwriting.replay(s)", _centred(T, page))
    assert page.locator("#guesses button").count() == 3
    check_state(page, "characters written")
    page.click("#btn-info")
    assert page.locator("#info").is_visible()
    check_state(page, "info panel open")
    page.click("#btn-info")
    page.click("#btn-clear")
    if words:
        page.evaluate("handwriting.inputKind = 'words'")


CONTRAST_JS = """() => {
  const rgba = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const el = document.querySelector('#hint .hint-text');
  const [r, g, b, a = 1] = rgba(getComputedStyle(el).color);
  let alpha = a;
  for (let n = el; n; n = n.parentElement) alpha *= Number(getComputedStyle(n).opacity);
  const bg = rgba(getComputedStyle(document.body).backgroundColor);
  const fg = [r, g, b].map((v, i) => alpha * v + (1 - alpha) * bg[i]);
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def test_the_drawing_hint_has_a_contrast_of_at_least_4_5_in_both_colour_schemes(pages):
    page = pages(1280)
    assert page.locator("#hint .hint-text").is_visible()
    try:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            assert page.evaluate(CONTRAST_JS) >= 4.5, scheme
    finally:
        page.emulate_media(color_scheme="light")


def test_escape_in_the_info_panel_closes_it_and_gives_the_focus_back(pages):
    page = pages(1280)
    page.focus("#btn-info")
    page.keyboard.press("Enter")
    assert page.locator("#info").is_visible()
    stops = []
    for _ in range(4):  # into the panel and on: the panel itself is never a stop
        page.keyboard.press("Tab")
        stops.append(page.evaluate("[document.activeElement.id, !!document.activeElement.closest('#info')]"))
    assert ["info", True] not in stops, stops
    assert stops[0] == ["shortcuts", True], "Tab goes from the button into the panel it opened"
    page.focus("#shortcuts")
    page.evaluate("handwriting.app.surface.load([[[500, 400], [560, 420]]])")  # ink, which Esc keeps here
    page.keyboard.press("Escape")
    assert page.locator("#info").is_hidden()
    assert page.get_attribute("#btn-info", "aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "btn-info"
    assert len(page.evaluate("handwriting.app.surface.strokes")) == 1, "Esc closed the panel, not the ink"
    page.keyboard.press("Escape")  # with the panel closed, Esc discards the ink
    assert page.evaluate("handwriting.app.surface.strokes") == []


STATE_JS = """() => ({text: handwriting.text, width: handwriting.app.surface.strokeWidth,
  mode: handwriting.mode, kind: handwriting.inputKind, info: !document.getElementById('info').hidden,
  strokes: handwriting.app.surface.strokes.length})"""


def test_single_key_shortcuts_can_be_turned_off_and_stay_off(pages):
    page = pages(1280)
    page.evaluate("handwriting.inputKind = 'characters'")
    page.evaluate("handwriting.app.surface.load([[[500, 400], [560, 420]]])")
    page.click("#btn-info")
    page.click("label.setting")  # the checkbox's label, as a finger would
    assert page.is_checked("#shortcuts") is False
    page.click("#btn-info")
    page.evaluate("document.activeElement.blur()")
    before = page.evaluate(STATE_JS)
    for key in ["u", "c", "i", "m", "w", "[", "]", "1", "Space", "Shift+U"]:
        page.keyboard.press(key)
    assert page.evaluate(STATE_JS) == before, "a key that types a character does nothing"
    assert page.get_attribute("#btn-undo", "aria-keyshortcuts") == "Control+Z"
    assert page.get_attribute("#btn-info", "aria-keyshortcuts") is None
    page.keyboard.press("Control+z")  # keys with a modifier and the keys that type nothing still act
    assert page.evaluate("handwriting.app.surface.strokes") == []

    open_app(page, page.url.split("?")[0], "nosw&idle=120&input=characters", words=True)  # again
    assert page.is_checked("#shortcuts") is False, "the setting is kept in this browser"
    page.keyboard.press("i")
    assert page.locator("#info").is_hidden()
    page.evaluate("handwriting.app.toggleInfo(true)")
    page.click("label.setting")
    page.keyboard.press("i")  # on again
    assert page.locator("#info").is_hidden()
    page.keyboard.press("i")
    assert page.locator("#info").is_visible()
    assert page.get_attribute("#btn-undo", "aria-keyshortcuts") == "U Control+Z"
    page.keyboard.press("i")

    # a stored value that is neither on nor off (another version's, edited by hand) is on
    page.evaluate("localStorage.setItem('hw.singleKeyShortcuts', 'false')")
    open_app(page, page.url.split("?")[0], "nosw&idle=120", words=True)
    assert page.is_checked("#shortcuts")
    page.evaluate("localStorage.removeItem('hw.singleKeyShortcuts')")


def test_space_on_the_slider_or_the_shortcuts_checkbox_inserts_nothing(pages):
    page = pages(390)
    before = page.evaluate("handwriting.text")
    width = page.evaluate("handwriting.app.surface.strokeWidth")
    page.focus("#stroke-width")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("handwriting.text") == before
    assert page.evaluate("handwriting.app.surface.strokeWidth") == width + 1, "the arrows are the slider's"
    page.keyboard.press("ArrowLeft")
    page.evaluate("handwriting.app.toggleInfo(true)")
    page.focus("#shortcuts")
    page.keyboard.press("Space")
    assert page.evaluate("handwriting.text") == before
    assert page.is_checked("#shortcuts") is False, "Space toggles the checkbox"
    page.keyboard.press("Space")
    assert page.is_checked("#shortcuts")
    page.evaluate("handwriting.app.toggleInfo(false)")


def test_the_manifest_theme_colour_is_the_pages():
    manifest = json.loads((WEB / "manifest.webmanifest").read_text())
    html = (WEB / "index.html").read_text()
    light = re.search(r'<meta name="theme-color" content="(#[0-9a-fA-F]{6})" media="\(prefers-color-scheme: light\)">', html)
    assert light, "index.html names a theme colour for the light scheme"
    assert manifest["theme_color"].lower() == light.group(1).lower()
    assert manifest["background_color"].lower() == light.group(1).lower()
