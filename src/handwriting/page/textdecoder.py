"""Text from a words model's per-frame probabilities: a CTC prefix beam search with the lexicon as
a word-level language model, and the plain best path for figures without one.

The words model reads the pen path and gives, for each of ``T`` frames, probabilities over
``ALPHABET`` (the 95 printable ASCII characters, space included: it separates words) and the CTC
blank, index ``BLANK`` = 95, last. A reading is a string over ``ALPHABET``; its score is

    log P_ctc(text) + lm_weight * LM(text) + word_bonus * (number of words)

where P_ctc sums over every frame alignment that collapses to the text, and LM(text) adds up a
score per word (the tokens between single spaces; a leading or double space is never read, a
trailing one costs nothing). A word scores the better of two readings:

- **lexicon**: leading punctuation, a lexicon word written lower, Capitalised or UPPER (the
  lexicon is lowercase), trailing punctuation: ``(the``, ``week:``, ``"So``, ``I'm``, ``don't``.
  Score: the word's log-probability, minus ``capital_penalty`` or ``upper_penalty`` for its case
  (the cheaper where both fit, as for "I"), minus ``punctuation_penalty`` per punctuation mark
  around it. An apostrophe inside a lexicon word is part of it; one after it is punctuation.
- **open vocabulary**: any characters, so names and codes can still be written ("x86",
  "(415)", "Rincewind"): ``oov_word_penalty`` (or ``number_penalty`` when the word has no letter:
  numbers, symbols) plus, per character, ``oov_char_penalty`` (a letter), ``digit_penalty`` or
  ``punctuation_penalty`` (anything else), all subtracted.

While a word is being written the search ranks it by what it can still become: the lexicon
reading's best word below the letters so far (the lexicon's trie knows it), or the open reading
so far, the better of the two. So a misread letter that leaves every lexicon word is pushed out
by one that stays on a word, without waiting for the word's end.

Search: the standard CTC prefix beam search (each prefix keeps its probability of ending in a
blank and in a character) over the ``beam`` best prefixes; at each frame only characters with
probability >= ``char_threshold`` extend a prefix, at most ``max_chars`` of them (the likeliest;
the lower index on a tie). Prefixes are ranked by their score, ties kept in the order they were
reached, so that ``web/js/textdecoder.js`` gives the same texts (a new prefix whose score cannot
reach the beam, by a bound on its language model score, is not scored at all: that saves most of
the work and changes nothing); at the last frame every prefix is
scored as finished and the best is the reading (the empty reading only when the beam holds
nothing else: there was ink). The ``alternatives`` best distinct last words
over the final prefixes (distinct once the punctuation around them is set aside), each with the
score of the best reading that ends with it, are what the page offers to click.

This module is the specification; ``web/js/textdecoder.js`` implements the same functions for
the page, and tests/web/test_textdecoder_parity.py checks that the two agree.
"""

from __future__ import annotations

import math
import re

import numpy as np

from handwriting.page.lexicon import RADIX, ROOT, Lexicon

ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F))  # ' ' .. '~', in code-point order
BLANK = len(ALPHABET)  # the CTC blank: the last of the model's 96 outputs
SPACE = ALPHABET.index(" ")
LOG_FLOOR = math.log(1e-30)  # a probability of 0 (float32 underflow) counts as 1e-30

DEFAULT_PARAMS = {
    "beam": 16,                  # prefixes kept after each frame
    "lm_weight": 0.5,            # the language model's weight against the model's log-probability
    "word_bonus": 0.0,           # added per word read (against the LM's cost of each word)
    "capital_penalty": 1.0,      # nats for a Capitalised lexicon word
    "upper_penalty": 3.0,        # nats for an UPPER-case lexicon word
    "punctuation_penalty": 2.0,  # nats per punctuation mark (around a word, or in an open word)
    "oov_word_penalty": 6.0,     # nats for a word with letters that is not read from the lexicon
    "number_penalty": 4.0,       # nats for a word without letters (numbers, symbols)
    "oov_char_penalty": 1.5,     # nats per letter of an open-vocabulary word
    "digit_penalty": 1.0,        # nats per digit
    "char_threshold": 1e-3,      # a character extends prefixes at a frame from this probability
    "max_chars": 8,              # at most this many characters extend prefixes at a frame
    "alternatives": 5,           # distinct last words returned
}
_INTEGER_PARAMS = ("beam", "max_chars", "alternatives")

NEG_INF = -math.inf

# character classes, by index into ALPHABET
_LETTER, _DIGIT, _APOSTROPHE, _PUNCTUATION, _SPACE = range(5)


def _class_of(ch: str) -> int:
    if ch == " ":
        return _SPACE
    if ch.isascii() and ch.isalpha():
        return _LETTER
    if ch.isdigit():
        return _DIGIT
    return _APOSTROPHE if ch == "'" else _PUNCTUATION


CHAR_CLASS = [_class_of(ch) for ch in ALPHABET]

# case flags of a lexicon word being written
_LOWER, _CAPITAL, _UPPER = 1, 2, 4


def check_params(params: dict | None) -> dict:
    """``DEFAULT_PARAMS`` updated with ``params``; ``ValueError`` on an unknown key or a value
    out of range (integers >= 1 for beam, max_chars, alternatives; finite numbers >= 0 for the
    rest, char_threshold in [0, 1])."""
    merged = dict(DEFAULT_PARAMS)
    for key, value in (params or {}).items():
        if key not in DEFAULT_PARAMS:
            raise ValueError(f"unknown decoder parameter {key!r}: expected {', '.join(DEFAULT_PARAMS)}")
        if key in _INTEGER_PARAMS:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        else:
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and math.isfinite(value) and value >= 0 and (key != "char_threshold" or value <= 1))
        if not ok:
            raise ValueError(f"decoder parameter {key} = {value!r} is out of range")
        merged[key] = value
    return merged


def _log_probs(probs) -> np.ndarray:
    """[T, 96] probabilities -> float64 log-probabilities, zeros floored at LOG_FLOOR."""
    p = np.asarray(probs, dtype=np.float64)
    if p.size == 0:  # no frames: nothing written yet
        p = p.reshape(0, BLANK + 1)
    if p.ndim != 2 or p.shape[1] != BLANK + 1:
        raise ValueError(f"expected probabilities of shape [T, {BLANK + 1}], got {list(p.shape)}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("probabilities must be finite and >= 0")
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), LOG_FLOOR)


def _logaddexp(a: float, b: float) -> float:
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


def greedy_decode(probs) -> dict:
    """The best path: the likeliest output at each frame, repeats merged, blanks dropped.
    ``{"text", "score"}``, score the best path's log-probability."""
    logp = _log_probs(probs)
    text, score, previous = [], 0.0, BLANK
    for row in logp:
        best = int(np.argmax(row))  # the lower index on a tie
        score += float(row[best])
        if best != previous and best != BLANK:
            text.append(ALPHABET[best])
        previous = best
    return {"text": "".join(text), "score": score}


class _Prefixes:
    """Every prefix reached in one search, a tree: each node is its parent plus one character,
    and holds the language model's state after it (the words before, the word being written)."""

    def __init__(self, lexicon: Lexicon | None, params: dict):
        self.lexicon = lexicon
        self.p = params
        self.root_best = lexicon.best_logp[ROOT] if lexicon else NEG_INF
        self.child: dict[int, int] = {}
        self.parent = [-1]
        self.char = [-1]
        self.done = [0.0]        # LM of the finished words
        self.words = [0]         # finished words
        self.length = [0]        # characters of the word being written (0: none yet)
        self.lead = [0]          # its punctuation before the lexicon word
        self.started = [False]   # its lexicon word has begun (a letter or digit came)
        self.node = [ROOT]       # the lexicon trie's node for its letters, -1 when none fits
        self.case = [0]          # the case patterns its letters still fit (_LOWER | ...)
        self.trail = [NEG_INF]   # lexicon reading that ended, then punctuation: its score
        self.letters = [False]   # it has a letter
        self.oov = [0.0]         # its open-vocabulary characters' cost
        self.partial = [0.0]     # LM of the finished words plus the word's best outlook

    def _case_cost(self, case: int) -> float:
        if case & _LOWER:
            return 0.0
        cost = math.inf
        if case & _CAPITAL:
            cost = self.p["capital_penalty"]
        if case & _UPPER:
            cost = min(cost, self.p["upper_penalty"])
        return cost

    def _complete(self, node: int, case: int) -> float:
        """The lexicon reading's score if the word's letters end here."""
        if node < 0 or not case or self.lexicon is None:
            return NEG_INF
        return self.lexicon.word_logp[node] - self._case_cost(case)

    def word_score(self, i: int, finished: bool) -> float:
        """Node ``i``'s word being written: its score if it ends here (``finished``), else the
        best it can still reach."""
        if self.length[i] == 0:
            return 0.0
        p = self.p
        if self.started[i]:
            if finished:
                lex = self._complete(self.node[i], self.case[i])
            elif self.node[i] >= 0 and self.case[i]:
                lex = self.lexicon.best_logp[self.node[i]] - self._case_cost(self.case[i])
            else:
                lex = NEG_INF
            lex = max(lex, self.trail[i])
        else:
            lex = NEG_INF if finished else self.root_best
        lex -= p["punctuation_penalty"] * self.lead[i]
        oov = -(p["oov_word_penalty"] if self.letters[i] else p["number_penalty"]) - self.oov[i]
        return max(lex, oov)

    def extend(self, i: int, c: int) -> int:
        """The node of prefix ``i`` plus character ``c``, made on first use; -1 for a space that
        would start the text or follow another space."""
        key = i * RADIX + c
        j = self.child.get(key)
        if j is not None:
            return j
        kind = CHAR_CLASS[c]
        if kind == _SPACE and self.length[i] == 0:
            return -1
        p = self.p
        done, words = self.done[i], self.words[i]
        length, lead, started = self.length[i], self.lead[i], self.started[i]
        node, case, trail = self.node[i], self.case[i], self.trail[i]
        letters, oov = self.letters[i], self.oov[i]
        if kind == _SPACE:
            done += self.word_score(i, True)
            words += 1
            length, lead, started, node, case, trail = 0, 0, False, ROOT, 0, NEG_INF
            letters, oov = False, 0.0
        else:
            length += 1
            if kind == _LETTER:
                letters = True
                oov += p["oov_char_penalty"]
                upper = ALPHABET[c].isupper()
                if not started:
                    started, case = True, (_CAPITAL | _UPPER) if upper else _LOWER
                else:
                    case &= (_UPPER if upper else _LOWER)
                lower_code = ord(ALPHABET[c].lower())
                if node >= 0 and self.lexicon is not None:
                    node = self.lexicon.child.get(node * RADIX + lower_code, -1)
                else:
                    node = -1
                trail = NEG_INF
            elif kind == _DIGIT:
                oov += p["digit_penalty"]
                started, node, trail = True, -1, NEG_INF
            else:  # punctuation, the apostrophe included
                oov += p["punctuation_penalty"]
                if not started:
                    lead += 1
                else:
                    trail = max(trail, self._complete(node, case)) - p["punctuation_penalty"]
                    if kind == _APOSTROPHE and node >= 0 and self.lexicon is not None:
                        node = self.lexicon.child.get(node * RADIX + ord("'"), -1)
                    else:
                        node = -1
        j = len(self.parent)
        self.child[key] = j
        self.parent.append(i)
        self.char.append(c)
        self.done.append(done)
        self.words.append(words)
        self.length.append(length)
        self.lead.append(lead)
        self.started.append(started)
        self.node.append(node)
        self.case.append(case)
        self.trail.append(trail)
        self.letters.append(letters)
        self.oov.append(oov)
        self.partial.append(0.0)
        self.partial[j] = done + self.word_score(j, False)
        return j

    def bound(self, i: int) -> float:
        """An upper bound on the ranking LM score of prefix ``i`` plus any one character: a
        character never raises it, but for the word bonus of a new word and an open word's
        penalty in place of a number's."""
        up = self.lm_score(i, False)
        if self.length[i] == 0:
            up += self.p["word_bonus"]
        if not self.letters[i]:
            up += self.p["lm_weight"] * max(0.0, self.p["number_penalty"] - self.p["oov_word_penalty"])
        return up

    def lm_score(self, i: int, finished: bool) -> float:
        """lm_weight * LM + word_bonus * words, of prefix ``i`` (still being written or not)."""
        lm = self.done[i] + self.word_score(i, True) if finished else self.partial[i]
        words = self.words[i] + (1 if self.length[i] else 0)
        return self.p["lm_weight"] * lm + self.p["word_bonus"] * words

    def text(self, i: int) -> str:
        out = []
        while i > 0:
            out.append(ALPHABET[self.char[i]])
            i = self.parent[i]
        return "".join(reversed(out))


def _frame_candidates(row: np.ndarray, lp_row: np.ndarray, threshold: float, most: int) -> list[int]:
    """The characters that may extend a prefix at this frame: probability >= threshold, the
    ``most`` likeliest (the lower index first on a tie), in that order."""
    chosen = [c for c in range(BLANK) if row[c] >= threshold and row[c] > 0]
    chosen.sort(key=lambda c: -lp_row[c])  # stable: the lower index first on a tie
    return chosen[:most]


def decode_text(probs, lexicon: Lexicon | None = None, params: dict | None = None) -> dict:
    """The best reading of ``probs`` ([T, 96] probabilities over ``ALPHABET`` + blank) under
    the lexicon (None: the open vocabulary alone) and ``params`` (see ``DEFAULT_PARAMS``).

    Returns ``{"text", "score", "hypotheses": [{"text", "score"}, ...] (every final prefix, best
    first), "alternatives": [{"word", "score"}, ...]}``: the distinct last words (the text's last
    word; "" for an empty text), best first, at most ``params["alternatives"]``.
    """
    p = check_params(params)
    probs = np.asarray(probs, dtype=np.float64)
    logp = _log_probs(probs)
    tree = _Prefixes(lexicon, p)
    beam_ids, beam_b, beam_nb = [ROOT], [0.0], [NEG_INF]
    for t in range(logp.shape[0]):
        lp = logp[t]
        blank = float(lp[BLANK])
        candidates = _frame_candidates(probs[t], lp, p["char_threshold"], p["max_chars"])
        slot: dict[int, int] = {}
        ids: list[int] = []
        nb_b: list[float] = []
        nb_nb: list[float] = []
        new_from: dict[int, tuple[int, int]] = {}  # slot -> (prefix, character) of a new prefix

        def at(node: int) -> int:
            s = slot.get(node)
            if s is None:
                s = slot[node] = len(ids)
                ids.append(node)
                nb_b.append(NEG_INF)
                nb_nb.append(NEG_INF)
            return s

        for k in range(len(beam_ids)):
            i, b, nb = beam_ids[k], beam_b[k], beam_nb[k]
            total = _logaddexp(b, nb)
            s = at(i)
            nb_b[s] = _logaddexp(nb_b[s], total + blank)
            last = tree.char[i]
            if last >= 0:  # the last character again, with no blank between: the same prefix
                nb_nb[s] = _logaddexp(nb_nb[s], nb + float(lp[last]))
            for c in candidates:
                # a repeated character needs a blank between its two runs
                value = (b if c == last else total) + float(lp[c])
                if value == NEG_INF:  # no blank yet before a repeat: nothing to extend
                    continue
                j = tree.child.get(i * RADIX + c)
                if j is not None:
                    s = at(j)
                    nb_nb[s] = _logaddexp(nb_nb[s], value)
                elif c != SPACE or tree.length[i]:  # never a leading or a double space
                    # a new prefix, the only one from (i, c): made a node only if it may rank
                    new_from[len(ids)] = (i, c)
                    ids.append(-1)
                    nb_b.append(NEG_INF)
                    nb_nb.append(value)
        # rank: the known prefixes, then the new ones whose bound on their score (a character
        # never raises the LM score but for the exceptions in `bound`) reaches the known ones'
        # beam-th best; the others cannot rank, and skipping them changes nothing
        scores = {s: _logaddexp(nb_b[s], nb_nb[s]) + tree.lm_score(ids[s], False)
                  for s in range(len(ids)) if ids[s] >= 0}
        known = sorted(scores.values(), reverse=True)
        floor = known[p["beam"] - 1] if len(known) >= p["beam"] else NEG_INF
        for s, (i, c) in new_from.items():
            if nb_nb[s] + tree.bound(i) >= floor:
                ids[s] = tree.extend(i, c)
                scores[s] = nb_nb[s] + tree.lm_score(ids[s], False)
        order = sorted(scores, key=lambda s: (-scores[s], s))[:p["beam"]]  # the earlier on a tie
        beam_ids = [ids[s] for s in order]
        beam_b = [nb_b[s] for s in order]
        beam_nb = [nb_nb[s] for s in order]
    final = [_logaddexp(beam_b[k], beam_nb[k]) + tree.lm_score(beam_ids[k], True)
             for k in range(len(beam_ids))]
    texts = [tree.text(i) for i in beam_ids]
    # the empty reading last: there was ink, and reading nothing must not win merely because
    # every text pays its language model cost
    order = sorted(range(len(beam_ids)), key=lambda k: (texts[k] == "", -final[k]))
    hypotheses = [{"text": texts[k], "score": final[k]} for k in order]
    alternatives, seen = [], set()
    for h in hypotheses:
        word = last_word(h["text"])
        key = _core(word) or word
        if key not in seen and len(alternatives) < p["alternatives"]:
            seen.add(key)
            alternatives.append({"word": word, "score": h["score"]})
    best = hypotheses[0]
    return {"text": best["text"], "score": best["score"], "hypotheses": hypotheses,
            "alternatives": alternatives}


_AROUND = re.compile(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$")


def _core(word: str) -> str:
    """The word without the punctuation around it: alternatives that differ only there (hello,
    "hello, hello!) are one alternative, the best of them."""
    return _AROUND.sub("", word)


def last_word(text: str) -> str:
    """The text's last word (a trailing space ignored), "" for none."""
    words = text.split(" ")
    while words and words[-1] == "":
        words.pop()
    return words[-1] if words else ""


def encode_text(text: str) -> list[int]:
    """``text``'s characters as output indices; ``ValueError`` on one outside ``ALPHABET``."""
    out = []
    for ch in text:
        index = ALPHABET.find(ch)
        if index < 0 or len(ch) != 1:
            raise ValueError(f"{ch!r} is not in the alphabet (printable ASCII)")
        out.append(index)
    return out


__all__ = ["ALPHABET", "BLANK", "DEFAULT_PARAMS", "check_params", "decode_text", "encode_text",
           "greedy_decode", "last_word"]

