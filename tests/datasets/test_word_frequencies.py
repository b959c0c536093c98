"""The general word list comes through the catalog from the pinned wordfreq package."""

from __future__ import annotations

import pytest
from kedro.io import DatasetError

from handwriting.datasets import WordFrequencies


def test_the_english_list_loads_with_frequencies():
    words = WordFrequencies("en", "small").load()
    assert len(words) > 10_000
    assert max(words, key=words.get) == "the"
    assert 0 < words["hello"] < words["the"] < 1
    assert "don't" in words


def test_an_unknown_list_or_language_is_a_dataset_error():
    with pytest.raises(DatasetError, match="no 'large' word list for 'xx'"):
        WordFrequencies("xx", "large").load()
    with pytest.raises(DatasetError, match="no 'huge'"):
        WordFrequencies("en", "huge").load()


def test_it_is_read_only():
    with pytest.raises(DatasetError, match="read-only"):
        WordFrequencies().save({"a": 1.0})


def test_without_the_package_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "wordfreq", None)  # import fails
    with pytest.raises(DatasetError, match=r"wordfreq package is missing: pip install -e \."):
        WordFrequencies().load()
