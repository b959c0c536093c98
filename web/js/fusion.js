// How the page combines its two models' opinions of one drawing.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/fusion.py; tests/web/test_trajectory_parity.py compares both.
//
// The image model (the rendered ink) and the stroke model (the pen path, trajectory.js) are
// treated as independent experts: their probabilities are multiplied, the stroke model's raised
// to `weight`, and renormalised. In log space (float64), with probabilities floored at FLOOR so
// that one model's certainty cannot veto the other with a hard zero:
//
//     s_i = ln(max(pImage_i, FLOOR)) + weight * ln(max(pStroke_i, FLOOR))
//     p_i = exp(s_i - max(s)) / sum_j exp(s_j - max(s))
//
// weight 0, or no stroke probabilities (no stroke model, or nothing to read): the image model
// alone.

export const FLOOR = 1e-12;
export const DEFAULT_WEIGHT = 1.0;

/**
 * Fused probabilities of one drawing.
 * @param {ArrayLike<number>} pImage   the image model's probabilities
 * @param {ArrayLike<number>|null} pStroke  the stroke model's (same length), or null
 * @param {number} [weight]  exponent of the stroke model, >= 0
 * @returns {Float32Array}  a new array (a copy of pImage when pStroke is null or weight is 0)
 */
export function fuse(pImage, pStroke, weight = DEFAULT_WEIGHT) {
  if (!(weight >= 0)) throw new RangeError(`fusion weight must be >= 0, got ${weight}`);
  if (pStroke === null || pStroke === undefined || weight === 0) return Float32Array.from(pImage);
  const n = pImage.length;
  if (pStroke.length !== n) throw new RangeError(`probability lengths differ: ${n} vs ${pStroke.length}`);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = Math.log(Math.max(pImage[i], FLOOR)) + weight * Math.log(Math.max(pStroke[i], FLOOR));
  }
  return normalizeLog(s);
}

/**
 * Probabilities from log scores: exp(s_i - max(s)) / sum_j exp(s_j - max(s)), computed in float64
 * (`s` is overwritten), returned as a new Float32Array. Shared with sizecue.js.
 * @param {Float64Array} s
 */
export function normalizeLog(s) {
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) if (s[i] > max) max = s[i];
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    s[i] = Math.exp(s[i] - max);
    sum += s[i];
  }
  const out = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s[i] / sum;
  return out;
}
