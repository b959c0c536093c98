import numpy as np
import pytest

from handwriting.evaluation import accuracy_summary, case_fold_map, most_confused

LABELS = ["0", "1", "C", "O", "X", "c", "o", "x", "a"]


def peaked_probs(preds, n_classes, second=None):
    p = np.full((len(preds), n_classes), 0.01)
    for i, c in enumerate(preds):
        p[i, c] = 0.9
        if second is not None:
            p[i, second[i]] = 0.05
    return p / p.sum(1, keepdims=True)


def test_case_fold_map_merges_only_listed_letters():
    fold = case_fold_map(LABELS, "cox")
    assert [LABELS[i] for i in fold] == ["0", "1", "C", "O", "X", "C", "O", "X", "a"]
    assert case_fold_map(LABELS, "c")[LABELS.index("o")] == LABELS.index("o")


def test_accuracy_summary_exact_folded_top3_and_groups():
    y = np.array([0, 2, 5, 6, 8, 3])       # 0, C, c, o, a, O
    pred = np.array([0, 5, 2, 3, 6, 3])    # right, c for C, C for c, O for o, o for a, right
    second = np.array([1, 2, 5, 6, 8, 4])  # the truth is 2nd guess for C, c, o, a
    s = accuracy_summary(y, peaked_probs(pred, 9, second), LABELS, "cox")
    assert s["accuracy"] == pytest.approx(2 / 6)
    assert s["case_folded_accuracy"] == pytest.approx(5 / 6)  # only a->o stays wrong
    assert s["top3_accuracy"] == pytest.approx(1.0)
    assert s["n_test"] == 6
    assert s["by_group"]["digit"] == {"accuracy": 1.0, "case_folded_accuracy": 1.0, "n": 1}
    assert s["by_group"]["upper"]["accuracy"] == pytest.approx(0.5)
    assert s["by_group"]["lower"]["n"] == 3


def test_class_balanced_weights_every_class_equally():
    # 8 samples of "0" (all right), 2 of "c" (one read as C, one as a): a file that is mostly
    # digits looks good overall but each class counts once in the balanced figure
    y = np.array([0] * 8 + [5, 5])
    pred = np.array([0] * 8 + [2, 8])
    s = accuracy_summary(y, peaked_probs(pred, 9), LABELS, "cox")
    assert s["accuracy"] == pytest.approx(8 / 10)
    b = s["class_balanced"]
    assert b["classes"] == 2
    assert b["accuracy"] == pytest.approx((1.0 + 0.0) / 2)
    assert b["case_folded_accuracy"] == pytest.approx((1.0 + 0.5) / 2)
    assert b["by_group"]["digit"] == {"accuracy": 1.0, "case_folded_accuracy": 1.0, "classes": 1}
    assert b["by_group"]["lower"]["case_folded_accuracy"] == pytest.approx(0.5)
    assert "upper" not in b["by_group"]  # no upper-case sample: no group, not a 0/0
    assert b["class_counts"] == [8, 0, 0, 0, 0, 2, 0, 0, 0]
    # weighting the per-class accuracies back by class_counts gives the plain figure
    per_class = np.array([1.0, 0, 0, 0, 0, 0.0, 0, 0, 0])
    assert np.dot(per_class, b["class_counts"]) / sum(b["class_counts"]) == s["accuracy"]


def test_most_confused_lists_largest_off_diagonal():
    m = np.array([[5, 3, 0], [1, 4, 0], [0, 7, 2]])
    top = most_confused(m, ["a", "b", "c"], 2)
    assert top == [{"true": "c", "predicted": "b", "count": 7},
                   {"true": "a", "predicted": "b", "count": 3}]
