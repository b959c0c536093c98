"""Deterministic stand-ins for the words model, written the same way in Python (here) and in
JavaScript (``FAKES_JS``, for the parity test): pen-line features in, per-frame probabilities
over the alphabet and the CTC blank out, float32."""

from __future__ import annotations

import math

import numpy as np

from handwriting.page.textdecoder import ALPHABET, BLANK

OUTPUTS = BLANK + 1


def _frames(points: int) -> int:
    return (points + 1) // 2


def smooth(features: np.ndarray) -> np.ndarray:
    """A smooth function of each frame's first point (a small change of the ink changes the
    probabilities a little), blank-heavy; one row too many when the points are a multiple of 3
    (a padded output, which the reader trims)."""
    points = len(features)
    rows = _frames(points) + (1 if points % 3 == 0 else 0)
    out = np.zeros((rows, OUTPUTS), np.float64)
    for t in range(rows):
        f = [float(v) for v in features[min(2 * t, points - 1)]]
        logits = [3 * math.cos(0.37 * c + 5 * f[0] + 3 * f[1]) + 2 * math.sin(0.11 * c + 4 * f[2])
                  + 2 * f[3] * math.cos(0.05 * c) for c in range(OUTPUTS)]
        logits[BLANK] += 2.5
        top = max(logits)
        e = [math.exp(v - top) for v in logits]
        total = sum(e)
        out[t] = [v / total for v in e]
    return out.astype(np.float32)


def spelling(text: str):
    """A model that spells ``text`` whatever the ink, spread evenly over the frames: the first
    frame of each character's share reads it (0.9), the others the blank (0.9)."""
    def predict(features: np.ndarray) -> np.ndarray:
        n = _frames(len(features))
        out = np.full((n, OUTPUTS), 0.1 / BLANK, np.float64)
        for t in range(n):
            k = t * len(text) // n
            first = t == 0 or (t - 1) * len(text) // n != k
            out[t, ALPHABET.index(text[k]) if first else BLANK] = 0.9
        return out.astype(np.float32)
    return predict


FAKES_JS = """
const OUTPUTS = 96, BLANK = 95;
const framesOf = (points) => Math.floor((points + 1) / 2);
function smooth(features, points) {
  const rows = framesOf(points) + (points % 3 === 0 ? 1 : 0);
  const out = new Float32Array(rows * OUTPUTS);
  for (let t = 0; t < rows; t++) {
    const k = Math.min(2 * t, points - 1);
    const f = [0, 1, 2, 3].map((j) => features[k * 4 + j]);
    const logits = [];
    for (let c = 0; c < OUTPUTS; c++) {
      logits.push(3 * Math.cos(0.37 * c + 5 * f[0] + 3 * f[1]) + 2 * Math.sin(0.11 * c + 4 * f[2])
        + 2 * f[3] * Math.cos(0.05 * c));
    }
    logits[BLANK] += 2.5;
    const top = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - top));
    let total = 0;
    for (const v of e) total += v;
    for (let c = 0; c < OUTPUTS; c++) out[t * OUTPUTS + c] = e[c] / total;
  }
  return out;
}
function spelling(text) {
  return (features, points) => {
    const n = framesOf(points);
    const rows = [];
    for (let t = 0; t < n; t++) {
      const row = new Array(OUTPUTS).fill(0.1 / BLANK);
      const k = Math.floor(t * text.length / n);
      const first = t === 0 || Math.floor((t - 1) * text.length / n) !== k;
      row[first ? text.charCodeAt(k) - 32 : BLANK] = 0.9;
      rows.push(Array.from(Float32Array.from(row)));
    }
    return rows;
  };
}
"""
