"""The page's language model: a general English word list -> the lexicon file the text decoder
reads (src/handwriting/page/lexicon.py), and the share of a set of words it covers.

The lexicon comes from the general list only, never from the handwriting's labels: many UNIPEN
words repeat across writers, and a lexicon built from them would flatter every figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from handwriting.page.lexicon import WORD, Lexicon, format_lexicon

# A written token: punctuation before, the word, punctuation after ("(415)", "week:", "\"so").
_TOKEN = re.compile(r"^[^A-Za-z0-9]*(.*?)[^A-Za-z0-9]*$")
_LETTERS = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def build_lexicon(word_frequencies: dict[str, float], params: dict) -> str:
    """The lexicon file's text: the ``params["words"]`` most frequent words that are lexicon
    words (lowercase letters, inner apostrophes; numbers and symbols are the decoder's open
    vocabulary), each with its log share of the kept words' frequency, quantised to
    ``params["step"]`` nats; the header carries ``params["attribution"]``."""
    kept = sorted(((w, f) for w, f in word_frequencies.items() if f > 0 and WORD.fullmatch(w)),
                  key=lambda wf: (-wf[1], wf[0]))[:params["words"]]
    if not kept:
        raise ValueError("the word list has no lowercase word to build a lexicon from")
    total = math.fsum(f for _, f in kept)
    return format_lexicon(((w, math.log(f / total)) for w, f in kept), params["step"],
                          params["attribution"])


def written_words(labels: Iterable[str]) -> list[str]:
    """The alphabetic words of ``labels`` (words or lines) as written, case kept, punctuation
    around them removed ("(The" -> "The"); numbers, codes and symbols are left out."""
    out = []
    for label in labels:
        for token in label.split():
            core = _TOKEN.match(token).group(1)
            if _LETTERS.fullmatch(core):
                out.append(core)
    return out


def lexicon_coverage(lexicon: str | Lexicon, labels: Iterable[str]) -> dict:
    """What share of the alphabetic words in ``labels`` the lexicon can read: the word in
    lowercase is in the lexicon and written lower, Capitalised or UPPER (the case patterns the
    decoder allows; "iPhone" is not covered). Returns ``{"words", "covered", "share"}`` (share
    None for no words)."""
    if isinstance(lexicon, str):
        lexicon = Lexicon(lexicon)
    words = written_words(labels)
    covered = sum(1 for w in words
                  if (w.islower() or w.isupper() or w[1:].islower() or len(w) == 1)
                  and w.lower() in lexicon)
    return {"words": len(words), "covered": covered,
            "share": covered / len(words) if words else None}
