"""The page's language model: a general English word list -> the lexicon file the text decoder
reads (src/handwriting/page/lexicon.py; its ``lexicon_coverage`` gives the share of a set of
words it covers).

The lexicon comes from the general list only, never from the handwriting's labels: many UNIPEN
words repeat across writers, and a lexicon built from them would flatter every figure.
"""

from __future__ import annotations

import math

from handwriting.page.lexicon import WORD, format_lexicon


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
