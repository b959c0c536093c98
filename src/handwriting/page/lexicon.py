"""The page's lexicon: lowercase words with quantised log-probabilities, in a compact text file,
read into a trie that the text decoder (``textdecoder.py``) walks while a word is being spelt.

The file (ASCII, ``\\n`` line ends) is a header line, then one line per word in code-point order:

- header: ``lexicon 1 step=<nats> words=<count>``, then `` | `` and the source and licence;
- a word: one character ``chr(33 + cost)``, one character ``chr(48 + shared)``, then the word
  after its first ``shared`` characters, which it shares with the previous word (front coding:
  sorted words share long prefixes). ``shared`` is the longest common prefix, exactly. The word's
  log-probability is ``-cost * step`` (its share of the lexicon's running words, 0 <= cost <= 93).

A word is lowercase letters with single apostrophes inside (``WORD``: "don't", "o'clock"); case
patterns, punctuation around a word and numbers are the decoder's business, not the lexicon's.
The trie has one node per distinct prefix; each node knows the log-probability of its own word
(``-inf`` if the prefix is not a word) and the best one below it, so the decoder knows the
language model's score of a word while it is still being written.

This module is the specification; ``web/js/lexicon.js`` reads the same file for the page and
tests/web/test_textdecoder_parity.py checks that both decode alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

FORMAT = "lexicon 1"
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
MAX_COST = 126 - 33  # the cost character stays printable ASCII
MAX_SHARED = 126 - 48
RADIX = 128  # a child's key: parent * RADIX + character code
ROOT = 0


def format_lexicon(words: Iterable[tuple[str, float]], step: float, attribution: str) -> str:
    """The file for ``(word, log-probability)`` pairs: each log-probability becomes the nearest
    multiple of ``step`` (costs past ``MAX_COST`` are clipped there). Raises ``ValueError`` on a
    word that is not ``WORD``, a repeated word, a positive log-probability or a bad step."""
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number of nats, got {step!r}")
    if "\n" in attribution:
        raise ValueError("the attribution must fit on the header line")
    costs: dict[str, int] = {}
    for word, logp in words:
        if not WORD.fullmatch(word):
            raise ValueError(f"{word!r} is not a lexicon word (lowercase letters, inner apostrophes)")
        if word in costs:
            raise ValueError(f"{word!r} is listed twice")
        if not logp <= 0:
            raise ValueError(f"{word!r}: log-probability {logp!r} is not <= 0")
        costs[word] = min(MAX_COST, round(-logp / step))
    lines = [f"{FORMAT} step={step:g} words={len(costs)} | {attribution}"]
    previous = ""
    for word in sorted(costs):
        shared = 0
        limit = min(len(word), len(previous), MAX_SHARED)
        while shared < limit and word[shared] == previous[shared]:
            shared += 1
        lines.append(chr(33 + costs[word]) + chr(48 + shared) + word[shared:])
        previous = word
    return "\n".join(lines) + "\n"


class Lexicon:
    """A parsed lexicon file: ``size`` words, ``step``, the ``attribution``, and the trie:
    ``child`` (``{parent * RADIX + ord(char): node}``), ``word_logp`` and ``best_logp`` per node
    (``-inf`` where none), the root being node ``ROOT``."""

    def __init__(self, text: str):
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        header = re.fullmatch(r"lexicon 1 step=(\S+) words=(\d+) \| (.*)", lines[0] if lines else "")
        if not header:
            raise ValueError(f"not a lexicon file: the first line must be '{FORMAT} step=... "
                             "words=... | source'")
        self.step = float(header.group(1))
        self.size = int(header.group(2))
        self.attribution = header.group(3)
        if not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"lexicon header: step {header.group(1)} is not a positive number")
        if len(lines) - 1 != self.size:
            raise ValueError(f"lexicon header promises {self.size} words, the file has {len(lines) - 1}")
        self.child: dict[int, int] = {}
        self.word_logp: list[float] = [-math.inf]
        self.best_logp: list[float] = [-math.inf]
        parent: list[int] = [-1]
        path = [ROOT]  # path[i]: the node of the previous word's first i characters
        previous = ""
        for number, line in enumerate(lines[1:], 2):
            cost, shared = (ord(line[0]) - 33, ord(line[1]) - 48) if len(line) >= 3 else (-1, -1)
            if not (0 <= cost <= MAX_COST and 0 <= shared <= len(previous)):
                raise ValueError(f"lexicon line {number}: malformed entry {line!r}")
            word = previous[:shared] + line[2:]
            # sorted, and `shared` the whole common prefix: then every node after it is new
            if not (WORD.fullmatch(word) and word > previous
                    and (shared == len(previous) or word[shared] != previous[shared])):
                raise ValueError(f"lexicon line {number}: {word!r} is not a lexicon word in order "
                                 f"after {previous!r}")
            del path[shared + 1:]
            node = path[shared]
            for ch in word[shared:]:
                new = len(parent)
                self.child[node * RADIX + ord(ch)] = new
                parent.append(node)
                self.word_logp.append(-math.inf)
                self.best_logp.append(-math.inf)
                path.append(new)
                node = new
            self.word_logp[node] = self.best_logp[node] = -cost * self.step
            previous = word
        # children come after their parent (words in order), so one backward pass gives the best
        for node in range(len(parent) - 1, 0, -1):
            up = parent[node]
            if self.best_logp[node] > self.best_logp[up]:
                self.best_logp[up] = self.best_logp[node]

    def node(self, word: str) -> int:
        """The trie node that spells ``word`` (lowercase), or -1."""
        node = ROOT
        for ch in word:
            node = self.child.get(node * RADIX + ord(ch), -1)
            if node < 0:
                return -1
        return node

    def logp(self, word: str) -> float:
        """``word``'s log-probability (as written: lowercase), ``-inf`` when not in the lexicon."""
        node = self.node(word)
        return self.word_logp[node] if node >= 0 else -math.inf

    def __contains__(self, word: str) -> bool:
        return self.logp(word) > -math.inf

    def __len__(self) -> int:
        return self.size


def parse_lexicon(text: str) -> Lexicon:
    """A lexicon file's text read into a ``Lexicon``; ``ValueError`` on anything malformed."""
    return Lexicon(text)


# What share of written words a lexicon covers (reports; no twin on the page).
# A written token: punctuation before, the word, punctuation after ("(415)", "week:", "\"so").
_TOKEN = re.compile(r"^[^A-Za-z0-9]*(.*?)[^A-Za-z0-9]*$")
_LETTERS = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def written_word(token: str) -> str | None:
    """The alphabetic word of one written token, case kept, punctuation around it removed
    ("(The" -> "The"); None for numbers, codes and symbols ("x86", "1995")."""
    core = _TOKEN.match(token).group(1)
    return core if _LETTERS.fullmatch(core) else None


def written_words(labels: Iterable[str]) -> list[str]:
    """The alphabetic words of ``labels`` (words or lines), as ``written_word`` keeps them."""
    return [w for label in labels for token in label.split()
            if (w := written_word(token)) is not None]


def covers(lexicon: Lexicon, word: str) -> bool:
    """Whether the decoder can read the alphabetic ``word`` from the lexicon: the word in
    lowercase is in it and written lower, Capitalised or UPPER ("iPhone" is not covered)."""
    return ((word.islower() or word.isupper() or word[1:].islower() or len(word) == 1)
            and word.lower() in lexicon)


def lexicon_coverage(lexicon: str | Lexicon, labels: Iterable[str]) -> dict:
    """What share of the alphabetic words in ``labels`` the lexicon covers (``covers``).
    Returns ``{"words", "covered", "share"}`` (share None for no words)."""
    if isinstance(lexicon, str):
        lexicon = Lexicon(lexicon)
    words = written_words(labels)
    covered = sum(1 for w in words if covers(lexicon, w))
    return {"words": len(words), "covered": covered,
            "share": covered / len(words) if words else None}
