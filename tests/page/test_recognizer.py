"""The page's recognizer in Python: the chain ink -> models -> fusion -> size cue -> picks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handwriting.page.fusion import fuse
from handwriting.page.preprocess import CanvasSpec, render
from handwriting.page.recognizer import Recognizer, top_guesses
from handwriting.page.trajectory import trajectory_features
from handwriting.page.manifest import read_model_file

LABELS = ["1", "7"]
BAR = [[[0, 0], [0, 10]]]
SLASH = [[[0, 10], [10, 0]]]


class InkInTopRight:  # "7" when there is ink in the top-right corner (the slash), else "1"
    input_shape = (None, 28, 28, 1)

    def predict(self, x, batch_size=None, verbose=0):
        slash = x[:, 2:8, 20:26, 0].sum(axis=(1, 2)) > 1.0
        return np.stack([np.where(slash, 0.6, 0.7), np.where(slash, 0.4, 0.3)], axis=1)


class PenStartsLow:  # a path that starts at the bottom left is a 7
    input_shape = (None, 16, 5)

    def predict(self, x, batch_size=None, verbose=0):
        slash = x[:, 0, 1] > 0
        return np.stack([np.where(slash, 0.1, 0.9), np.where(slash, 0.9, 0.1)], axis=1)


def test_reads_a_batch_through_both_models_and_fuses_them():
    page = Recognizer(InkInTopRight(), LABELS, {"radius": 1.0}, stroke_model=PenStartsLow(),
                      points=16, stroke_weight=0.5)
    read = page.read([BAR, SLASH, [[[3, 3]]]])
    assert read["valid"].tolist() == [True, True, False]
    spec = CanvasSpec(radius=1.0)
    np.testing.assert_array_equal(read["images"][1], render(SLASH, spec))
    np.testing.assert_array_equal(read["paths"][1], trajectory_features(SLASH, 16))
    np.testing.assert_allclose(read["shape"], fuse(read["image"], read["stroke"], 0.5))
    # the image model alone would read the slash as 1; the pen path tips it to 7
    assert read["image"][1].argmax() == 0 and read["shape"][1].argmax() == 1


def test_recognize_one_drawing_as_the_page_does():
    page = Recognizer(InkInTopRight(), LABELS, {"radius": 1.0}, stroke_model=PenStartsLow(),
                      points=16)
    r = page.recognize(SLASH)
    assert [t["label"] for t in r["top"]] == ["7", "1"]
    assert r["height"] == 10 and np.isnan(r["size_ratio"])  # no size cue
    np.testing.assert_allclose(r["probs"], r["shape"])
    assert page.recognize([[[3, 3]]]) is None and page.recognize([]) is None


def test_without_a_stroke_model_the_image_model_alone():
    page = Recognizer(InkInTopRight(), LABELS)
    assert not page.strokes_active and page.stroke_weight == 0
    read = page.read([SLASH])
    assert read["paths"] is None and read["stroke"] is None
    np.testing.assert_allclose(read["shape"], read["image"])
    assert page.in_sequence(read["shape"], np.ones(1), [[0]]) is None
    assert page.with_corrections(read["shape"], [[0]], np.zeros(1, int), np.ones(1)) is None


def test_adaptation_off_when_disabled_and_checked_when_on():
    assert Recognizer(InkInTopRight(), LABELS, adaptation={"enabled": False}).adaptation is None
    with pytest.raises(ValueError, match="tau"):
        Recognizer(InkInTopRight(), LABELS, adaptation={"tau": 0})


def test_picks_teach_the_page_within_a_line():
    """A writer whose 7s all look like 1s to the models: once the user picks 7, the page's
    memory of that shape reads the next one as 7."""
    page = Recognizer(InkInTopRight(), LABELS, adaptation={"tau": 0.5, "beta": 4.0})
    shape = np.tile([0.6, 0.4], (4, 1))
    first, picked = page.with_corrections(shape, [[0, 1, 2, 3]], np.ones(4, int), np.ones(4))
    assert picked.tolist() == [True, False, False, False]
    assert first[0].argmax() == 0 and (first[1:].argmax(axis=1) == 1).all()


def test_top_guesses_likeliest_first_ties_to_the_lower_index():
    assert [g["label"] for g in top_guesses(np.array([0.2, 0.5, 0.2, 0.1]), "abcd")] == ["b", "a", "c"]


def test_from_folder_reads_the_shipped_model_as_the_page_does():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "web" / "model"
    meta = json.loads(read_model_file(folder, "metadata.json"))
    page = Recognizer.from_folder(folder)
    assert page.labels == meta["labels"] and page.strokes_active == bool(meta.get("stroke_model"))
    assert (page.size_cue is not None) == bool(meta.get("size_cue"))
    assert not Recognizer.from_folder(folder, strokes=False, size_cue=False).strokes_active
    r = page.recognize([[[0, 0], [0, 40]]])  # a straight bar
    assert r["top"][0]["label"] in {"1", "l", "I", "i", "|"}
