"""Clean, hand-made stroke paths for characters, used by the web tests and the parity tests.

Coordinates are in a 100 x 100 box, y growing downward; each glyph is a list of strokes, each a
list of ``[x, y]`` points. ``ACCEPT`` lists, for each glyph, the answers a correct recogniser may
give (only where the shape is genuinely ambiguous in EMNIST byclass, e.g. a plain ring is a
``0``, an ``O`` or an ``o``).
"""

from __future__ import annotations

import math


def _arc(cx, cy, rx, ry, a0, a1, n=24):
    """Points on an ellipse arc from angle a0 to a1 (degrees, 0 = right, 90 = down)."""
    pts = []
    for i in range(n + 1):
        a = math.radians(a0 + (a1 - a0) * i / n)
        pts.append([round(cx + rx * math.cos(a), 2), round(cy + ry * math.sin(a), 2)])
    return pts


GLYPHS: dict[str, list[list[list[float]]]] = {
    "0": [_arc(50, 50, 28, 45, -90, 270, 40)],
    "1": [[[44, 14], [52, 4], [52, 96]]],
    "2": [_arc(50, 30, 28, 25, 190, 360, 16) + [[70, 48], [22, 95], [82, 95]]],
    "3": [_arc(48, 27, 27, 22, 200, 450, 18) + _arc(48, 72, 30, 24, -90, 160, 18)[1:]],
    "4": [[[58, 4], [16, 66], [86, 66]], [[64, 36], [64, 96]]],
    "5": [[[78, 5], [32, 5], [27, 44]] + _arc(48, 66, 30, 28, -135, 150, 20)],
    # the loop counter-clockwise on screen (down, right, up, back left), as a 6 is written: the
    # stroke model reads the direction, and a clockwise loop is how a b's bowl goes
    "6": [_arc(72, 50, 42, 46, 250, 180, 10) + _arc(50, 70, 22, 25, 180, -180, 28)[1:]],
    "7": [[[16, 6], [84, 6], [40, 96]]],
    # a figure of eight, as an 8 is written: from the top right, the top loop counter-clockwise
    # and the bottom one clockwise, crossing at the waist (the same ink as two loops drawn the same
    # way round, which is a 3's path closed; the stroke model reads a 3 there)
    "8": [_arc(50, 27, 22, 22, -20, -270, 20) + _arc(50, 72, 28, 24, -90, 270, 26)[1:]
          + _arc(50, 27, 22, 22, 90, -20, 9)[1:]],
    "9": [_arc(50, 30, 24, 25, 0, 360, 28) + [[74, 30], [70, 96]]],
    "A": [[[12, 96], [50, 4], [88, 96]], [[28, 60], [72, 60]]],
    "E": [[[78, 5], [24, 5], [24, 95], [78, 95]], [[24, 50], [68, 50]]],
    "H": [[[22, 4], [22, 96]], [[78, 4], [78, 96]], [[22, 50], [78, 50]]],
    "L": [[[28, 4], [28, 95], [80, 95]]],
    "T": [[[10, 6], [90, 6]], [[50, 6], [50, 96]]],
}

ACCEPT: dict[str, set[str]] = {
    # EMNIST is scaled to fill the box, so a ring is a 0, an O or an o alike, and a vertical bar
    # (with or without a small flag) is a 1, an l or an I alike.
    "0": {"0", "O", "o"},
    "1": {"1", "l", "I"},
}


def accepted(label: str) -> set[str]:
    return ACCEPT.get(label, {label})


def scaled(strokes, x0, y0, scale):
    """Strokes mapped from the 100-box to screen coordinates: (x0, y0) + scale * (x, y)."""
    return [[[x0 + scale * x / 100.0, y0 + scale * y / 100.0] for x, y in s] for s in strokes]
