// The strokes -> trajectory specification: how the stroke model sees a drawing.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/trajectory.py (numpy, used for training and benchmarks);
// tests/web/test_trajectory_parity.py runs this file in Node and compares both on the same
// strokes. Arithmetic is float64 in the same order as the Python, cast to float32 at the end.
//
// 1. strokes: array of strokes, each an array of [x, y] points (or {x, y}; any units, y grows
//    downward; entries after x, y are ignored). Empty strokes are ignored. Points must be
//    finite (RangeError otherwise).
// 2. Bounding box of all points, centre (cx, cy), side = max(width, height). No points, or
//    side == 0 (a single dot): nothing to recognise, return null.
// 3. Every point becomes ((x - cx) / side, (y - cy) / side): centred on the origin, longer side
//    1, aspect ratio kept.
// 4. The points of all strokes, in drawing order, form one path of n - 1 segments; segment i
//    runs from point i to point i + 1 and is ink when both points belong to the same stroke, a
//    pen-up jump otherwise. length[i] = sqrt(dx*dx + dy*dy); cum[0] = 0,
//    cum[i + 1] = cum[i] + length[i] (summed in order); L = cum[n - 1].
// 5. `points` samples equally spaced along the path: t_k = k * (L / (points - 1)) for
//    k < points - 1 and t_{points-1} = L. Sample k lies on segment i, the largest i <= n - 2
//    with cum[i] <= t_k (clipped to [0, n - 2]), at f = (t_k - cum[i]) / length[i] (0 for a
//    zero-length segment): p_k = p_i + f * (p_{i+1} - p_i); pen is 1 on ink, 0 on a jump.
// 6. Features of sample k: x, y, dx, dy, pen with (dx, dy) = p_{k+1} - p_k (0 for the last
//    sample). Result: Float32Array(points * 5), row-major (points, 5): the stroke model's input.

import { strokeBox } from './preprocess.js';

/** Features per sample: x, y, dx, dy, pen. */
export const FEATURES = 5;
/** Samples per drawing; the page uses metadata.json's stroke_model.points. */
export const DEFAULT_POINTS = 64;

/**
 * Trajectory features of a drawing (see the header).
 * @param {Array<Array<[number, number]|{x: number, y: number}>>} strokes
 * @param {number} [points]  samples along the path, an integer >= 2
 * @returns {Float32Array|null}  points * 5 values, row-major, or null if nothing to recognise
 */
export function trajectoryFeatures(strokes, points = DEFAULT_POINTS) {
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`points must be an integer >= 2, got ${points}`);

  // Steps 1-2: all points in drawing order, which segments are pen-up jumps, the bounding box.
  const { clean, minX, minY, maxX, maxY } = strokeBox(strokes);
  const xs = [], ys = [];
  const jump = []; // jump[i]: segment i (point i -> i + 1) crosses from one stroke to the next
  for (const stroke of clean) {
    if (xs.length > 0) jump[xs.length - 1] = true;
    for (const [x, y] of stroke) {
      xs.push(x);
      ys.push(y);
    }
  }
  const n = xs.length;
  if (n === 0) return null;
  const side = Math.max(maxX - minX, maxY - minY);
  if (!(side > 0)) return null;

  // Step 3: centre and scale.
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const px = new Float64Array(n), py = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    px[i] = (xs[i] - cx) / side;
    py[i] = (ys[i] - cy) / side;
  }

  // Step 4: segments, lengths, cumulative length.
  const nseg = n - 1; // >= 1: a drawing with side > 0 has two distinct points
  const dx = new Float64Array(nseg), dy = new Float64Array(nseg), length = new Float64Array(nseg);
  const cum = new Float64Array(n);
  for (let i = 0; i < nseg; i++) {
    dx[i] = px[i + 1] - px[i];
    dy[i] = py[i + 1] - py[i];
    length[i] = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
    cum[i + 1] = cum[i] + length[i];
  }
  const total = cum[n - 1];

  // Step 5: equally spaced samples along the path.
  const step = total / (points - 1);
  const qx = new Float64Array(points), qy = new Float64Array(points);
  const pen = new Uint8Array(points);
  let seg = 0;
  for (let k = 0; k < points; k++) {
    const t = k === points - 1 ? total : k * step;
    // largest i with cum[i] <= t (t never decreases, so the search only moves forward)
    while (seg + 1 < n && cum[seg + 1] <= t) seg++;
    const i = Math.min(seg, nseg - 1);
    const f = length[i] > 0 ? (t - cum[i]) / length[i] : 0;
    qx[k] = px[i] + f * dx[i];
    qy[k] = py[i] + f * dy[i];
    pen[k] = jump[i] ? 0 : 1;
  }

  // Step 6: features.
  const out = new Float32Array(points * FEATURES);
  for (let k = 0; k < points; k++) {
    const o = k * FEATURES;
    out[o] = qx[k];
    out[o + 1] = qy[k];
    if (k + 1 < points) {
      out[o + 2] = qx[k + 1] - qx[k];
      out[o + 3] = qy[k + 1] - qy[k];
    }
    out[o + 4] = pen[k];
  }
  return out;
}
