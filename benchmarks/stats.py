"""Statistics the page benchmarks share: intervals over resampled writers, paired comparisons of
two readings of the same characters (characters and writers as the units), and their table cells.

A writer's characters are right or wrong together (one hand, one device), so every interval here
resamples whole writers; the character-level McNemar test is reported beside it."""

from __future__ import annotations

from math import comb

import numpy as np


def writer_resamples(writers: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``(reps, writers)`` counts: how often each writer is drawn in each of ``reps`` bootstrap
    resamples of ``writers`` writers with replacement (the benchmarks' unit of independence)."""
    return np.stack([np.bincount(rng.integers(0, writers, writers), minlength=writers)
                     for _ in range(reps)])


def resampled_interval(draws: np.ndarray, num: np.ndarray, den: np.ndarray,
                       level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` share of sum(num) / sum(den) over the resamples ``draws``
    (``writer_resamples``: one row of per-writer counts each); ``num``, ``den`` per writer.
    Resamples whose writers have nothing in ``den`` are skipped."""
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (draws @ num) / (draws @ den)
    boot = boot[np.isfinite(boot)]
    tail = (1 - level) / 2 * 100
    return float(np.percentile(boot, tail)), float(np.percentile(boot, 100 - tail))


def by_position(right: np.ndarray, order, parts, mask: np.ndarray | None = None) -> list:
    """Accuracy of ``right`` (per sample) by how many characters the writer had written before
    (each writer's samples in ``order``): one figure per (start, end) of ``parts`` (end None: to
    the last), over ``mask`` only if given; None where no sample falls."""
    position = np.empty(len(right), dtype=int)
    for idx in order:
        position[np.asarray(idx, dtype=int)] = np.arange(len(idx))
    keep = np.ones(len(right), bool) if mask is None else np.asarray(mask, bool)
    spans = [keep & (position >= a) & (position < (b if b is not None else len(right)))
             for a, b in parts]
    return [float(np.asarray(right)[m].mean()) if m.any() else None for m in spans]


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p-value: P(a split at least this uneven | both equally likely)."""
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(right_a: np.ndarray, right_b: np.ndarray) -> dict:
    """Accuracies and the discordant counts of two per-sample correctness vectors."""
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if right_a.shape != right_b.shape:
        raise ValueError(f"different sample counts: {right_a.shape} vs {right_b.shape}")
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    return {"n": int(right_a.size), "a": float(right_a.mean()), "b": float(right_b.mean()),
            "only_a": only_a, "only_b": only_b, "p": mcnemar_p(only_a, only_b)}


def by_writer(right_a: np.ndarray, right_b: np.ndarray, writers: np.ndarray, reps: int = 10_000,
              seed: int = 0, level: float = 0.95) -> dict:
    """The same comparison with writers, not characters, as the independent units.

    McNemar's test counts characters as independent, so it can call a difference real that
    another set of writers would not repeat. Here each writer contributes the sum of their
    characters' differences (B right minus A right). ``low``/``high``: the central ``level``
    share of B - A over ``reps`` resamples of the writers with replacement. ``p``: a sign-flip
    test, the share of ``reps`` random flips of whole writers' differences whose total is at
    least as far from 0 as the one observed, add-one smoothed.
    """
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    names, who = np.unique(np.asarray(writers), return_inverse=True)
    diff = np.bincount(who, weights=right_b.astype(float) - right_a, minlength=len(names))
    count = np.bincount(who, minlength=len(names)).astype(float)
    rng = np.random.default_rng(seed)
    draws = writer_resamples(len(names), reps, rng)
    low, high = resampled_interval(draws, diff, count, level)
    flips = rng.choice([-1.0, 1.0], size=(reps, len(names)))
    observed = abs(diff.sum())
    extreme = int((np.abs(flips @ diff) >= observed - 1e-9).sum())
    return {"writers": int(len(names)), "low": low, "high": high, "p": (1 + extreme) / (1 + reps),
            "reps": reps, "level": level}


def cells(r: dict) -> str:
    """The markdown cells of one ``compare`` row (with ``by_writer`` where it has one): samples,
    A, B, B - A, only A, only B, p, writers, B - A's interval over writers, p over writers."""
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    w = r.get("by_writer")
    tail = (f"{w['writers']} | {100 * w['low']:+.2f} to {100 * w['high']:+.2f} pp | {w['p']:.2g}"
            if w else "– | – | –")
    return (f"{r['n']:,} | {pct(r['a'])} | {pct(r['b'])} | {100 * (r['b'] - r['a']):+.2f} pp | "
            f"{r['only_a']:,} | {r['only_b']:,} | {r['p']:.2g} | " + tail)


CELLS_HEAD = ("samples | {a} | {b} | B - A | only A | only B | p | writers | "
              "B - A, 95% interval over writers | p over writers")
CELLS_RULE = "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
