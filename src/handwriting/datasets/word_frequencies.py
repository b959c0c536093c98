"""A general English word list with frequencies, read from the ``wordfreq`` package (a pinned
dependency), for the page's lexicon.

wordfreq's code is Apache-2.0 and its word lists CC BY-SA 4.0 (docs/language_model.md): a
lexicon built from them may be shipped with the page, with the attribution the lexicon file's
header carries. Reading the list through this dataset keeps the package out of the nodes.
"""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError


class WordFrequencies(AbstractDataset[None, dict[str, float]]):
    """Read-only: ``load()`` returns ``{word: frequency}``, each word's share of the running
    words of ``language``'s ``wordlist`` ("large": every word down to 1e-8; "small": 1e-6).

    Words are as wordfreq tokenises them: lowercase, with apostrophes kept ("don't"), digits
    folded to 0 ("0000"), other scripts and emoji included; the lexicon node picks what it keeps.
    """

    def __init__(self, language: str = "en", wordlist: str = "large"):
        self._language = language
        self._wordlist = wordlist

    def load(self) -> dict[str, float]:
        try:
            import wordfreq
        except ImportError as exc:  # the dependency is pinned in pyproject.toml
            raise DatasetError("the wordfreq package is missing: pip install -e . installs it") from exc
        try:
            words = wordfreq.get_frequency_dict(self._language, wordlist=self._wordlist)
        except (LookupError, ValueError) as exc:
            raise DatasetError(f"wordfreq has no {self._wordlist!r} word list for "
                               f"{self._language!r}: {exc}") from exc
        if not words:
            raise DatasetError(f"wordfreq's {self._wordlist!r} list for {self._language!r} is empty")
        return dict(words)

    def save(self, data: Any) -> None:
        raise DatasetError("WordFrequencies is read-only: the list comes with the wordfreq package")

    def _describe(self) -> dict[str, Any]:
        return {"language": self._language, "wordlist": self._wordlist}
