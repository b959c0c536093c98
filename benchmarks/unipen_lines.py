"""Real pens, whole lines: real handwriting written as text on the page, word by word.

``benchmarks.unipen`` measures isolated characters; a user writes words. This benchmark writes
lines of real English text with real pen trajectories and reads back the page's text line, with
the word decoder (``web/js/decoder.js``, specification ``handwriting.page.decoder``) and without
it (each character its own top guess, which is what the isolated benchmark measures).

- Text: lines of consecutive words (tokens of ``[0-9A-Za-z]+``) from English prose that every
  Python install carries, the Python reference manual's topic texts (``pydoc_data.topics``);
  fixed-seed starting points, ``--words`` words a line.
- Ink: each line is written by one held-out UNIPEN writer (never trained on), clean contributors
  only; each character is one of that writer's own samples of it (a different one each time
  where the writer has several), or, where the writer has none, a sample of another held-out
  writer (counted in the report). Samples the page cannot recognise at all (a single dot) are
  never drawn. Each sample keeps its size relative to its writer's other characters (scaled so
  that its writer's median character height is ``--median-px``, centred in the page's drawing
  square, as in unipen_sequence.py), so that the page's size cue sees what the writer drew.
- Page: per line, Clear all, then every character through ``window.handwriting.replay`` (the
  pointer path after pen-up) and the Space button's action after every word; the text line is
  read back and compared with the truth, character by character.
- Python: the page's own probabilities decoded by ``handwriting.page.decoder`` must give the
  page's text exactly; the page's probabilities before its size cue (``shapeProbs``), moved by
  ``handwriting.page.sizecue`` against the text so far, must give the page's probabilities; the
  text without the size cue (the same replays' shape probabilities, decoded) is paired with the
  page's; the same probabilities decoded with other ``free_penalty`` values give the
  sweep table (no browser needed for that), and the cross-fit over writers that chooses a value
  (``crossfit_penalty``), which the configuration takes when it reads the lines better than the
  shipped one beyond the writers' noise (``penalty_to_ship``).
- The page's accuracy gets an interval over writers (``writer_interval``).

    .venv/bin/python -m benchmarks.unipen_lines                  # 400 lines of 6 words
    .venv/bin/python -m benchmarks.unipen_lines --lines 50       # quicker
    .venv/bin/python -m benchmarks.unipen_lines --numbers        # numbers instead of prose

``--numbers`` writes lines of numbers instead (``number_lines``: 1 to 6 digits each, every
digit uniform at random, fixed seed), what a user enters as a phone number, a date or an
amount in the page's Auto mode: the word decoder's ``digits`` pattern is what can tell a 0 from
an o there. Its tables go to unipen_numbers.json and .md, with the digits read right by the
length of their number.

Writes benchmarks/results/unipen_lines.json and unipen_lines.md.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shlex
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks import unipen as U
from benchmarks.stats import (
    CELLS_HEAD,
    CELLS_RULE,
    by_writer,
    cells,
    compare,
    resampled_interval,
    writer_resamples,
)
from benchmarks.unipen_sequence import place, usual_height
from handwriting.page.decoder import DEFAULT_FREE_PENALTY, PATTERNS, decode_word
from handwriting.page.preprocess import CanvasSpec, render_batch
from handwriting.unipen import is_clean

SWEEP = [0.0, 1.0, 2.0, 3.0, 3.4, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, float("inf")]
# free_penalty values a cross-fit may choose: finite (a mixed word must stay possible) and below
# the 24.4 nats that keep input modes working inside a word (handwriting.page.decoder)
CHOOSABLE = [p for p in SWEEP if 0 < p <= 12.0]
GROUP_OF = {"digit": str.isdigit, "uppercase": str.isupper, "lowercase": str.islower}

LINES_JS = """
async (lines) => {
  const h = window.handwriting;
""" + U.B64_JS + """  const out = [];
  for (const words of lines) {
    h.app.clearAll();
    const probs = [], shape = [], heights = [];
    let missing = 0;
    for (const word of words) {
      for (const strokes of word) {
        const r = await h.replay(strokes, 'mouse');
        if (r === null) { missing++; continue; }
        probs.push(b64(r.probs));
        shape.push(b64(r.shapeProbs));
        heights.push(r.height);
      }
      h.app.space();
    }
    out.push({ text: h.text, probs, shape, heights, missing });
  }
  h.app.clearAll();
  return out;
}
"""


# ---- pure helpers (tested in tests/benchmarks/test_unipen_lines.py) -----------------------------


def corpus_words(text: str | None = None) -> list[str]:
    """The corpus as a list of words: runs of ASCII letters and digits, in order."""
    if text is None:
        import pydoc_data.topics as topics

        text = " ".join(topics.topics[k] for k in sorted(topics.topics))
    return re.findall(r"[0-9A-Za-z]+", text)


def word_pattern(word: str) -> str:
    """Which decoder pattern a word fits (the first that does), or ``free``."""
    if word.isdigit():
        return "digits"
    if word.isalpha() and word.isascii():
        if word.islower():
            return "lower"
        if word.isupper():
            return "upper" if len(word) > 1 else "capital"
        if word[0].isupper() and word[1:].islower():
            return "capital"
    return "free"


def prior_odds(q: float) -> float:
    """ln(((1 - q) / 4) / q): log-odds of one given pattern against none, if a share q of words
    fits no pattern and the rest spread evenly over the four (how free_penalty was set)."""
    return math.log((1 - q) / len(PATTERNS) / q)


def sample_lines(words: list[str], n_lines: int, words_per_line: int, seed: int) -> list[list[str]]:
    """``n_lines`` runs of ``words_per_line`` consecutive corpus words from fixed-seed starts."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(words) - words_per_line, size=n_lines)
    return [words[s:s + words_per_line] for s in starts]


def number_lines(n_lines: int, per_line: int, seed: int, longest: int = 6) -> list[list[str]]:
    """``n_lines`` lines of ``per_line`` numbers, each 1 to ``longest`` digits long (uniform),
    every digit uniform at random (leading zeros too: codes, dates, phone numbers)."""
    rng = np.random.default_rng(seed)
    return [["".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, longest + 1))))
             for _ in range(per_line)] for _ in range(n_lines)]


def line_hits(truth: list[str], text: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per line: characters read right (exact) and characters, spaces excluded."""
    ok = np.array([sum(a == b for a, b in zip(t, p) if a != " ") for t, p in zip(truth, text)])
    return ok, np.array([sum(c != " " for c in t) for t in truth])


def crossfit_penalty(truth: list[str], texts: dict[float, list[str]], who: list[str],
                     folds: int = 5, seed: int = 0) -> dict:
    """How well free_penalty can be chosen from other writers' lines. The writers are dealt into
    ``folds`` groups (seeded); for each group, the value of ``texts`` (penalty -> the page's text
    decoded with it) with the best exact accuracy on the other groups' lines is chosen (ties: the
    smaller) and scored on this group's. Returns the choices, the pooled cross-fitted accuracy,
    and the value the same rule chooses on every writer."""
    writers = sorted(set(who))
    perm = np.random.default_rng(seed).permutation(len(writers))
    fold_of = {writers[j]: k % folds for k, j in enumerate(perm)}
    group = np.array([fold_of[w] for w in who])
    hits = {p: line_hits(truth, t) for p, t in texts.items()}
    values = sorted(texts)

    def best(mask):
        return max(values, key=lambda p: (hits[p][0][mask].sum() / hits[p][1][mask].sum(), -p))

    choices, ok, n = [], 0, 0
    for f in range(folds):
        test = group == f
        p = best(~test)
        choices.append(p)
        ok += int(hits[p][0][test].sum())
        n += int(hits[p][1][test].sum())
    return {"folds": folds, "seed": seed, "choices": choices, "exact": ok / n,
            "chosen_on_all": best(np.ones(len(truth), bool))}


def penalty_to_ship(crossfit: dict, shipped: float) -> float:
    """The free_penalty the configuration should hold: the shipped one, unless the cross-fit's
    choice on every writer reads the lines better beyond what the writers drawn can tell (its
    paired gain's 95% interval over writers, ``crossfit["against_shipped"]``, above 0). On a
    plateau the choice moves with a handful of characters; the shipped value then stays, and
    with it what a smaller penalty keeps: words that fit no pattern, and a user's pick of a
    digit inside a word, as the neighbours' own readings."""
    chosen = crossfit["chosen_on_all"]
    if chosen == shipped:
        return shipped
    pair = crossfit.get("against_shipped")
    if pair is None:
        raise ValueError("crossfit has no paired comparison against the shipped value")
    return chosen if pair["by_writer"]["low"] > 0 else shipped


def by_word_length(truth: list[str], text: list[str], spans=((1, 1), (2, 3), (4, 6))) -> list[dict]:
    """Characters read right, exact, grouped by the length of the word they belong to (lines as
    in ``char_accuracy``): one row per (shortest, longest) of ``spans``."""
    rows = []
    for lo, hi in spans:
        n = ok = 0
        for t_line, p_line in zip(truth, text):
            for tw, pw in zip(t_line.split(), p_line.split()):
                if lo <= len(tw) <= hi:
                    n += len(tw)
                    ok += sum(a == b for a, b in zip(tw, pw))
        rows.append({"lengths": [lo, hi], "n": n, "exact": ok / n if n else None})
    return rows


def assign_ink(lines: list[list[str]], pool: dict[str, dict[str, list[int]]], seed: int
               ) -> tuple[list[list[list[int]]], list[str], int, int]:
    """Pick a writer per line and a sample per character.

    ``pool[writer][label]`` lists sample ids. Returns (per line, per word, the sample ids), the
    writer of each line, how many characters came from the line's own writer, and how many from
    another writer (that writer had no sample of the character). Within a line a writer's
    samples of a character are used in turn, in a shuffled order, before any is repeated.
    """
    rng = np.random.default_rng(seed)
    writers = sorted(pool)
    by_label: dict[str, list[int]] = defaultdict(list)
    for w in writers:
        for label, ids in pool[w].items():
            by_label[label].extend(ids)
    ink, who, own, other = [], [], 0, 0
    for line in lines:
        w = writers[int(rng.integers(len(writers)))]
        queues: dict[str, list[int]] = {}
        ids_line = []
        for word in line:
            ids_word = []
            for ch in word:
                if pool[w].get(ch):
                    if not queues.get(ch):
                        queues[ch] = list(rng.permutation(pool[w][ch]))
                    ids_word.append(int(queues[ch].pop()))
                    own += 1
                else:
                    ids_word.append(int(rng.choice(by_label[ch])))
                    other += 1
            ids_line.append(ids_word)
        ink.append(ids_line)
        who.append(w)
    return ink, who, own, other


def char_accuracy(truth: list[str], text: list[str]) -> dict:
    """Character accuracy (exact and case-folded, as unipen.accuracy) overall and per group, and
    word accuracy, of page lines against the true lines (both ``"w1 w2 ... "``, equal lengths)."""
    true_chars, pred_chars = [], []
    words_ok = words_n = 0
    mixed_ok = mixed_n = 0
    for t_line, p_line in zip(truth, text):
        if len(t_line) != len(p_line):
            raise ValueError(f"line lengths differ: {t_line!r} vs {p_line!r}")
        for tw, pw in zip(t_line.split(), p_line.split()):
            words_n += 1
            words_ok += tw == pw
            if word_pattern(tw) == "free":
                mixed_n += 1
                mixed_ok += tw == pw
        for t, p in zip(t_line, p_line):
            if t != " ":
                true_chars.append(t)
                pred_chars.append(p)
    out = {"overall": U.accuracy(true_chars, pred_chars)}
    for group, is_group in GROUP_OF.items():
        ii = [i for i, t in enumerate(true_chars) if is_group(t)]
        if ii:
            out[group] = U.accuracy([true_chars[i] for i in ii], [pred_chars[i] for i in ii])
    out["words"] = {"n": words_n, "exact": words_ok / words_n if words_n else None}
    # the words that fit no pattern (x86, iPhone): what a larger free_penalty can cost
    out["mixed_words"] = {"n": mixed_n, "exact": mixed_ok / mixed_n if mixed_n else None}
    return out


def decode_lines(lines: list[list[str]], probs: list[list[np.ndarray]], labels: list[str],
                 penalty: float) -> list[str]:
    """The text the page would show with ``free_penalty`` = ``penalty`` (inf: patterns only)."""
    out = []
    for line, pr in zip(lines, probs):
        k, text = 0, ""
        for word in line:
            w = pr[k:k + len(word)]
            k += len(word)
            text += "".join(decode_word(w, labels, free_penalty=min(penalty, 1e300))[0]) + " "
        out.append(text)
    return out


def writer_interval(lines: list[list[str]], truth: list[str], text: list[str], who: list[str],
                    reps: int = 2000, seed: int = U.DEFAULT_SEED, level: float = 0.95) -> dict:
    """Characters right in ``text``, with the central ``level`` share of the same figure over
    ``reps`` resamples of the lines' writers (each keeping all its lines), as unipen.md's
    intervals."""

    ok, n = line_hits(truth, text)
    names, writer = np.unique(np.asarray(who), return_inverse=True)
    ok_w = np.bincount(writer, weights=ok, minlength=len(names))
    n_w = np.bincount(writer, weights=n, minlength=len(names))
    draws = writer_resamples(len(names), reps, np.random.default_rng(seed))
    low, high = resampled_interval(draws, ok_w, n_w, level)
    return {"estimate": float(ok.sum() / n.sum()), "low": low, "high": high,
            "writers": len(names), "reps": reps, "level": level}


def decoder_pair(lines: list[list[str]], truth: list[str], new: list[str], old: list[str],
                 who: list[str]) -> dict:
    """The page's text ``new`` against ``old`` (another reading of the same lines), character by
    character, paired, with each line's writer as the unit (``stats.compare``, ``by_writer``)."""

    chars = lambda texts: np.array([c for t in texts for c in t if c != " "])  # noqa: E731
    true = chars(truth)
    writer = np.array([w for w, line in zip(who, lines) for word in line for _ in word])
    a, b = chars(old) == true, chars(new) == true
    return {**compare(a, b), "by_writer": by_writer(a, b, writer)}


def natural_strokes(ink: list, by_id: dict, median_px: float) -> tuple[list, int]:
    """Each line's strokes on the page: every sample scaled by ``median_px`` / its writer's median
    character height (a borrowed character thus drawn as large, relative to the line, as its own
    writer drew it against theirs), centred in the drawing square (``unipen_sequence.place``).
    Returns (strokes per line, per word), and how many were shrunk to the square."""

    from handwriting.page.sizecue import ink_height

    heights: dict[str, list[float]] = defaultdict(list)
    for r in by_id.values():
        heights[r["writer"]].append(ink_height(r["strokes"]))
    usual = {w: usual_height(h) for w, h in heights.items()}
    shrunk = 0
    out = []
    for line in ink:
        words = []
        for word in line:
            placed = [place(by_id[i]["strokes"], median_px / usual[by_id[i]["writer"]])
                      for i in word]
            shrunk += sum(small for _, small in placed)
            words.append([st for st, _ in placed])
        out.append(words)
    return out, shrunk


def size_cue_twin(lines: list[list[str]], shape: list[list[np.ndarray]],
                  heights: list[list[float]], cue, labels: list[str], penalty: float
                  ) -> list[list[np.ndarray]]:
    """The page's probabilities after its size cue, replayed in Python: each character's shape
    probabilities moved against the text so far as the page showed it then (earlier words as
    decoded; the current word re-decoded with each new character)."""
    out = []
    for line, sh, hs in zip(lines, shape, heights):
        done: list[tuple[float, str]] = []
        probs, k = [], 0
        for word in line:
            word_probs: list[np.ndarray] = []
            for _ in word:
                current = decode_word(word_probs, labels, free_penalty=penalty)[0] if word_probs else []
                previous = done + list(zip(hs[k - len(word_probs):k], current))
                word_probs.append(cue.apply(sh[k], cue.ratio(hs[k], previous)))
                k += 1
            done += list(zip(hs[k - len(word):k],
                             decode_word(word_probs, labels, free_penalty=penalty)[0]))
            probs += word_probs
        out.append(probs)
    return out


def line_ink(lines: list[list[str]], rows: list[dict], spec: dict, seed: int,
             heldout: bool = True, writes=None):
    """``assign_ink`` over the clean held-out writers' samples (``heldout=False``: the training
    writers') of ``rows`` (``unipen.load_unipen``) that the page can recognise (not a single
    dot); also returns the samples by id. ``writes`` (a label test, e.g. ``str.isdigit``): only
    writers with at least one such sample write lines."""
    keep = [r for r, h in zip(rows, U.heldout(rows)) if h == heldout and is_clean(r)]
    _, valid = render_batch([U.normalise_to_box(r["strokes"]) for r in keep],
                            CanvasSpec.from_dict(spec), return_valid=True)
    pool: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    by_id = {}
    for r, ok in zip(keep, valid):
        if ok:
            pool[r["writer"]][r["label"]].append(r["id"])
            by_id[r["id"]] = r
    if writes is not None:
        pool = {w: p for w, p in pool.items() if any(writes(label) for label in p)}
    return (*assign_ink(lines, pool, seed + 1), by_id)


# ---- run ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=400)
    ap.add_argument("--words", type=int, default=6, help="words per line")
    ap.add_argument("--seed", type=int, default=U.DEFAULT_SEED)
    ap.add_argument("--batch", type=int, default=20, help="lines per page.evaluate call")
    ap.add_argument("--median-px", type=float, default=120.0,
                    help="a writer's median character height on the page, CSS px")
    ap.add_argument("--web-dir", type=Path, default=B.WEB)
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--unipen", type=Path, default=U.UNIPEN)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    ap.add_argument("--numbers", action="store_true",
                    help="lines of random numbers (1-6 digits) instead of prose; writes "
                         "unipen_numbers.*")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    stem = "unipen_numbers" if args.numbers else "unipen_lines"

    _, info, meta, labels, spec = U.page_model(args.web_dir, args.model_dir)
    penalty = float((meta.get("line_decoder") or {}).get("free_penalty", DEFAULT_FREE_PENALTY))

    # the text
    if args.numbers:
        lines = number_lines(args.lines, args.words, args.seed)
        words = [w for line in lines for w in line]
        source = "random numbers of 1 to 6 digits (each length and digit uniform)"
    else:
        words = corpus_words()
        lines = sample_lines(words, args.lines, args.words, args.seed)
        source = ("pydoc_data.topics (Python reference manual topics), Python "
                  f"{sys.version.split()[0]}")
    pattern_share = Counter(word_pattern(w) for w in words)
    truth = ["".join(w + " " for w in line) for line in lines]

    ink, who, own, other, by_id = line_ink(lines, U.load_unipen(args.unipen), spec, args.seed,
                                           writes=str.isdigit if args.numbers else None)
    strokes, shrunk = natural_strokes(ink, by_id, args.median_px)
    n_chars = sum(len(w) for line in lines for w in line)
    print(f"{len(lines)} lines, {n_chars} characters, {len(set(who))} writers "
          f"({own} characters from the line's own writer, {other} from another)")

    t = time.perf_counter()
    with B.site(args.web_dir, args.model_dir) as (url, _):
        with B.chromium() as browser:
            page = B.open_app(browser, url)
            env = {"backend": page.evaluate("window.handwriting.backend"),
                   "chromium": B.browser_version(browser)}
            res = []
            for s in range(0, len(strokes), args.batch):
                res += page.evaluate(LINES_JS, strokes[s:s + args.batch])
                print(f"  {len(res)}/{len(strokes)} lines  {time.perf_counter() - t:.0f} s")
            errors = page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
            page.context.close()
    t_page = time.perf_counter() - t
    missing = sum(r["missing"] for r in res)
    if missing:
        raise SystemExit(f"{missing} characters were not recognised at all (dots were filtered out)")
    page_text = [r["text"] for r in res]
    probs = [[U._decode(p) for p in r["probs"]] for r in res]
    shape = [[U._decode(p) for p in r["shape"]] for r in res]

    # python: the page's text is the spec applied to the page's probabilities
    twin = decode_lines(lines, probs, labels, penalty)
    agree = sum(a == b for a, b in zip(twin, page_text))
    size = None
    if meta.get("size_cue"):

        from handwriting.page.sizecue import SizeCue

        cue = SizeCue(meta["size_cue"], labels)
        twin_probs = size_cue_twin(lines, shape, [r["heights"] for r in res], cue, labels, penalty)
        diff = max(float(np.abs(a - b).max()) for pl, tl in zip(probs, twin_probs)
                   for a, b in zip(pl, tl))
        true_chars = np.array([c for line in lines for w in line for c in w])
        writer = np.array([w for w, line in zip(who, lines) for word in line for _ in word])
        size = {"probs_max_abs_diff_twin": diff, "rows": []}
        for name, pen in (("the page (word decoder)", penalty), ("each character its own top guess", 0.0)):
            a, b = (np.array([c for line in decode_lines(lines, p, labels, pen) for c in line
                              if c != " "]) == true_chars for p in (shape, probs))
            size["rows"].append({"reading": name, **compare(a, b),
                                 "by_writer": by_writer(a, b, writer)})
    grid = sorted(set(SWEEP) | {penalty})
    texts = {p: decode_lines(lines, probs, labels, p) for p in grid}
    sweep = {str(p): char_accuracy(truth, texts[p]) for p in grid}
    crossfit = crossfit_penalty(truth, {p: texts[p] for p in CHOOSABLE}, who)
    if crossfit["chosen_on_all"] != penalty:  # B = the choice, A = the shipped value
        crossfit["against_shipped"] = decoder_pair(lines, truth, texts[crossfit["chosen_on_all"]],
                                                   texts[penalty], who)
    crossfit["ship"] = penalty_to_ship(crossfit, penalty)
    result = {
        "benchmark": "unipen_lines",
        "model": {**info, "emnist_metrics": meta.get("metrics", {})},
        "browser": env,
        "free_penalty": penalty,
        "text": {"source": source, "numbers": args.numbers, "corpus_words": len(words),
                 "pattern_share": {k: pattern_share[k] / len(words) for k in (*PATTERNS, "free")},
                 "lines": len(lines), "words_per_line": args.words, "characters": n_chars,
                 "seed": args.seed, "example_lines": truth[:5]},
        "ink": {"writers": len(set(who)), "median_px": args.median_px, "shrunk_to_box": shrunk,
                "writers_available": len({r["writer"] for r in by_id.values()}),
                "chars_own_writer": own, "chars_other_writer": other,
                "subset": "held-out writers, clean contributors"
                          + (", who wrote digits" if args.numbers else "")},
        "page": {"decoded": char_accuracy(truth, page_text),
                 "interval": writer_interval(lines, truth, page_text, who),
                 "top_guess": sweep["0.0"],
                 "by_length": {"decoded": by_word_length(truth, page_text),
                               "top_guess": by_word_length(truth, decode_lines(lines, probs,
                                                                               labels, 0.0))}},
        "python_twin_lines_equal": agree,
        "size_cue": size,
        "sweep": sweep,
        "crossfit": crossfit,
        "examples": [{"truth": a, "top_guess": b, "page": c} for a, b, c in
                     zip(truth[:12], decode_lines(lines[:12], probs[:12], labels, 0.0), page_text[:12])],
        "page_errors": errors,
        "timing_s": {"page": t_page, "total": time.perf_counter() - t_start},
        "command": shlex.join([".venv/bin/python", "-m", "benchmarks.unipen_lines", *argv]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (args.out / f"{stem}.md").write_text(_markdown(result) + "\n")
    print(_markdown(result))
    twin_ok = size is None or size["probs_max_abs_diff_twin"] < 1e-5
    return 0 if agree == len(lines) and twin_ok and not errors else 1


def _size_rows(size: dict | None) -> list[str]:
    """The size cue's section: the page against its own shape probabilities, paired."""

    if not size:
        return []
    L = ["## The size cue in the line", "",
         "The page multiplies every class's probability by how likely each character's height, "
         "against the line's earlier characters, is for it (`web/js/sizecue.js`). A = the same "
         "replays' "
         "probabilities before the size cue (`shapeProbs`), read the same way; B = the page. "
         "Writers: each line's writer as one unit (`benchmarks/stats.py`). The Python twin "
         "(`handwriting.page.sizecue` against the text as the page showed it) reproduces the page's "
         f"probabilities to {size['probs_max_abs_diff_twin']:.1e}.", "",
         f"| reading | {CELLS_HEAD.format(a='without size cue', b='page')} |",
         f"|---|{CELLS_RULE}|"]
    return L + [f"| {row['reading']} | {cells(row)} |" for row in size["rows"]] + [""]


def _length_rows(by_length: dict | None, numbers: bool) -> list[str]:
    """Characters read right by the length of their word (numbers: digits by number length)."""
    if not by_length or not numbers:
        return []
    f = U.fmt
    L = ["## Digits by the length of their number", "",
         "A one-digit number is a one-character word, which the decoder leaves to its top guess "
         "(as in `unipen.md`, but at the writer's size, after the line's other numbers); from two "
         "digits on, the word's `digits` pattern competes with the letter patterns.", "",
         "| digits in the number | n | top guess, exact | **page (word decoder), exact** |",
         "|---|---:|---:|---:|"]
    for a, b in zip(by_length["top_guess"], by_length["decoded"]):
        lo, hi = a["lengths"]
        name = f"{lo}" if lo == hi else f"{lo}–{hi}"
        L.append(f"| {name} | {a['n']} | {f(a['exact'])} | **{f(b['exact'])}** |")
    return L + [""]


def _markdown(r: dict) -> str:
    f = U.fmt
    m, tx, ink, pg = r["model"], r["text"], r["ink"], r["page"]
    share = ", ".join(f"{k} {f(v)}" for k, v in tx["pattern_share"].items())
    numbers = tx.get("numbers", False)
    first = "; ".join(f"`{x.strip()}`" for x in tx["example_lines"])
    if numbers:
        text = (f"Text: {tx['lines']} lines of {tx['words_per_line']} {tx['source']} "
                f"({tx['characters']} digits), seed {tx['seed']}, written in the page's Auto mode "
                f"(any of the 62 classes). First lines: {first}.")
    else:
        text = (f"Text: {tx['lines']} lines of {tx['words_per_line']} consecutive words "
                f"({tx['characters']} characters) from {tx['source']}, seed {tx['seed']}. Words in "
                f"the corpus by the pattern they fit: {share}; the prior odds of one given pattern "
                "against none, ln(((1 − q) / 4) / q) for q = the share that fits none, are "
                f"{prior_odds(tx['pattern_share']['free']):.2f} nats. First lines: {first}.")
    title = ("Real pens, numbers: UNIPEN digits written as numbers on the page, Auto mode"
             if numbers else "Real pens, whole lines: UNIPEN handwriting written as text on the page")
    L = [f"# {title}", "",
         f"Model `{m['model_version']}` (canvas_spec `{json.dumps(m['canvas_spec'])}`), backend "
         f"`{r['browser']['backend']}` in headless {r['browser']['chromium']}; word decoder "
         f"free_penalty {r['free_penalty']:g} (from metadata.json).", "",
         text, "",
         f"Ink: real pen trajectories of {ink['writers']} UNIPEN writers ({ink['subset']}, never trained "
         f"on), one writer a line; {ink['chars_own_writer']} characters are the line's writer's own "
         f"samples, {ink['chars_other_writer']} (a character that writer never wrote) another held-out "
         "writer's. Each keeps its size relative to its writer's other characters (the writer's "
         f"median character height drawn at {ink.get('median_px', 120):.0f} CSS px, centred in the "
         f"drawing square; {ink.get('shrunk_to_box', 0)} larger than the square were fitted to it), "
         "so the page's size cue sees what the writer drew. Each replayed through the page's "
         "pointer path (`window.handwriting.replay`), the "
         "Space button's action after every word; the text line read back.", "",
         "## Characters in the text line", "",
         "| | n | top guess, exact | top guess, case-folded | **page (word decoder), exact** | page, case-folded |",
         "|---|---|---|---|---|---|"]
    for key in ("overall", "digit", "uppercase", "lowercase"):
        a, b = pg["top_guess"].get(key), pg["decoded"].get(key)
        if a:
            L.append(f"| {key} | {a['n']} | {f(a['exact'])} | {f(a['case_folded'])} | "
                     f"**{f(b['exact'])}** | {f(b['case_folded'])} |")
    a, b = pg["top_guess"]["words"], pg["decoded"]["words"]
    L += [f"| whole words | {a['n']} | {f(a['exact'])} | | **{f(b['exact'])}** | |", ""]
    iv = pg.get("interval")
    if iv:
        L += [f"Over writers (the {iv['writers']} lines' writers resampled {iv['reps']:,} times, "
              f"each keeping all its lines, as in unipen.md): the page's {f(iv['estimate'])} of "
              f"characters right has a {100 * iv['level']:.0f}% interval of {f(iv['low'])} – "
              f"{f(iv['high'])}.", ""]
    L += [
          "Top guess = each character its own top guess (what the isolated benchmark, unipen.md, "
          "measures; the page with `?decoder=off`). Case-folded as in unipen.md.", "",
          ] + _length_rows(pg.get("by_length"), numbers) + [
          f"Python twin: `handwriting.page.decoder` applied to the page's own probabilities gives "
          f"the page's text on **{r['python_twin_lines_equal']}/{tx['lines']}** lines.", "",
          ] + _size_rows(r.get("size_cue")) + [
          "## free_penalty sweep (Python, the page's probabilities)", "",
          "| free_penalty | exact | case-folded | digits | uppercase | lowercase | whole words "
          "| words that fit no pattern |",
          "|---|---|---|---|---|---|---|---|"]
    for p, s in r["sweep"].items():
        mark = " (shipped)" if float(p) == r["free_penalty"] else ""
        mixed = s.get("mixed_words") or {}
        L.append(f"| {p}{mark} | {f(s['overall']['exact'])} | {f(s['overall']['case_folded'])} | "
                 + " | ".join(f(s[g]['exact']) if g in s else "–" for g in ("digit", "uppercase", "lowercase"))
                 + f" | {f(s['words']['exact'])} | "
                 + (f"{f(mixed['exact'])} of {mixed['n']}" if mixed.get("n") else "–") + " |")
    L += ["", "0 = no decoding; inf = a word always takes one of the four patterns."]
    cf = r.get("crossfit")
    if cf:
        shipped = r["sweep"][str(r["free_penalty"])]["overall"]["exact"]
        L += ["", f"Choosing free_penalty from other writers (cross-fitted): the writers dealt into "
              f"{cf['folds']} groups (seed {cf['seed']}); for each group the value in "
              f"{', '.join(f'{p:g}' for p in CHOOSABLE)} with the best exact accuracy on the "
              "other groups' lines, scored on this group's. Chosen: "
              f"{', '.join(f'{p:g}' for p in cf['choices'])}; exact {f(cf['exact'])} cross-fitted, "
              f"against {f(shipped)} with the shipped {r['free_penalty']:g} on the same lines. "
              f"On every writer the rule chooses {cf['chosen_on_all']:g}."]
        pair = cf.get("against_shipped")
        if pair:
            bw = pair["by_writer"]
            L += ["", f"Against the shipped {r['free_penalty']:g} on every writer's lines, "
                  f"{cf['chosen_on_all']:g} reads {pair['only_b']} characters right that "
                  f"{r['free_penalty']:g} misses and misses {pair['only_a']} that it reads "
                  f"({100 * (pair['b'] - pair['a']):+.2f} points; over writers "
                  f"{100 * bw['low']:+.2f} to {100 * bw['high']:+.2f}). The rule "
                  "(`penalty_to_ship`) moves the configuration to the choice only when that "
                  f"interval lies above 0: it holds {cf['ship']:g}"
                  + (" (the configuration follows the text lines, unipen_lines.md)."
                     if r["text"].get("numbers") else ".")]
    L += ["",
          "## Examples", "", "| truth | top guesses | page |", "|---|---|---|"]
    for e in r["examples"]:
        L.append(f"| `{e['truth'].strip()}` | `{e['top_guess'].strip()}` | `{e['page'].strip()}` |")
    L += ["", "## Run", "",
          f"- wall time {r['timing_s']['total']:.0f} s (page {r['timing_s']['page']:.0f} s).",
          f"- page errors: {r['page_errors'] or 'none'}.",
          f"- re-run: `{r['command']}`",
          "- data: UNIPEN train_r01_v07 (International Unipen Foundation, CC BY 4.0, "
          "doi 10.5281/zenodo.1195803)"
          + ("." if numbers else "; text: the Python reference manual (PSF licence).")]
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
