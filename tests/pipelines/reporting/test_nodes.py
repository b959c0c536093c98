import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from test_evaluation import LABELS, peaked_probs

from handwriting.pipelines.reporting.nodes import (
    evaluate_model,
    plot_confusion_matrix,
    plot_training_curves,
)


class _Model:
    def __init__(self, probs):
        self._p = probs

    def predict(self, x, batch_size=None, verbose=0):
        return self._p[: len(x)]

    def count_params(self):
        return 123


def test_evaluate_model_tables_carry_labels():
    y = np.array([0, 1, 2, 2, 8])
    probs = peaked_probs([0, 1, 2, 5, 8], 9)
    test_set = {"x": np.zeros((5, 28, 28, 1), np.float32), "y": y}
    metrics, per_class, confusion = evaluate_model(
        _Model(probs), test_set, LABELS, {"epochs_run": 3, "train_samples": 10},
        {"case_fold_letters": "cox", "top_confusions": 5})
    assert metrics["accuracy"] == pytest.approx(0.8) and metrics["parameters"] == 123
    assert metrics["most_confused"] == [{"true": "C", "predicted": "c", "count": 1}]
    assert per_class["label"].tolist() == LABELS
    assert per_class.set_index("label").loc["C", "recall"] == pytest.approx(0.5)
    assert list(confusion.columns) == LABELS and list(confusion.index) == LABELS
    assert confusion.loc["C", "c"] == 1 and confusion.to_numpy().sum() == 5


def test_plots_have_character_axes_and_curves():
    confusion = pd.DataFrame(np.eye(len(LABELS), dtype=int) * 3, index=LABELS, columns=LABELS)
    fig = plot_confusion_matrix(confusion, LABELS)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == LABELS
    assert [t.get_text() for t in ax.get_yticklabels()] == LABELS
    plt.close(fig)
    history = {"metrics": {"loss": [2, 1, 0.8], "val_loss": [2.1, 1.2, 1.3],
                           "accuracy": [0.3, 0.6, 0.7], "val_accuracy": [0.3, 0.55, 0.54]},
               "best_epoch": 2}
    fig = plot_training_curves(history)
    lines = fig.axes[0].get_lines()
    assert list(lines[1].get_ydata()) == [2.1, 1.2, 1.3]
    plt.close(fig)


def _pen_records():
    bar, slash = [[[0, 0], [0, 10]]], [[[0, 10], [10, 0]]]
    records = []
    for w in range(60):
        contrib = "apa" if w % 3 == 0 else "abc"
        records.append({"label": "1", "writer": f"{contrib}/{w}", "contrib": contrib, "strokes": bar})
        records.append({"label": "7", "writer": f"{contrib}/{w}", "contrib": contrib, "strokes": slash})
    return records


class _ImageOracle:  # says "7" when there is ink in the top-right corner (the slash), else "1"
    input_shape = (None, 28, 28, 1)

    def predict(self, x, batch_size=None, verbose=0):
        slash = x[:, 2:8, 20:26, 0].sum(axis=(1, 2)) > 1.0
        return np.stack([~slash, slash], axis=1).astype(float)


PEN_PARAMS = {"seed": 0, "unipen": {"heldout_fraction": 0.4}}
REPORT_PARAMS = {"case_fold_letters": "", "pen_eval_subset": None}


def test_evaluate_pen_strokes_reports_heldout_writers_only():
    from handwriting.pipelines.reporting.nodes import evaluate_pen_strokes
    from handwriting.unipen import is_heldout_writer

    records = _pen_records()
    held = [r for r in records if is_heldout_writer(r["writer"], 0.4)]
    report = evaluate_pen_strokes(_ImageOracle(), None, {"trained": False}, records, ["1", "7"],
                                  {}, PEN_PARAMS, {"fusion_weight": 1.0}, REPORT_PARAMS)
    assert report["all"]["n_test"] == len(held)
    assert report["clean"]["n_test"] == sum(r["contrib"] == "abc" for r in held)
    assert report["all"]["accuracy"] == 1.0
    assert report["fusion_weight"] == 0.0 and "stroke_model" not in report  # image model alone
    assert report["image_model"]["all"] == report["all"]
    assert evaluate_pen_strokes(_ImageOracle(), None, {}, [], ["1"], {}, {}, {}, {}) == {
        "available": False}


def test_heldout_pen_set_gives_each_drawing_its_writer_and_ink_height():
    from handwriting.pipelines.reporting.nodes import heldout_pen_set
    from handwriting.unipen import drawing_height

    records = _pen_records()
    records[0] = {**records[0], "strokes": [[[0, 5], [0, 45]], [[3, 2], [3, 3]]]}
    assert drawing_height(records[0]) == 43.0  # over all strokes, in the recording's units
    assert drawing_height({"strokes": [[]]}) == 0.0
    pen = heldout_pen_set(records, ["1", "7"], {}, PEN_PARAMS, REPORT_PARAMS, None)
    assert pen["paths"] is None and len(pen["height"]) == len(pen["y"]) == len(pen["writer"])
    assert set(pen["height"]) <= {10.0, 43.0}
    # heldout=False: the other writers (what benchmarks tune on), never a held-out one
    train = heldout_pen_set(records, ["1", "7"], {}, PEN_PARAMS, REPORT_PARAMS, None, False)
    assert len(train["y"]) + len(pen["y"]) == len(records)
    assert not set(train["writer"]) & set(pen["writer"])


def test_evaluate_pen_strokes_fuses_the_stroke_model_as_the_page_does():
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.reporting.nodes import evaluate_pen_strokes

    class Unsure:  # the image model cannot tell the two apart
        input_shape = (None, 28, 28, 1)

        def predict(self, x, batch_size=None, verbose=0):
            return np.tile([0.55, 0.45], (len(x), 1))

    class StrokeOracle:  # reads the pen path: the slash starts at the bottom left (y = +0.5)
        input_shape = (None, 16, 5)

        def predict(self, x, batch_size=None, verbose=0):
            assert x.shape[1:] == (16, 5)
            slash = x[:, 0, 1] > 0
            return np.stack([np.where(slash, 0.2, 0.8), np.where(slash, 0.8, 0.2)], axis=1)

    records = _pen_records()
    args = (records, ["1", "7"], {}, PEN_PARAMS)
    fused = evaluate_pen_strokes(Unsure(), StrokeOracle(), {"trained": True}, *args,
                                 {"fusion_weight": 1.0, "points": 16}, REPORT_PARAMS)
    assert fused["image_model"]["all"]["accuracy"] == 0.5
    assert fused["stroke_model"]["all"]["accuracy"] == 1.0
    assert fused["all"]["accuracy"] == 1.0 and fused["fusion_weight"] == 1.0
    # 0.55 * 0.2 < 0.45 * 0.8: the page's product of experts picks the slash
    assert fuse(np.array([0.55, 0.45]), np.array([0.2, 0.8])).argmax() == 1
    off = evaluate_pen_strokes(Unsure(), StrokeOracle(), {"trained": True}, *args,
                               {"fusion_weight": 0.0, "points": 16}, REPORT_PARAMS)
    assert off["all"]["accuracy"] == 0.5 and "stroke_model" not in off


def test_stroke_training_curves_or_a_note_that_there_is_no_stroke_model():
    from handwriting.pipelines.reporting.nodes import plot_stroke_training_curves

    history = {"trained": True, "best_epoch": 2,
               "metrics": {"loss": [2.0, 1.0, 1.1], "val_loss": [2.1, 1.2, 1.3],
                           "accuracy": [0.3, 0.6, 0.62], "val_accuracy": [0.3, 0.5, 0.49]}}
    fig = plot_stroke_training_curves(history)
    assert list(fig.axes[0].get_lines()[1].get_ydata()) == [2.1, 1.2, 1.3]
    assert "stroke model" in fig._suptitle.get_text()
    plt.close(fig)
    note = plot_stroke_training_curves({"trained": False, "parameters": 10})
    assert "not trained" in note.axes[0].texts[0].get_text() and not note.axes[0].get_lines()
    plt.close(note)


def test_evaluate_pen_strokes_reports_the_size_cue_in_sequence():
    """With a fitted size cue, ``in_sequence`` is the page reading each held-out writer's
    characters in a row: here the image model cannot tell s from S, and only their height
    against the writer's earlier characters can."""
    from handwriting.pipelines.reporting.nodes import evaluate_pen_strokes

    class Unsure:
        input_shape = (None, 28, 28, 1)

        def predict(self, x, batch_size=None, verbose=0):
            return np.tile([0.5, 0.5], (len(x), 1))

    records = []
    for w in range(60):  # every writer draws s half as tall as S
        for k in range(12):
            label = "S" if k % 2 else "s"
            h = 20.0 if label == "S" else 10.0
            records.append({"label": label, "writer": f"abc/{w}", "contrib": "abc",
                            "strokes": [[[0, 0], [h / 2, h]]]})
    cue = {"fitted": True, "k": 5, "least": 3, "clip": 1.0, "bins": 2, "alpha": 1.0,
           "weight": 1.0, "typical": {"S": 1.0, "s": 0.5},
           "loglik": {"S": np.log([0.1, 0.9]).tolist(), "s": np.log([0.9, 0.1]).tolist()}}
    args = (records, ["S", "s"], {}, PEN_PARAMS, {"fusion_weight": 1.0}, REPORT_PARAMS)
    report = evaluate_pen_strokes(Unsure(), None, {"trained": False}, *args, cue)
    assert report["all"]["accuracy"] == 0.5  # shape alone: a coin toss (ties go to "S")
    seq = report["in_sequence"]["all"]
    assert seq["n_test"] == report["all"]["n_test"]
    assert seq["accuracy"] > 0.8, seq  # only a writer's first characters are left to chance
    assert "in_sequence" not in evaluate_pen_strokes(Unsure(), None, {"trained": False}, *args,
                                                     {"fitted": False})


def test_evaluate_pen_strokes_reports_the_page_learning_from_picks():
    """``with_corrections``: every writer's bar is an l that the models read as 1 (l second);
    the user picks l for the first one, and a page that learns reads the rest as l; one that
    does not needs a pick for every bar."""
    from handwriting.pipelines.reporting.nodes import evaluate_pen_strokes

    labels = ["1", "l", "x"]

    class BarIsOne:
        input_shape = (None, 28, 28, 1)

        def predict(self, x, batch_size=None, verbose=0):
            return np.tile([0.55, 0.43, 0.02], (len(x), 1))

    records = [{"label": "l", "writer": f"abc/{w}", "contrib": "abc",
                "strokes": [[[0, 0], [1, 10 + k]]]} for w in range(40) for k in range(6)]
    args = (records, labels, {}, PEN_PARAMS, {"fusion_weight": 1.0}, REPORT_PARAMS)
    learn = {"enabled": True, "tau": 0.5, "beta": 2.0, "capacity": 500}
    report = evaluate_pen_strokes(BarIsOne(), None, {"trained": False}, *args, None, learn)
    assert report["all"]["accuracy"] == 0.0  # by shape, every bar is a 1
    fixes = report["with_corrections"]
    assert fixes["all"]["accuracy"] == pytest.approx(5 / 6)  # all but each writer's first
    assert fixes["picks"] == {"all": pytest.approx(1 / 6), "clean": pytest.approx(1 / 6)}
    still = evaluate_pen_strokes(BarIsOne(), None, {"trained": False}, *args, None,
                                 {**learn, "beta": 0.0})["with_corrections"]
    assert still["all"]["accuracy"] == 0.0 and still["picks"]["all"] == 1.0
    assert "with_corrections" not in evaluate_pen_strokes(
        BarIsOne(), None, {"trained": False}, *args, None, {**learn, "enabled": False})
