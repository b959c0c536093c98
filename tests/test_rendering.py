import numpy as np

from handwriting.page.preprocess import CanvasSpec, render
from handwriting.rendering import render_strokes

BAR = [[[0, 0], [0, 10]]]   # a vertical bar
SLASH = [[[0, 10], [10, 0]]]


def test_render_strokes_uses_the_canvas_spec_and_drops_dots_and_unknown_labels():
    records = [{"label": "1", "strokes": BAR}, {"label": "?", "strokes": BAR},
               {"label": "7", "strokes": [[[3, 3]]]}, {"label": "7", "strokes": SLASH}]
    out = render_strokes(records, ["1", "7"], {"radius": 1.0, "softness": 0.3})
    assert out["x"].shape == (2, 28, 28, 1) and out["y"].tolist() == [0, 1]
    assert out["index"].tolist() == [0, 3]
    expected = render(SLASH, CanvasSpec(radius=1.0, softness=0.3))
    np.testing.assert_array_equal(out["x"][1, :, :, 0], expected)
