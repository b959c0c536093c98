// Learning a user's handwriting from the corrections they pick.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/adapt.py; tests/web/test_adapt_parity.py compares both.
//
// One writer's plain bar is an l, another's a 1; the models cannot know which, but the user says
// so whenever they pick another guess for a character. metadata.json's `adaptation` holds `tau`,
// `beta` and `capacity`. The page remembers each pick as (shape, label), where a shape is the
// square roots of the fused probabilities before the size cue (`shapeProbs`); a new pick for the
// same character replaces its entry, and beyond `capacity` the oldest entry goes. A new character
// with shape s then gets, for every class c,
//
//     boost[c] = sum over remembered (s_j, c) of exp(-(|s - s_j| / tau)^2)
//     p_c <- p_c * exp(beta * boost[c]), renormalised (log space, p floored at 1e-30)

import { normalizeLog } from './fusion.js';

/** A shape's embedding: the square roots of its probabilities (negatives read as 0). */
export function embed(shapeProbs) {
  const out = new Float64Array(shapeProbs.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(Math.max(shapeProbs[i], 0));
  return out;
}

export const DEFAULTS = Object.freeze({ tau: 0.5, beta: 2, capacity: 500 });

export class Adaptation {
  /**
   * @param {object|undefined} cfg  metadata.json's adaptation (missing settings from DEFAULTS)
   * @param {number} nClasses       the model's class count
   */
  constructor(cfg, nClasses) {
    const bad = (what) => { throw new RangeError(`adaptation: ${what}`); };
    if (cfg !== undefined && cfg !== null && (typeof cfg !== 'object' || Array.isArray(cfg))) bad('must be an object');
    const { tau, beta, capacity } = { ...DEFAULTS, ...(cfg || {}) };
    const known = new Set([...Object.keys(DEFAULTS), 'enabled']);
    const unknown = Object.keys(cfg || {}).filter((k) => !known.has(k));
    if (unknown.length) bad(`unknown settings ${JSON.stringify(unknown.sort())}`);
    if (typeof tau !== 'number' || !(tau > 0)) bad(`tau must be a number > 0, got ${JSON.stringify(tau)}`);
    if (typeof beta !== 'number' || !(beta >= 0)) bad(`beta must be a number >= 0, got ${JSON.stringify(beta)}`);
    if (!Number.isInteger(capacity) || capacity < 1) bad(`capacity must be an integer >= 1, got ${JSON.stringify(capacity)}`);
    Object.assign(this, { tau, beta, capacity, nClasses });
    this.entries = new Map(); // key -> {shape: Float64Array, label: number}, oldest first
  }

  /** How many corrections are remembered. */
  get size() {
    return this.entries.size;
  }

  /** The user picked class `label` for the character `key` (any value; a new pick for the same
   *  key replaces the old one and keeps its place). */
  remember(key, shapeProbs, label) {
    if (!Number.isInteger(label) || label < 0 || label >= this.nClasses) {
      throw new RangeError(`label ${label} is not one of ${this.nClasses} classes`);
    }
    this.entries.set(key, { shape: embed(shapeProbs), label });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value);
  }

  /** Forget the correction of the character `key` (its first reading was picked back). */
  forget(key) {
    this.entries.delete(key);
  }

  /** The remembered picks, oldest first, as plain data for storage: `[{shape, label}]`, each
   *  shape the embedding rounded to 6 decimals. */
  dump() {
    return [...this.entries.values()].map(({ shape, label }) => ({
      shape: Array.from(shape, (v) => Math.round(v * 1e6) / 1e6), label,
    }));
  }

  /** Add `dump()`'s entries (after a reload) under keys of their own; entries of another model
   *  (a wrong length, a label out of range, a non-finite value) are skipped. Returns how many
   *  were restored. */
  restore(items) {
    let n = 0;
    for (const item of Array.isArray(items) ? items : []) {
      const { shape, label } = item || {};
      if (!Array.isArray(shape) || shape.length !== this.nClasses || !shape.every(Number.isFinite)) continue;
      if (!Number.isInteger(label) || label < 0 || label >= this.nClasses) continue;
      this.entries.set(Symbol('restored pick'), { shape: Float64Array.from(shape), label });
      n += 1;
    }
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value);
    return n;
  }

  /** Forget every correction. */
  clear() {
    this.entries.clear();
  }

  /** Per class, the summed kernel weights of the remembered shapes labelled with it. */
  boost(shapeProbs) {
    const out = new Float64Array(this.nClasses);
    if (this.entries.size === 0) return out;
    const s = embed(shapeProbs);
    for (const { shape, label } of this.entries.values()) {
      let d2 = 0;
      for (let i = 0; i < s.length; i++) {
        const d = s[i] - shape[i];
        d2 += d * d;
      }
      out[label] += Math.exp(-d2 / (this.tau * this.tau));
    }
    return out;
  }

  /** A new Float32Array: `probs` (after the size cue) moved by what the corrections say about
   *  this shape; a copy of `probs` while nothing is remembered. */
  apply(probs, shapeProbs) {
    if (this.entries.size === 0) return Float32Array.from(probs);
    const b = this.boost(shapeProbs);
    const s = new Float64Array(probs.length);
    for (let i = 0; i < s.length; i++) s[i] = Math.log(Math.max(probs[i], 1e-30)) + this.beta * b[i];
    return normalizeLog(s);
  }
}
