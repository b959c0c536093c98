"""How right predicted probabilities are: exact, top-3, case-folded, per group and per class.

The reports, the export check and the benchmarks all measure with these, on labels from the
mapping file.
"""

from __future__ import annotations

import numpy as np


def case_fold_map(labels: list[str], letters: str) -> np.ndarray:
    """Class index -> folded class index, merging lower into upper case for ``letters``.

    ``letters`` are those whose two cases share a shape (EMNIST's bymerge list: c i j k l m o p s
    u v w x y z); other classes map to themselves.
    """
    index = {ch: i for i, ch in enumerate(labels)}
    folded = np.arange(len(labels))
    for ch in letters:
        if ch.lower() in index and ch.upper() in index:
            folded[index[ch.lower()]] = index[ch.upper()]
    return folded


def group_of(label: str) -> str:
    return "digit" if label.isdigit() else "upper" if label.isupper() else "lower"


def class_balanced(y_true: np.ndarray, exact: np.ndarray, folded: np.ndarray,
                   labels: list[str]) -> dict:
    """Accuracy as if every class were equally frequent: the mean of the per-class accuracies.

    The EMNIST byclass test file is about half digits, while the page benchmark samples each of
    the 62 classes equally; this is the test file's figure at the benchmark's class mix.
    ``exact`` and ``folded`` say which samples are right (exactly, case-folded). ``class_counts``
    (samples per class) lets a per-class table be weighted back to this file's own mix.
    """
    counts = np.bincount(y_true, minlength=len(labels))
    present = counts > 0
    right = np.bincount(y_true, weights=exact, minlength=len(labels))
    right_folded = np.bincount(y_true, weights=folded, minlength=len(labels))

    def means(classes: np.ndarray) -> dict:
        k = classes & present
        return {"accuracy": float((right[k] / counts[k]).mean()),
                "case_folded_accuracy": float((right_folded[k] / counts[k]).mean()),
                "classes": int(k.sum())}

    out = means(present)
    groups = np.array([group_of(c) for c in labels])
    out["by_group"] = {g: means(groups == g) for g in ("digit", "upper", "lower")
                       if (present & (groups == g)).any()}
    out["class_counts"] = [int(c) for c in counts]
    return out


def accuracy_summary(y_true: np.ndarray, probs: np.ndarray, labels: list[str],
                     case_fold_letters: str) -> dict:
    """Exact, top-3, case-folded and per-group accuracy of predicted probabilities, and the same
    with every class weighted equally (``class_balanced``)."""
    pred = probs.argmax(axis=1)
    top3 = np.argsort(-probs, axis=1)[:, :3]
    fold = case_fold_map(labels, case_fold_letters)
    groups = np.array([group_of(labels[c]) for c in y_true])
    summary = {
        "accuracy": float((pred == y_true).mean()),
        "top3_accuracy": float((top3 == y_true[:, None]).any(axis=1).mean()),
        "case_folded_accuracy": float((fold[pred] == fold[y_true]).mean()),
        "n_test": int(len(y_true)),
        "by_group": {},
    }
    for g in ("digit", "upper", "lower"):
        m = groups == g
        if m.any():
            summary["by_group"][g] = {
                "accuracy": float((pred[m] == y_true[m]).mean()),
                "case_folded_accuracy": float((fold[pred[m]] == fold[y_true[m]]).mean()),
                "n": int(m.sum()),
            }
    if len(y_true):
        summary["class_balanced"] = class_balanced(y_true, pred == y_true,
                                                   fold[pred] == fold[y_true], labels)
    return summary


def predict(model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def most_confused(matrix: np.ndarray, labels: list[str], n: int) -> list[dict]:
    """The n largest off-diagonal cells: which true character is read as which."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None)[:n]
    rows, cols = np.unravel_index(flat, off.shape)
    return [{"true": labels[r], "predicted": labels[c], "count": int(off[r, c])}
            for r, c in zip(rows, cols) if off[r, c] > 0]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning ``a`` into ``b``."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


def words_matched(label: str, reading: str) -> list[bool]:
    """For each word of ``label`` (split on spaces), whether it is matched, in order, to the same
    word of ``reading``: the longest common subsequence of the two word sequences."""
    a, b = label.split(), reading.split()
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (table[i + 1][j + 1] + 1 if a[i] == b[j]
                           else max(table[i + 1][j], table[i][j + 1]))
    matched, i, j = [False] * len(a), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            matched[i] = True
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return matched


def piece_words(label: str, reading: str, kind: str) -> list[bool]:
    """Each label word right or not: an isolated word is one word, right when read exactly; a
    line's words are matched in order (``words_matched``)."""
    return [reading == label] if kind == "word" else words_matched(label, reading)


def score_readings(texts: list[str], labels, kinds) -> dict:
    """Character error rate over all pieces; the share of all label words read right
    (``all_words_right``: isolated words exact, a line's words matched in order) and of the
    isolated words alone (``words_right``)."""
    errors = sum(edit_distance(t, lab) for t, lab in zip(texts, labels))
    chars = sum(len(lab) for lab in labels)
    words = [t == lab for t, lab, k in zip(texts, labels, kinds) if k == "word"]
    every = [ok for t, lab, k in zip(texts, labels, kinds) for ok in piece_words(lab, t, k)]
    return {"cer": errors / max(chars, 1),
            "all_words_right": float(np.mean(every)) if every else 0.0, "all_words": len(every),
            "words_right": float(np.mean(words)) if words else 0.0,
            "pieces": len(texts), "words": len(words)}
