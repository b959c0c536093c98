"""Custom Kedro datasets: EMNIST IDX files (with their download), arrays, UNIPEN strokes,
the web model folder, a word list with frequencies.

Names resolve lazily so that importing one dataset does not import TensorFlow or tensorflowjs.
"""

from importlib import import_module

_WHERE = {
    "EMNISTSplitDataset": "handwriting.datasets.emnist",
    "EMNISTMappingDataset": "handwriting.datasets.emnist",
    "ArraysDataset": "handwriting.datasets.arrays",
    "StaticModelDirectory": "handwriting.datasets.static_model",
    "StrokesDataset": "handwriting.datasets.strokes",
    "WordFrequencies": "handwriting.datasets.word_frequencies",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
