// The reading of a word or a line of ink: pen-line features, the words model, the text decoder.
//
// Pure ES module, no DOM and no TF.js: the caller passes the model as predict(features, points).
// The specification is src/handwriting/page/wordreader.py; tests/web/test_wordreader_parity.py
// runs this file in Node against it.
//
// readLine(strokes, predict, lexicon, settings):
// 1. settings: metadata.json's words_model entry: step (pen-line spacing, default DEFAULT_STEP),
//    decoder (the text decoder's settings) and alphabet (when given, it must be ALPHABET).
// 2. features = penlineFeatures(strokes, step); no ink reads as
//    { text: '', score: 0, alternatives: [], frames: 0 } without calling the model.
// 3. probs = predict(features, points): the words model on this one pen line (features a
//    Float32Array of points * 4), at least frames(points) = ceil(points / 2) rows of 96
//    probabilities, as rows or flat (a tensor's dataSync()); rows past that (a padded input) are
//    dropped, fewer is an error. predict may return a promise: readLine then returns one too.
// 4. decodeText(probs, lexicon, settings.decoder) -> { text, score, alternatives, frames }.

import { penlineFeatures, DEFAULT_STEP, FEATURES } from './penline.js';
import { decodeText, ALPHABET, BLANK } from './textdecoder.js';

/** Pen-line points per output frame of the words model. */
export const STRIDE = 2;
const OUTPUTS = BLANK + 1;

/** Output frames of the words model for a pen line of `points` points. */
export function frames(points) {
  return Math.floor((points + STRIDE - 1) / STRIDE);
}

function stepOf(settings) {
  const s = settings || {};
  if (s.alphabet !== undefined && s.alphabet !== null && s.alphabet !== ALPHABET) {
    throw new Error("the words model's alphabet is not the text decoder's (printable ASCII)");
  }
  return s.step === undefined ? DEFAULT_STEP : s.step;
}

/** Step 3: the first frames(points) rows of the model's output, rows or flat. */
function trimmed(probs, points) {
  const need = frames(points);
  const rows = probs && probs.length && typeof probs[0] === 'object';
  const have = !probs ? 0 : rows ? probs.length : probs.length / OUTPUTS;
  if (!(Number.isInteger(have) && have >= need)) {
    const shape = rows ? `${probs.length} rows` : `${probs ? probs.length : 0} values`;
    throw new Error(`the words model gave ${shape} for ${points} points; expected at least `
      + `[${need}, ${OUTPUTS}]`);
  }
  if (rows) return probs.slice(0, need);
  return probs.subarray ? probs.subarray(0, need * OUTPUTS) : probs.slice(0, need * OUTPUTS);
}

function reading(probs, points, lexicon, settings) {
  const p = trimmed(probs, points);
  const decoded = decodeText(p, lexicon, (settings || {}).decoder);
  const { text, score, alternatives } = decoded;
  return { text, score, alternatives, frames: frames(points) };
}

/**
 * The reading of one word or line of ink (see the header).
 * @param {Array<Array<[number, number]|{x: number, y: number}>>} strokes
 * @param {(features: Float32Array, points: number) => (ArrayLike|Promise<ArrayLike>)} predict
 * @param {object|null} lexicon  a Lexicon from lexicon.js, or null for the open vocabulary
 * @param {object} settings  metadata.json's words_model entry
 * @returns {{text, score, alternatives, frames}|Promise<{text, score, alternatives, frames}>}
 */
export function readLine(strokes, predict, lexicon, settings) {
  const features = penlineFeatures(strokes, stepOf(settings));
  const points = features.length / FEATURES;
  if (points === 0) return { text: '', score: 0, alternatives: [], frames: 0 };
  const probs = predict(features, points);
  if (probs && typeof probs.then === 'function') {
    return probs.then((p) => reading(p, points, lexicon, settings));
  }
  return reading(probs, points, lexicon, settings);
}
