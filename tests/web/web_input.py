"""Input helpers: draw strokes into the page with real mouse, touch and pen events."""

from __future__ import annotations

import math

from web_glyphs import GLYPHS, scaled

# Drawing box in the middle of the 1000 x 800 viewport, clear of the header and toolbar.
BOX = (350.0, 250.0, 300.0)  # x0, y0, side


# A pointer event every 24 px or less: what a mouse or a finger reports drawing briskly; each
# event costs the test a frame (16.7 ms) of headless Chromium.
# Extra points on a straight segment do not change the drawing: the page renders the same
# polyline and resamples the same path.
STEP_PX = 24.0


def densify(stroke, step=STEP_PX):
    """Points along a polyline at most ``step`` px apart (real pointers report many points)."""
    out = [list(stroke[0])]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        n = max(1, int(math.ceil(math.hypot(x1 - x0, y1 - y0) / step)))
        for i in range(1, n + 1):
            out.append([x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n])
    return out


def glyph(label, box=BOX):
    x0, y0, side = box
    return scaled(GLYPHS[label], x0, y0, side)


def draw_mouse(page, strokes, step=STEP_PX):
    """Draw ``strokes`` with Playwright's mouse, a move at most ``step`` px apart."""
    for stroke in strokes:
        pts = densify(stroke, step)
        page.mouse.move(*pts[0])
        page.mouse.down()
        for p in pts[1:]:
            page.mouse.move(*p)
        page.mouse.up()


def cdp(page):
    return page.context.new_cdp_session(page)


def draw_touch(page, strokes, session=None):
    s = session or cdp(page)
    for stroke in strokes:
        pts = densify(stroke)
        s.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [_tp(pts[0])]})
        for p in pts[1:]:
            s.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [_tp(p)]})
        s.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _tp(p):
    return {"x": p[0], "y": p[1], "id": 1, "radiusX": 2, "radiusY": 2, "force": 0.5}


def draw_pen(page, strokes, session=None):
    s = session or cdp(page)
    for stroke in strokes:
        pts = densify(stroke)
        base = {"button": "left", "pointerType": "pen", "force": 0.5}
        s.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": pts[0][0], "y": pts[0][1],
                                            "pointerType": "pen"})
        s.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": pts[0][0], "y": pts[0][1],
                                            "buttons": 1, "clickCount": 1, **base})
        for p in pts[1:]:
            s.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": p[0], "y": p[1], "buttons": 1, **base})
        s.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": pts[-1][0], "y": pts[-1][1],
                                            "buttons": 0, "clickCount": 1, **base})


def wait_for(page, predicate_js, arg=None, timeout=15_000):
    """Wait until ``predicate_js`` (a JS function of ``arg``) returns a truthy value; returns it.

    (Playwright's ``wait_for_function`` evaluates strings, which the page's CSP forbids; this
    polls inside one ``evaluate`` call instead, which the CSP does not apply to.)
    """
    js = (
        "async ([arg, timeout]) => {"
        f" const pred = {predicate_js};"
        " const t0 = performance.now();"
        " for (;;) {"
        "   const v = await pred(arg);"
        "   if (v) return v;"
        "   if (performance.now() - t0 > timeout) throw new Error('timed out: ' + pred.toString());"
        "   await new Promise((r) => setTimeout(r, 20));"
        " }"
        "}"
    )
    return page.evaluate(js, [arg, timeout])


def wait_results(page, n, timeout=15_000):
    """Wait until ``n`` recognition results (``handwriting:result`` events) have arrived."""
    return wait_for(page, "(n) => window.__results.length >= n && window.__results", n, timeout)


def text(page):
    return page.evaluate("window.handwriting.text")


def surface_strokes(page):
    return page.evaluate("window.handwriting.app.surface.strokes")
