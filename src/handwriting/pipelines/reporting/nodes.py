"""Evaluate the trained model on the test split and draw what people would rather look at.

Everything is labelled with the characters from the mapping file (the ``labels`` dataset), never
with a re-typed alphabet.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support  # noqa: E402

from handwriting.evaluation import accuracy_summary, group_of, most_confused, predict  # noqa: E402
from handwriting.page.fusion import uses_stroke_model  # noqa: E402
from handwriting.page.recognizer import Recognizer  # noqa: E402
from handwriting.page.sizecue import writer_sequences  # noqa: E402
from handwriting.rendering import render_strokes, trajectory_set  # noqa: E402
from handwriting.sampling import stratified_indices  # noqa: E402
from handwriting.unipen import drawing_height, is_clean, select  # noqa: E402


def evaluate_model(model, test_set: dict, labels: list[str], training_history: dict,
                   params: dict) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Test metrics (JSON), per-class precision/recall/F1 and the confusion matrix (tables)."""
    y = test_set["y"]
    probs = predict(model, test_set["x"])
    metrics = accuracy_summary(y, probs, labels, params["case_fold_letters"])
    metrics["data"] = params.get("data_description", "EMNIST byclass test file")
    metrics["parameters"] = int(model.count_params())
    metrics["epochs_run"] = training_history.get("epochs_run")
    metrics["train_samples"] = training_history.get("train_samples")
    ks = np.arange(len(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, probs.argmax(axis=1), labels=ks, zero_division=0)
    per_class = pd.DataFrame({"label": labels, "group": [group_of(c) for c in labels],
                              "precision": precision, "recall": recall, "f1": f1,
                              "support": support})
    matrix = confusion_matrix(y, probs.argmax(axis=1), labels=ks)
    metrics["most_confused"] = most_confused(matrix, labels, params.get("top_confusions", 10))
    table = pd.DataFrame(matrix, index=pd.Index(labels, name="true"), columns=labels)
    return metrics, per_class, table


def plot_confusion_matrix(confusion: pd.DataFrame, labels: list[str]) -> plt.Figure:
    """Row-normalised confusion heatmap (recall per true class), characters on both axes."""
    matrix = confusion.to_numpy()
    rows = matrix.sum(axis=1, keepdims=True)
    norm = np.divide(matrix, rows, out=np.zeros_like(matrix, dtype=float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(15, 13))
    sns.heatmap(norm, ax=ax, cmap="rocket_r", vmin=0, vmax=1, square=True,
                xticklabels=labels, yticklabels=labels, cbar_kws={"label": "share of true class"})
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix on the test split (rows sum to 1)")
    ax.tick_params(axis="both", labelsize=8)
    fig.tight_layout()
    return fig


def plot_training_curves(training_history: dict) -> plt.Figure:
    """Loss and accuracy per epoch, train vs validation, with the restored best epoch marked."""
    hist = training_history["metrics"]
    epochs = np.arange(1, len(hist["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, hist[key], marker="o", label=f"train {key}")
        if f"val_{key}" in hist:
            ax.plot(epochs, hist[f"val_{key}"], marker="o", label=f"validation {key}")
        ax.axvline(training_history["best_epoch"], color="grey", ls="--", lw=1, label="best epoch")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_stroke_training_curves(stroke_history: dict) -> plt.Figure:
    """The stroke model's training curves, or a figure saying it was not trained (no UNIPEN)."""
    if not (stroke_history or {}).get("trained"):
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "stroke model not trained (no UNIPEN pen strokes):\n"
                "the page uses the image model alone", ha="center", va="center")
        return fig
    fig = plot_training_curves(stroke_history)
    fig.suptitle("stroke model (pen paths; validation = writers of its own)", y=1.02)
    return fig


def heldout_pen_set(unipen_strokes: list[dict], labels: list[str], canvas_spec: dict,
                    preprocessing_params: dict, params: dict, points: int | None,
                    heldout: bool = True) -> dict:
    """The held-out writers' characters as the page's two models see them (``heldout=False``:
    the training writers', which benchmarks tune their settings on).

    ``x``: rendered through the canvas spec (image model); ``paths``: resampled to ``points``
    through the trajectory spec (stroke model; None when ``points`` is None); ``y`` the classes;
    ``clean`` which samples come from contributors the UNIPEN README does not flag as noisy;
    ``writer`` who wrote each (a writer's characters are not independent samples) and ``height``
    (of the ink, in the recording's units: ``unipen.drawing_height``). A stratified
    ``params["pen_eval_subset"]`` (count or fraction) shrinks it; None keeps all.
    """
    split = preprocessing_params["unipen"]
    records = select(unipen_strokes, heldout=heldout, fraction=split["heldout_fraction"],
                     clean_only=False)
    keep = stratified_indices(np.array([r["label"] for r in records]),
                              params.get("pen_eval_subset"), preprocessing_params["seed"])
    records = [records[i] for i in keep]
    rendered = render_strokes(records, labels, canvas_spec)
    records = [records[i] for i in rendered["index"]]
    paths = None
    if points is not None:
        # a drawing the canvas spec renders always has a path (both need a non-zero extent)
        paths = trajectory_set(records, labels, int(points))["x"]
        if len(paths) != len(rendered["y"]):
            raise ValueError("some rendered drawings have no pen path: the specs disagree")
    return {"x": rendered["x"], "paths": paths, "y": rendered["y"],
            "clean": np.array([is_clean(r) for r in records], dtype=bool),
            "writer": np.array([r["writer"] for r in records], dtype=str),
            "height": np.array([drawing_height(r) for r in records], dtype=float)}


def evaluate_pen_strokes(model, stroke_model, stroke_history: dict, unipen_strokes: list[dict],
                         labels: list[str], canvas_spec: dict, preprocessing_params: dict,
                         stroke_params: dict, params: dict, size_cue: dict | None = None,
                         adaptation: dict | None = None) -> dict:
    """Accuracy on real pen trajectories of held-out writers, recognised as the page does it.

    Each drawing is rendered through the canvas spec for the image model and resampled through
    the trajectory spec for the stroke model, and the page's recognizer (handwriting.page.recognizer)
    reads them: both models, fused with the shipped weight. benchmarks/unipen.py replays the same
    strokes through the page in Chromium; they agree because each piece is one specification,
    tested across Python and JavaScript. ``all`` and ``clean`` are what the page recognises
    from a drawing's shape (a line's first characters, or each one alone); ``image_model`` and
    ``stroke_model`` are each model alone; ``in_sequence`` (with a fitted ``size_cue``) is the
    page with its size cue, each writer's characters written one after another in a random
    order (``preprocessing.seed``) at their own relative sizes (benchmarks/unipen_sequence.py
    replays that through the page); ``with_corrections`` (with ``adaptation`` enabled) is that
    same sequence written by a user who picks the right guess whenever it is among the three
    shown, and a page that learns from those picks (handwriting.page.adapt), each character
    counted as first read.
    """
    if not unipen_strokes:
        return {"available": False}
    fused = uses_stroke_model(stroke_history, stroke_params)
    pen = heldout_pen_set(unipen_strokes, labels, canvas_spec, preprocessing_params, params,
                          stroke_params["points"] if fused else None)
    y, clean = pen["y"], pen["clean"]
    letters = params["case_fold_letters"]

    def summary(probs):
        return {"all": accuracy_summary(y, probs, labels, letters),
                "clean": accuracy_summary(y[clean], probs[clean], labels, letters)}

    strokes = {"stroke_model": stroke_model, "points": stroke_params["points"],
               "stroke_weight": stroke_params["fusion_weight"]} if fused else {}
    page = Recognizer(model, labels, canvas_spec, **strokes,
                      size_cue=size_cue if (size_cue or {}).get("fitted") else None,
                      adaptation=adaptation if (adaptation or {}).get("enabled") else None)
    read = page.shape_probs(pen["x"], pen["paths"])
    probs = read["shape"]
    report = {"available": True, "writers": "held-out writers only (never trained on)",
              "image_model": summary(read["image"]), "fusion_weight": page.stroke_weight}
    if fused:
        report["stroke_model"] = summary(read["stroke"])
    report.update(summary(probs))
    order = writer_sequences(pen["writer"], np.random.default_rng(preprocessing_params["seed"]))
    in_sequence = page.in_sequence(probs, pen["height"], order)
    if in_sequence is not None:
        report["in_sequence"] = summary(in_sequence)
    picked = page.with_corrections(probs, order, y, pen["height"])
    if picked is not None:
        first, corrected = picked
        report["with_corrections"] = {**summary(first),  # picks: per character written
                                      "picks": {"all": float(corrected.mean()),
                                                "clean": float(corrected[clean].mean())}}
    matrix = confusion_matrix(y, probs.argmax(1), labels=np.arange(len(labels)))
    report["most_confused"] = most_confused(matrix, labels, params.get("top_confusions", 10))
    return report
