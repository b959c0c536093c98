"""Turn validated uint8 EMNIST splits into model inputs.

EMNIST stores every image transposed; the fix is a single axis swap, applied here once, so
everything downstream (model, reports, the page's 28x28 preview) sees upright characters.
"""

from __future__ import annotations

import logging

import numpy as np

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


def stratified_indices(labels: np.ndarray, size: int | float | None, seed: int) -> np.ndarray:
    """Indices of a class-stratified sample of ``size`` items (an int count or a fraction).

    Every class present keeps at least one item, so rare classes survive small subsets.
    ``size=None`` (or a size >= len(labels)) keeps everything, in the original order.
    """
    n = len(labels)
    if size is None:
        return np.arange(n)
    fraction = size if isinstance(size, float) else size / n
    if not 0 < fraction:
        raise ValueError(f"subset size must be positive, got {size!r}")
    if fraction >= 1:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        take = max(1, int(round(len(members) * fraction)))
        chosen.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(chosen))


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into (keep, held_out) with ``fraction`` of every class held out.

    A class with a single item stays on the training side: it cannot be both learned and held out.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    held = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        take = int(round(len(members) * fraction)) if len(members) > 1 else 0
        take = min(max(take, 1 if len(members) > 1 else 0), len(members) - 1)
        held.append(rng.choice(members, size=take, replace=False))
    held_out = np.sort(np.concatenate(held)) if held else np.array([], dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held_out] = False
    return np.flatnonzero(mask), held_out


def class_weights(labels: np.ndarray, num_classes: int, power: float = 1.0,
                  max_weight: float | None = None) -> dict[str, float]:
    """Weights n / (k * count_c) ** power, normalised so the mean sample weight is 1.

    ``power`` 1 is sklearn's "balanced"; 0.5 softens it (byclass is very imbalanced: upweighting
    a rare class 30x makes the model guess it for common look-alikes). Absent classes get 1.0.
    Keys are class indices as strings (JSON keys).
    """
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    present = counts > 0
    raw = np.ones(num_classes)
    raw[present] = (counts[present].sum() / (present.sum() * counts[present])) ** power
    if max_weight is not None:
        raw = np.minimum(raw, max_weight)
    mean_sample_weight = (raw * counts).sum() / counts.sum()
    weights = raw / mean_sample_weight
    return {str(c): float(weights[c]) for c in range(num_classes)}


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


def compute_class_weights(train_set: dict, labels: list[str], params: dict) -> dict[str, float]:
    """Class weights from the training split's counts (see :func:`class_weights`)."""
    cfg = params.get("class_weights", {}) or {}
    return class_weights(train_set["y"], len(labels), power=cfg.get("power", 1.0),
                         max_weight=cfg.get("max_weight"))


def _featurise(records: list[dict], labels: list[str], featurise, empty: tuple[int, ...]
               ) -> dict[str, np.ndarray]:
    """``featurise(strokes)`` of every record whose label is a class, as model inputs; records it
    returns None for (a single dot) are dropped, and ``index`` says which records the rows of
    ``x`` and ``y`` came from. ``empty`` is the shape of one row, for an empty result."""
    class_of = {ch: i for i, ch in enumerate(labels)}
    xs, ys, index = [], [], []
    for i, record in enumerate(records):
        features = featurise(record["strokes"]) if record["label"] in class_of else None
        if features is not None:
            xs.append(features)
            ys.append(class_of[record["label"]])
            index.append(i)
    x = np.stack(xs) if xs else np.zeros((0, *empty), np.float32)
    return {"x": x.astype(np.float32), "y": np.asarray(ys, dtype=np.int64),
            "index": np.asarray(index, dtype=np.int64)}


def render_strokes(records: list[dict], labels: list[str], canvas_spec: dict
                   ) -> dict[str, np.ndarray]:
    """Render pen-stroke records through the canvas spec (as the page does) into model inputs.

    Records whose label is not a class, or whose drawing is a single dot, are dropped;
    ``index`` says which records the rows of ``x`` and ``y`` came from.
    """
    from handwriting.page.preprocess import CanvasSpec, render

    spec = CanvasSpec.from_dict(canvas_spec or {})
    out = _featurise(records, labels, lambda strokes: render(strokes, spec), (spec.size, spec.size))
    return {**out, "x": out["x"][..., np.newaxis]}


def pen_train_records(unipen_strokes: list[dict], unipen_params: dict) -> list[dict]:
    """The UNIPEN records the image model's pen data comes from: the training writers' (never
    the held-out ones), clean contributors only unless ``train_clean_only`` is false (or the
    contributor is one of ``admit_noisy``), and only the ``train_writers`` share of the writers
    when it is set."""
    from handwriting.unipen import in_writer_share, select

    held = unipen_params["heldout_fraction"]
    clean_only = unipen_params.get("train_clean_only", True)
    clean = _counts_as_clean(unipen_params)
    return [r for r in select(unipen_strokes, heldout=False, fraction=held, clean_only=False)
            if (not clean_only or clean(r))
            and in_writer_share(r["writer"], held, unipen_params.get("train_writers"))]


def _counts_as_clean(unipen_params: dict):
    """Whether a record counts as clean for the image model's pen data: a clean contributor's,
    or one of the noisy contributors named in ``admit_noisy``."""
    from handwriting.unipen import is_clean

    admitted = frozenset(unipen_params.get("admit_noisy") or ())
    return lambda record: is_clean(record) or record["contrib"] in admitted


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
    if cfg.get("noisy_within_clean_counts") and not cfg.get("train_clean_only", True):
        counts_as_clean = _counts_as_clean(cfg)
        clean = np.array([counts_as_clean(records[i]) for i in pen["index"]], dtype=bool)
        rows = within_clean_counts(pen["y"], clean, repeat, params["seed"])
        logger.info("pen strokes: %d rows per epoch, each class as many as its clean strokes "
                    "times %d (%d from the noisy contributors)", len(rows), repeat,
                    int((~clean[rows]).sum()))
        return {"x": pen["x"][rows], "y": pen["y"][rows]}
    # Repeats are not duplicates in effect: augmentation draws a new distortion for each copy.
    return {"x": np.tile(pen["x"], (repeat, 1, 1, 1)), "y": np.tile(pen["y"], repeat)}


def within_clean_counts(y: np.ndarray, clean: np.ndarray, repeat: int, seed: int) -> np.ndarray:
    """Rows of a pen set that bring in every stroke's hand but keep each class's clean count.

    Each class gets its clean strokes once, then ``repeat - 1`` more draws of as many strokes
    (each without replacement) from all its strokes, clean and noisy alike: per epoch a class has
    ``repeat`` times its clean count, as with the clean strokes alone. So the noisy contributors'
    writers (mostly lowercase: added as they come they move the classes' prior from 0 towards o,
    from 1 towards l) add shapes without moving the class mix the model learns.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for cls in np.unique(y):
        members = np.flatnonzero(y == cls)
        own = members[clean[members]]
        rows.append(own)
        for _ in range(repeat - 1):
            rows.append(rng.choice(members, size=len(own), replace=False))
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, np.int64)


def combine_training_sets(emnist_train_set: dict, pen_train_set: dict) -> dict[str, np.ndarray]:
    """EMNIST training images plus rendered pen strokes (order does not matter: training shuffles)."""
    return {"x": np.concatenate([emnist_train_set["x"], pen_train_set["x"]]),
            "y": np.concatenate([emnist_train_set["y"], pen_train_set["y"]])}


def trajectory_set(records: list[dict], labels: list[str], points: int) -> dict[str, np.ndarray]:
    """Pen-path features (handwriting.page.trajectory) of stroke records, as model inputs.

    Records whose label is not a class, or whose drawing is a single dot, are dropped;
    ``index`` says which records the rows of ``x`` and ``y`` came from.
    """
    from handwriting.page.trajectory import FEATURES, trajectory_features

    return _featurise(records, labels, lambda strokes: trajectory_features(strokes, points),
                      (points, FEATURES))


def stroke_writer_split(unipen_strokes: list[dict], params: dict, stroke_params: dict
                        ) -> tuple[list[dict], list[dict]]:
    """The stroke model's training and validation records, split by writer.

    Only the training writers of the UNIPEN split are used (the held-out writers are what every
    pen figure is measured on), by default with the contributors the README calls noisy: their
    pen paths are still real handwriting, and with them the stroke model did better. Of those,
    the writers that the same stable hash puts in the next ``validation_writers`` share form the
    validation set that early stopping watches, so that it measures new writers, not new samples
    of known ones. ``train_subset`` (a stratified count or fraction) shrinks the training set for
    quick runs; the preprocessing's ``unipen.train_writers`` keeps a share of the training writers
    (the image model's pen data keeps the same writers), the validation writers unchanged.
    Without UNIPEN data both are empty.
    """
    from handwriting.unipen import in_writer_share, is_clean, is_heldout_writer

    held = float(params["unipen"]["heldout_fraction"])
    share = params["unipen"].get("train_writers")
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
        elif in_writer_share(r["writer"], held, share):
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
