"""Turn validated uint8 EMNIST splits into model inputs.

EMNIST stores every image transposed; the fix is a single axis swap, applied here once, so
everything downstream (model, reports, the page's 28x28 preview) sees upright characters.
"""

from __future__ import annotations

import logging

import numpy as np

from handwriting.rendering import render_strokes, trajectory_set
from handwriting.sampling import class_weights, stratified_indices, stratified_split
from handwriting.unipen import is_clean, is_heldout_writer, select

logger = logging.getLogger(__name__)


def fix_orientation(images: np.ndarray) -> np.ndarray:
    """Transpose each (28, 28) image: EMNIST's files hold them with rows and columns swapped."""
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W), got {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 2, 1))


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [0, 1] with a channel axis: (N, 28, 28, 1), what the CNN takes."""
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    return (images.astype(np.float32) / np.float32(255.0))[..., np.newaxis]


def compute_class_weights(train_set: dict, labels: list[str], params: dict) -> dict[str, float]:
    """Class weights from the training split's counts (see handwriting.sampling.class_weights)."""
    cfg = params.get("class_weights", {}) or {}
    return class_weights(train_set["y"], len(labels), power=cfg.get("power", 1.0),
                         max_weight=cfg.get("max_weight"))


def _as_model_input(images: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    return {"x": scale_images(fix_orientation(images)), "y": labels.astype(np.int64)}


def prepare_train(emnist_train: dict, params: dict) -> tuple[dict, dict]:
    """Subset (optional), orient, scale, and hold out a stratified validation split from train."""
    labels = emnist_train["labels"]
    keep = stratified_indices(labels, params.get("train_subset"), params["seed"])
    fit_idx, val_idx = stratified_split(labels[keep], params["validation_fraction"], params["seed"])
    fit_idx, val_idx = keep[fit_idx], keep[val_idx]
    logger.info("train: %d images, validation: %d (of %d in the train file)",
                len(fit_idx), len(val_idx), len(labels))
    images = emnist_train["images"]
    return (_as_model_input(images[fit_idx], labels[fit_idx]),
            _as_model_input(images[val_idx], labels[val_idx]))


def prepare_test(emnist_test: dict, params: dict) -> dict:
    """Subset (optional), orient and scale the test split; only reporting ever reads it."""
    labels = emnist_test["labels"]
    keep = stratified_indices(labels, params.get("test_subset"), params["seed"])
    logger.info("test: %d images (of %d in the test file)", len(keep), len(labels))
    return _as_model_input(emnist_test["images"][keep], labels[keep])


def pen_train_records(unipen_strokes: list[dict], unipen_params: dict) -> list[dict]:
    """The UNIPEN records the image model's pen data comes from: the training writers' (never
    the held-out ones), clean contributors only unless ``train_clean_only`` is false."""
    return select(unipen_strokes, heldout=False, fraction=unipen_params["heldout_fraction"],
                  clean_only=unipen_params.get("train_clean_only", True))


def prepare_pen_train(unipen_strokes: list[dict], labels: list[str], canvas_spec: dict,
                      params: dict) -> dict[str, np.ndarray]:
    """UNIPEN characters of the training writers, rendered as the page renders a drawing.

    Held-out writers (see handwriting.unipen) are never rendered here: they are what the
    reporting pipeline and benchmarks/unipen.py measure on.
    """
    cfg = params["unipen"]
    repeat = int(cfg.get("repeat", 1))
    if repeat < 1:  # checked before the (slow) rendering
        raise ValueError(f"unipen.repeat must be a positive integer, got {cfg.get('repeat')!r}")
    if not cfg.get("train") or not unipen_strokes:
        return {"x": np.zeros((0, 28, 28, 1), np.float32), "y": np.zeros(0, np.int64)}
    records = pen_train_records(unipen_strokes, cfg)
    keep = stratified_indices(np.array([r["label"] for r in records]), cfg.get("train_subset"),
                              params["seed"])
    records = [records[i] for i in keep]
    pen = render_strokes(records, labels, canvas_spec)
    logger.info("pen strokes: %d training-writer characters rendered%s", len(pen["y"]),
                f", each used {repeat} times per epoch" if repeat > 1 else "")
    # Repeats are not duplicates in effect: augmentation draws a new distortion for each copy.
    return {"x": np.tile(pen["x"], (repeat, 1, 1, 1)), "y": np.tile(pen["y"], repeat)}


def combine_training_sets(emnist_train_set: dict, pen_train_set: dict) -> dict[str, np.ndarray]:
    """EMNIST training images plus rendered pen strokes (order does not matter: training shuffles)."""
    return {"x": np.concatenate([emnist_train_set["x"], pen_train_set["x"]]),
            "y": np.concatenate([emnist_train_set["y"], pen_train_set["y"]])}


def stroke_writer_split(unipen_strokes: list[dict], params: dict, stroke_params: dict
                        ) -> tuple[list[dict], list[dict]]:
    """The stroke model's training and validation records, split by writer.

    Only the training writers of the UNIPEN split are used (the held-out writers are what every
    pen figure is measured on), by default with the contributors the README calls noisy: their
    pen paths are still real handwriting, and with them the stroke model did better. Of those,
    the writers that the same stable hash puts in the next ``validation_writers`` share form the
    validation set that early stopping watches, so that it measures new writers, not new samples
    of known ones. ``train_subset`` (a stratified count or fraction) shrinks the training set for
    quick runs. Without UNIPEN data both are empty.
    """
    held = float(params["unipen"]["heldout_fraction"])
    val_share = float(stroke_params.get("validation_writers", 0.1))
    if not 0 < val_share < 1:
        raise ValueError(f"stroke_modelling.validation_writers must be in (0, 1), got {val_share}")
    train, val = [], []
    for r in unipen_strokes or []:
        if is_heldout_writer(r["writer"], held):
            continue
        if stroke_params.get("clean_only", False) and not is_clean(r):
            continue
        is_val = is_heldout_writer(r["writer"], held + val_share * (1 - held))
        if is_val:
            val.append(r)
        else:
            train.append(r)
    subset = stroke_params.get("train_subset")
    if subset is not None and train:
        keep = stratified_indices(np.array([r["label"] for r in train]), subset, params["seed"])
        train = [train[i] for i in keep]
    return train, val


def prepare_stroke_sets(unipen_strokes: list[dict], labels: list[str], params: dict,
                        stroke_params: dict) -> tuple[dict, dict]:
    """Training and validation pen paths for the stroke model, split by writer
    (``stroke_writer_split``)."""
    points = int(stroke_params["points"])
    train, val = stroke_writer_split(unipen_strokes, params, stroke_params)
    train_set = trajectory_set(train, labels, points)
    val_set = trajectory_set(val, labels, points)
    logger.info("stroke model: %d training and %d validation pen paths (%d points each)",
                len(train_set["y"]), len(val_set["y"]), points)
    return ({"x": train_set["x"], "y": train_set["y"]}, {"x": val_set["x"], "y": val_set["y"]})
