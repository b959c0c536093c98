"""The page's recognizer (web/js/recognizer.js) in Python: ink -> both models -> fusion -> size
cue -> what the user's picks taught it.

A Recognizer holds what the page loads: the labels, the canvas spec, the image model and, when one
ships, the stroke model with its points and fusion weight, the size cue and the learning-from-picks
settings. ``Recognizer.from_folder`` reads them from the page's model folder as the page does
(``web/model/``: its manifest names metadata.json, model.json, stroke_model.json and the weight
files, each checked against its SHA-256: manifest.py); the reporting pipeline builds one
from its Keras models and parameters. Drawings are read in batches: the models run once over many.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from handwriting.evaluation import predict
from handwriting.page.adapt import Adaptation, checked, with_corrections
from handwriting.page.fusion import DEFAULT_WEIGHT, fuse
from handwriting.page.manifest import read_manifest, read_model_file
from handwriting.page.preprocess import CanvasSpec, render_batch
from handwriting.page.sizecue import SizeCue, ink_height
from handwriting.page.trajectory import DEFAULT_POINTS, trajectory_batch
from handwriting.tfjs_compat import as_model_input, load_tfjs

Strokes = Sequence[Sequence[Sequence[float]]]


def top_guesses(probs: np.ndarray, labels: Sequence[str], k: int = 3) -> list[dict]:
    """The k likeliest classes, likeliest first (ties: the lower class index first)."""
    order = np.argsort(-np.asarray(probs), kind="stable")[:k]
    return [{"label": labels[i], "index": int(i), "p": float(probs[i])} for i in order]


def model_files(model_dir: Path, model_file: str = "model.json",
                manifest: dict | None = None) -> dict[str, bytes]:
    """``{logical name: bytes}`` of a TF.js ``model_file`` in the model folder and the weight files
    it names, each checked against the folder's manifest."""
    manifest = manifest if manifest is not None else read_manifest(model_dir)
    topology = json.loads(read_model_file(model_dir, model_file, manifest))
    names = [model_file] + [p for g in topology.get("weightsManifest", []) for p in g["paths"]]
    return {n: read_model_file(model_dir, n, manifest) for n in names}


class Recognizer:
    """What the page runs on a drawing, batch by batch.

    ``image_model`` and ``stroke_model`` are Keras-like models (``predict``); ``size_cue`` is a
    fitted size cue's dict (None: none); ``adaptation`` the learning-from-picks settings (None or
    ``enabled: false``: none).
    """

    def __init__(self, image_model, labels: Sequence[str], canvas_spec: dict | None = None, *,
                 stroke_model=None, points: int = DEFAULT_POINTS,
                 stroke_weight: float = DEFAULT_WEIGHT, size_cue: dict | None = None,
                 adaptation: dict | None = None):
        self.image_model = image_model
        self.labels = [str(c) for c in labels]
        self.spec = CanvasSpec.from_dict(canvas_spec or {})
        self.stroke_model = stroke_model
        self.points = int(points)
        self.stroke_weight = float(stroke_weight) if stroke_model is not None else 0.0
        self.size_cue = SizeCue(size_cue, self.labels) if size_cue else None
        enabled = adaptation is not None and adaptation.get("enabled", True) is not False
        self.adaptation = checked(adaptation) if enabled else None

    @classmethod
    def from_folder(cls, model_dir: Path, *, strokes: bool = True, size_cue: bool = True,
                    adaptation: bool = True) -> Recognizer:
        """The page's model folder loaded as the page loads it; ``strokes``, ``size_cue`` and
        ``adaptation`` false leave that part out, as ``?strokes=off``, ``?size=off`` and
        ``?adapt=off`` do."""
        model_dir = Path(model_dir)
        manifest = read_manifest(model_dir)
        meta = json.loads(read_model_file(model_dir, "metadata.json", manifest))
        stroke_cfg = meta.get("stroke_model") if strokes else None
        stroke_model = None
        if stroke_cfg:
            path = stroke_cfg.get("path", "stroke_model.json")
            stroke_model = load_tfjs(model_files(model_dir, path, manifest), path)
        return cls(load_tfjs(model_files(model_dir, manifest=manifest)), meta["labels"], meta.get("canvas_spec"),
                   stroke_model=stroke_model,
                   points=(stroke_cfg or {}).get("points", DEFAULT_POINTS),
                   stroke_weight=(stroke_cfg or {}).get("weight", DEFAULT_WEIGHT),
                   size_cue=meta.get("size_cue") if size_cue else None,
                   adaptation=meta.get("adaptation") if adaptation else None)

    @property
    def strokes_active(self) -> bool:
        return self.stroke_model is not None

    def inputs(self, drawings: Sequence[Strokes]) -> dict[str, np.ndarray]:
        """Each drawing through the canvas spec (``images``) and, with a stroke model, the
        trajectory spec (``paths``); ``valid``: which have something to recognise (zeros where
        not)."""
        drawings = list(drawings)
        images, valid = render_batch(drawings, self.spec, return_valid=True)
        paths = None
        if self.strokes_active:
            paths, has_path = trajectory_batch(drawings, self.points)
            if not np.array_equal(has_path, valid):
                raise ValueError("the canvas spec and the trajectory spec disagree on what is empty")
        return {"images": images, "paths": paths, "valid": valid}

    def shape_probs(self, images: np.ndarray, paths: np.ndarray | None = None
                    ) -> dict[str, np.ndarray | None]:
        """Both models on prepared inputs and their fusion: ``image``, ``stroke`` (None without a
        stroke model) and ``shape`` (the fused probabilities, what the page reads before its size
        cue)."""
        image = predict(self.image_model, as_model_input(self.image_model, images))
        stroke = None
        if self.strokes_active:
            stroke = predict(self.stroke_model, as_model_input(self.stroke_model, paths))
        return {"image": image, "stroke": stroke,
                "shape": fuse(image, stroke, self.stroke_weight)}

    def read(self, drawings: Sequence[Strokes]) -> dict[str, np.ndarray | None]:
        """``inputs`` and ``shape_probs`` of many drawings, each read alone."""
        prepared = self.inputs(drawings)
        return {**prepared, **self.shape_probs(prepared["images"], prepared["paths"])}

    def size_ratio(self, height: float, previous: Sequence[tuple[float, str]]) -> float:
        """The size cue's r for a drawing of ``height`` after the line's ``previous`` (height,
        label) characters; NaN without a size cue."""
        return self.size_cue.ratio(height, previous) if self.size_cue else float("nan")

    def recognize(self, strokes: Strokes, k: int = 3,
                  previous: Sequence[tuple[float, str]] = (),
                  memory: Adaptation | None = None) -> dict | None:
        """One drawing as ``Recognizer.recognize`` in recognizer.js reads it: None when there is
        nothing to recognise, else ``probs`` (after the size cue against ``previous`` and what
        ``memory``, the user's picks, teaches), ``shape`` (fused), ``image``, ``stroke``,
        ``height``, ``size_ratio`` and the ``top`` k guesses."""
        read = self.read([strokes])
        if not read["valid"][0]:
            return None
        shape = read["shape"][0]
        height = ink_height(strokes)
        r = self.size_ratio(height, previous)
        sized = self.size_cue.apply(shape, r) if self.size_cue else shape
        probs = memory.apply(sized, shape) if memory is not None else sized
        return {"probs": probs, "shape": shape, "image": read["image"][0],
                "stroke": None if read["stroke"] is None else read["stroke"][0],
                "height": height, "size_ratio": r, "top": top_guesses(probs, self.labels, k)}

    def in_sequence(self, shape: np.ndarray, heights: np.ndarray,
                    order: Sequence[Sequence[int]]) -> np.ndarray | None:
        """Rows of ``shape`` as the page gives them with each list of rows in ``order`` written
        as one text line (the size cue reads the line so far); None without a size cue."""
        return self.size_cue.in_sequence(shape, heights, order) if self.size_cue else None

    def with_corrections(self, shape: np.ndarray, order: Sequence[Sequence[int]], y: np.ndarray,
                         heights: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Each line of ``order`` written by a user who picks the true class ``y`` whenever it is
        among the three shown, the page learning from the picks: (probabilities as first read,
        which were picked); None when the page does not learn from picks."""
        if self.adaptation is None:
            return None
        return with_corrections(shape, order, self.adaptation, y, self.labels, self.size_cue,
                                heights)
