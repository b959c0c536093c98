// The size cue: how tall a character is against the characters before it in the line.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/sizecue.py; tests/web/test_sizecue_parity.py compares both.
//
// The page fits every drawing to its box, so a lowercase s and an S, or o, O and 0, look alike to
// both models; the same hand draws them at different heights. metadata.json's `size_cue` holds,
// fitted on training writers: `typical` (per class, its height over the writer's usual height),
// `k`, `least`, `clip`, `bins`, `weight` and `loglik` (per class, ln P(bin | class)). For a new
// character of ink height h:
//
//     reference = median of h_i / typical[label_i] over the last k earlier characters of the line
//                 (none with fewer than `least`)
//     r = clip(ln(h / reference), -clip, clip),  b = floor((r + clip) * bins / (2 clip)) in 0..bins-1
//     p_c <- p_c * exp(weight * loglik[c][b]), renormalised (log space, p floored at 1e-30)

import { normalizeLog } from './fusion.js';

/** The bounding-box height of a drawing's points ([x, y] or {x, y}); 0 without points. */
export function inkHeight(strokes) {
  let lo = Infinity, hi = -Infinity;
  for (const stroke of strokes || []) {
    for (const p of stroke || []) {
      const y = Array.isArray(p) || ArrayBuffer.isView(p) ? p[1] : p.y;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  }
  return hi >= lo ? hi - lo : 0;
}

function median(values) {
  const v = Float64Array.from(values).sort();
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

export class SizeCue {
  /**
   * @param {object} cfg     metadata.json's size_cue
   * @param {string[]} labels the model's classes
   */
  constructor(cfg, labels) {
    const bad = (what) => { throw new RangeError(`size_cue: ${what}`); };
    if (!cfg || typeof cfg !== 'object') bad('must be an object');
    const { k, least, clip, bins, weight } = cfg;
    if (!Number.isInteger(k) || k < 1) bad(`k must be an integer >= 1, got ${JSON.stringify(k)}`);
    if (!Number.isInteger(least) || least < 0) bad(`least must be an integer >= 0, got ${JSON.stringify(least)}`);
    if (!Number.isInteger(bins) || bins < 1) bad(`bins must be an integer >= 1, got ${JSON.stringify(bins)}`);
    if (!(clip > 0)) bad(`clip must be > 0, got ${JSON.stringify(clip)}`);
    if (!(weight >= 0)) bad(`weight must be >= 0, got ${JSON.stringify(weight)}`);
    if (!cfg.typical || typeof cfg.typical !== 'object') bad('typical must be an object');
    if (!cfg.loglik || typeof cfg.loglik !== 'object') bad('loglik must be an object');
    Object.assign(this, { k, least, clip, bins, weight });
    this.index = new Map(labels.map((c, i) => [c, i]));
    this.typical = labels.map((c) => (cfg.typical[c] === undefined ? 1 : cfg.typical[c]));
    this.loglik = labels.map((c) => {
      const row = cfg.loglik[c];
      if (row === undefined) return new Float64Array(bins); // never seen: no effect
      if (!Array.isArray(row) || row.length !== bins || !row.every(Number.isFinite)) {
        bad(`loglik.${c} must be ${bins} finite numbers`);
      }
      return Float64Array.from(row);
    });
  }

  /**
   * r of a new character of ink height `height` after `previous` ({height, label}, oldest first;
   * labels the model does not know are skipped); NaN without a usable reference.
   */
  ratio(height, previous) {
    const norm = [];
    for (const { height: h, label } of previous) {
      const c = this.index.get(label);
      if (c === undefined || !(h > 0) || !(this.typical[c] > 0)) continue;
      norm.push(h / this.typical[c]);
    }
    if (norm.length < Math.max(this.least, 1) || !(height > 0)) return NaN;
    const ref = median(norm.slice(-this.k));
    if (!(ref > 0)) return NaN;
    return Math.max(-this.clip, Math.min(this.clip, Math.log(height / ref)));
  }

  /** The bin of a finite r. */
  bin(r) {
    return Math.min(this.bins - 1, Math.max(0, Math.floor((r + this.clip) * this.bins / (2 * this.clip))));
  }

  /** A new Float32Array: `probs` times the size's likelihood, renormalised; a copy of `probs`
   *  when r is NaN. */
  apply(probs, r) {
    if (!Number.isFinite(r)) return Float32Array.from(probs);
    const b = this.bin(r);
    const n = probs.length;
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = Math.log(Math.max(probs[i], 1e-30)) + this.weight * this.loglik[i][b];
    return normalizeLog(s);
  }
}
