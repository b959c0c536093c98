// The ink -> pen-line specification: how the words model sees a word or a line of writing.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/penline.py (numpy, used for training and benchmarks);
// tests/web/test_penline_parity.py runs this file in Node and compares both on the same ink.
// Arithmetic is float64 in the same order as the Python, cast to float32 at the end.
//
// 1. strokes: array of strokes, each an array of [x, y] points (or {x, y}; any units, y grows
//    downward). Empty strokes are ignored. Points must be finite (RangeError otherwise).
// 2. The writing's scale, height: the length-weighted median of the strokes' heights (strokes
//    sorted by height, stably; the height of the first at which the summed arc lengths reach
//    half the total). When 0: the bounding box's height, but at least its width / 8; 1 when
//    that is 0 too. top: the smallest y of all points.
// 3. Each stroke resampled by arc length every d = step * height (points at 0, d, 2d, ...),
//    then its last point when it lies more than d / 2 beyond the last sample.
// 4. Features per resampled point, in drawing order: dx, dy (from the previous point, / height,
//    0 for the first, clipped to [-JUMP_LIMIT, JUMP_LIMIT]), y = (y - top) / height - 0.5,
//    lift = 1 on the first point of each stroke. Float32Array(points * 4), row-major.

/** Features per point: dx, dy, y, lift. */
export const FEATURES = 4;
export const DEFAULT_STEP = 0.2;
export const JUMP_LIMIT = 4.0;

function cleanStrokes(strokes) {
  const clean = [];
  for (const stroke of strokes || []) {
    if (!stroke || stroke.length === 0) continue;
    const pts = stroke.map((p) => (Array.isArray(p) ? [+p[0], +p[1]] : [+p.x, +p.y]));
    for (const [x, y] of pts) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError('stroke points must be finite');
    }
    clean.push(pts);
  }
  return clean;
}

function arcLength(stroke) {
  let total = 0;
  for (let i = 1; i < stroke.length; i++) {
    const dx = stroke[i][0] - stroke[i - 1][0];
    const dy = stroke[i][1] - stroke[i - 1][1];
    total += Math.sqrt(dx * dx + dy * dy);
  }
  return total;
}

/** Step 2: the writing's scale. */
export function writingHeight(strokes) {
  const heights = strokes.map((s) => {
    let lo = Infinity, hi = -Infinity;
    for (const p of s) { if (p[1] < lo) lo = p[1]; if (p[1] > hi) hi = p[1]; }
    return hi - lo;
  });
  const lengths = strokes.map(arcLength);
  const order = heights.map((_, i) => i).sort((a, b) => heights[a] - heights[b]);
  const cum = [];
  let sum = 0;
  for (const i of order) { sum += lengths[i]; cum.push(sum); }
  if (sum > 0) {
    const half = sum / 2;
    let k = 0;
    while (cum[k] < half) k++;
    const median = heights[order[k]];
    if (median > 0) return median;
  }
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const s of strokes) {
    for (const [x, y] of s) {
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
  }
  const height = Math.max(maxY - minY, (maxX - minX) / 8);
  return height > 0 ? height : 1.0;
}

/** Step 3 for one stroke: [x, y] points every `spacing` along it, then its end when far enough. */
function resample(stroke, spacing) {
  const n = stroke.length;
  const cum = [0];
  for (let i = 1; i < n; i++) {
    const dx = stroke[i][0] - stroke[i - 1][0];
    const dy = stroke[i][1] - stroke[i - 1][1];
    cum.push(cum[i - 1] + Math.sqrt(dx * dx + dy * dy));
  }
  const total = cum[n - 1];
  if (n === 1 || total === 0) return [stroke[0]];
  const count = Math.floor(total / spacing) + 1;
  const out = [];
  let i = 0;
  let last = 0;
  for (let k = 0; k < count; k++) {
    const t = k * spacing;
    last = t;
    while (i < n - 2 && cum[i + 1] <= t) i++;
    const len = cum[i + 1] - cum[i];
    const f = len > 0 ? (t - cum[i]) / len : 0;
    out.push([
      stroke[i][0] + f * (stroke[i + 1][0] - stroke[i][0]),
      stroke[i][1] + f * (stroke[i + 1][1] - stroke[i][1]),
    ]);
  }
  if (total - last > spacing / 2) out.push(stroke[n - 1]);
  return out;
}

const clip = (v) => Math.min(JUMP_LIMIT, Math.max(-JUMP_LIMIT, v));

/**
 * Pen-line features of a word or line of ink (see the header).
 * @param {Array<Array<[number, number]|{x: number, y: number}>>} strokes
 * @param {number} [step]  spacing of the resampled points, in writing heights (> 0)
 * @returns {Float32Array}  points * 4 values, row-major (empty for no ink)
 */
export function penlineFeatures(strokes, step = DEFAULT_STEP) {
  if (typeof step !== 'number' || !Number.isFinite(step) || !(step > 0)) {
    throw new RangeError(`step must be a number > 0, got ${step}`);
  }
  const clean = cleanStrokes(strokes);
  if (clean.length === 0) return new Float32Array(0);
  const height = writingHeight(clean);
  let top = Infinity;
  for (const s of clean) for (const p of s) if (p[1] < top) top = p[1];
  const points = [];
  for (const stroke of clean) {
    resample(stroke, step * height).forEach((p, k) => points.push([p[0], p[1], k === 0 ? 1 : 0]));
  }
  const out = new Float32Array(points.length * FEATURES);
  for (let k = 0; k < points.length; k++) {
    const [x, y, lift] = points[k];
    if (k > 0) {
      out[k * 4] = clip((x - points[k - 1][0]) / height);
      out[k * 4 + 1] = clip((y - points[k - 1][1]) / height);
    }
    out[k * 4 + 2] = (y - top) / height - 0.5;
    out[k * 4 + 3] = lift;
  }
  return out;
}
