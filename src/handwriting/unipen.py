"""UNIPEN pen trajectories: which samples are clean, and which writers are held out.

Real pen data serves twice: as extra training data (rendered through the canvas spec, exactly as
the page renders a drawing) and as the measure of what users feel. So that the measure stays
honest, writers are split once, by a stable hash of the writer id: samples of a held-out writer
are never trained on, and every UNIPEN figure we report is on held-out writers only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from handwriting.page.sizecue import ink_height

# Contributors the UNIPEN README flags as noisy: screen-pixel staircase strokes (apa, app) or
# characters cut out of cursive writing (kai, cea, ceb, mot, sie, lav).
NOISY_CONTRIBUTORS = frozenset({"apa", "app", "kai", "cea", "ceb", "mot", "sie", "lav"})


def is_clean(record: dict) -> bool:
    return record["contrib"] not in NOISY_CONTRIBUTORS


def _position(writer: str) -> float:
    """The writer's stable place in [0, 1): the hash every split of the writers reads."""
    digest = hashlib.sha256(writer.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_heldout_writer(writer: str, fraction: float) -> bool:
    """Stable writer split: the same writer is held out on every machine and every run."""
    return _position(writer) < fraction


def select(records: Iterable[dict], *, heldout: bool, fraction: float,
           clean_only: bool) -> list[dict]:
    """Records of the held-out (or the training) writers, optionally clean contributors only."""
    return [r for r in records
            if is_heldout_writer(r["writer"], fraction) == heldout and (not clean_only or is_clean(r))]


def drawing_height(record: dict) -> float:
    """The height of a sample's ink in its recording's own units (0 without points).

    The page fits every drawing to its box, so this is what it throws away: a lowercase s is
    drawn smaller than an S by the same hand, which the page's size cue reads.
    """
    return ink_height(record["strokes"])

