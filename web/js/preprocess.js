// The canvas -> 28x28 specification: pen strokes in, model input out.
//
// Pure ES module, no DOM: it runs in the page and in Node (tests/web/test_preprocess_parity.py runs
// it with `node --input-type=module` and compares with src/handwriting/page/preprocess.py,
// the Python implementation of the same specification, to 1e-4).
//
// 1. strokes: array of strokes, each an array of [x, y] points (any units, y grows downward).
// 2. Bounding box of all points; side = max(width, height). No points, or side == 0 (a single
//    dot): return null, "nothing to recognise".
// 3. k = (inner - 2*radius) / side; X = (x - cx)*k + size/2 (same for y): the box centre lands
//    on the image centre, the inked extent fills the inner square, aspect ratio kept.
// 4. For each output pixel (row i, col j), centre (j + 0.5, i + 0.5): d = distance to the nearest
//    stroke segment (a one-point stroke is a point); ink = 1 if d <= radius, else
//    exp(-(d - radius)^2 / (2 softness^2)) (softness <= 0: hard edge, 0 outside).
// 5. Float32Array(size*size), row-major, values in [0, 1], ink 1 on background 0.

/** Defaults; must equal CanvasSpec() in src/handwriting/page/preprocess.py. The page uses
 *  the canvas_spec of web/model/metadata.json, these only fill in missing keys. */
export const DEFAULT_SPEC = Object.freeze({ size: 28, inner: 24, radius: 1.0, softness: 0.6 });

/** A complete, validated spec object from a (possibly partial) one; unknown keys ignored. */
export function normalizeSpec(spec = {}) {
  const s = { ...DEFAULT_SPEC };
  for (const key of Object.keys(DEFAULT_SPEC)) {
    if (spec && spec[key] !== undefined && spec[key] !== null) s[key] = Number(spec[key]);
  }
  if (!Number.isInteger(s.size) || s.size <= 0) throw new RangeError(`size must be a positive integer, got ${s.size}`);
  if (!(s.inner > 0 && s.inner <= s.size)) throw new RangeError(`inner must be in (0, size], got ${s.inner}`);
  if (!(s.radius >= 0)) throw new RangeError(`radius must be >= 0, got ${s.radius}`);
  if (!(s.inner - 2 * s.radius > 0)) throw new RangeError('inner - 2 * radius must be > 0');
  if (!Number.isFinite(s.softness)) throw new RangeError(`softness must be finite, got ${s.softness}`);
  return Object.freeze(s);
}

/** [x, y] of a point given as [x, y, ...] or {x, y}; RangeError if not finite. */
export function pointXY(p) {
  // [x, y] (extra entries such as time or pressure are ignored) or {x, y}.
  const x = Array.isArray(p) || ArrayBuffer.isView(p) ? p[0] : p.x;
  const y = Array.isArray(p) || ArrayBuffer.isView(p) ? p[1] : p.y;
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError('stroke points must be finite');
  return [x, y];
}

/** The non-empty strokes as [x, y] arrays (validated) and their bounding box; shared with
 *  trajectory.js, whose specification starts the same way. */
export function strokeBox(strokes) {
  const clean = [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const stroke of strokes || []) {
    if (!stroke || stroke.length === 0) continue;
    const pts = [];
    for (const p of stroke) {
      const [x, y] = pointXY(p);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      pts.push([x, y]);
    }
    clean.push(pts);
  }
  return { clean, minX, minY, maxX, maxY };
}

/** Strokes mapped into output-pixel coordinates (steps 2-3), or null if nothing to draw. */
export function transformStrokes(strokes, spec = DEFAULT_SPEC) {
  const s = normalizeSpec(spec);
  const { clean, minX, minY, maxX, maxY } = strokeBox(strokes);
  if (clean.length === 0) return null;
  const side = Math.max(maxX - minX, maxY - minY);
  if (!(side > 0)) return null;
  const k = (s.inner - 2 * s.radius) / side;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const half = s.size / 2;
  return clean.map((pts) => pts.map(([x, y]) => [(x - cx) * k + half, (y - cy) * k + half]));
}

/**
 * Render strokes to the model input.
 * @param {Array<Array<[number, number]>>} strokes
 * @param {object} spec  {size, inner, radius, softness} (missing keys: DEFAULT_SPEC)
 * @returns {Float32Array|null}  size*size values, row-major, or null if nothing to recognise
 */
export function preprocess(strokes, spec = DEFAULT_SPEC) {
  const s = normalizeSpec(spec);
  const mapped = transformStrokes(strokes, s);
  if (mapped === null) return null;

  // Segments as flat arrays: start (ax, ay) and direction (dx, dy); one-point strokes are
  // zero-length segments.
  const ax = [], ay = [], dx = [], dy = [], ll = [];
  for (const pts of mapped) {
    if (pts.length === 1) {
      ax.push(pts[0][0]); ay.push(pts[0][1]); dx.push(0); dy.push(0); ll.push(0);
      continue;
    }
    for (let n = 0; n + 1 < pts.length; n++) {
      const ddx = pts[n + 1][0] - pts[n][0];
      const ddy = pts[n + 1][1] - pts[n][1];
      ax.push(pts[n][0]); ay.push(pts[n][1]); dx.push(ddx); dy.push(ddy); ll.push(ddx * ddx + ddy * ddy);
    }
  }
  const nseg = ax.length;
  const size = s.size;
  const out = new Float32Array(size * size);
  const r = s.radius;
  const twoS2 = 2 * s.softness * s.softness;
  for (let i = 0; i < size; i++) {
    const py = i + 0.5;
    for (let j = 0; j < size; j++) {
      const px = j + 0.5;
      let best = Infinity;
      for (let n = 0; n < nseg; n++) {
        const wx = px - ax[n];
        const wy = py - ay[n];
        let t = ll[n] > 0 ? (wx * dx[n] + wy * dy[n]) / ll[n] : 0;
        if (t < 0) t = 0; else if (t > 1) t = 1;
        const ex = wx - t * dx[n];
        const ey = wy - t * dy[n];
        const d2 = ex * ex + ey * ey;
        if (d2 < best) best = d2;
      }
      const d = Math.sqrt(best);
      let ink;
      if (d <= r) ink = 1;
      else if (s.softness > 0) ink = Math.exp(-((d - r) * (d - r)) / twoS2);
      else ink = 0;
      out[i * size + j] = ink;
    }
  }
  return out;
}
