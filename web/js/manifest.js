// The model folder's manifest: which files make one model version, and whether bytes are one of them.
//
// Pure ES module, no DOM: it runs in the page and in Node. The authoritative definition is
// src/handwriting/page/manifest.py; tests/web/test_manifest_parity.py compares both.
//
// model/manifest.json is {format: 1, version, files: {name: {sha256, bytes}}} with the logical
// names the page asks for (metadata.json, model.json, the weight files the topologies name). Each
// file lives at files/<sha256><suffix>: addressed by its content, so it never changes, and a page
// that read one manifest loads one version whole. The manifest is the only file replaced in place.

export const FORMAT = 1;
export const MANIFEST = 'manifest.json';
export const FILES = 'files';
export const REQUIRED = ['model.json'];
export const SUFFIXES = ['.json', '.bin', '.txt'];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DIGEST = /^[0-9a-f]{64}$/;

export class ManifestError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ManifestError';
  }
}

const quoted = (name) => JSON.stringify(name);
const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

export function suffix(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

/** A logical file name: a plain file name ending in .json, .bin or .txt (the lexicon). */
export function checkName(name) {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 200) {
    throw new ManifestError(`${MANIFEST}: bad file name ${quoted(String(name))}`);
  }
  if (!SUFFIXES.includes(suffix(name))) throw new ManifestError(`${MANIFEST}: ${quoted(name)} must end in .json, .bin or .txt`);
  return name;
}

const isCount = (x) => Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER;

/** The manifest in `text`, checked: {format, version, files: {name: {sha256, bytes}}}; a
 *  ManifestError says what is wrong. */
export function parseManifest(text) {
  let raw;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ManifestError(`${MANIFEST} is not valid JSON`);
  }
  if (!isObject(raw)) throw new ManifestError(`${MANIFEST} must be a JSON object`);
  if (raw.format !== FORMAT) throw new ManifestError(`${MANIFEST}: format must be ${FORMAT} (this page reads no other)`);
  if (typeof raw.version !== 'string' || !raw.version) throw new ManifestError(`${MANIFEST}: version must be a non-empty string`);
  if (!isObject(raw.files)) throw new ManifestError(`${MANIFEST}: files must be an object`);
  const files = {};
  for (const [name, entry] of Object.entries(raw.files)) {
    checkName(name);
    if (!isObject(entry)) throw new ManifestError(`${MANIFEST}: ${quoted(name)} must be an object`);
    if (typeof entry.sha256 !== 'string' || !DIGEST.test(entry.sha256)) {
      throw new ManifestError(`${MANIFEST}: ${quoted(name)} needs a sha256 of 64 lowercase hex digits`);
    }
    if (!isCount(entry.bytes)) throw new ManifestError(`${MANIFEST}: ${quoted(name)} needs bytes, a whole number >= 0`);
    files[name] = { sha256: entry.sha256, bytes: entry.bytes };
  }
  for (const name of REQUIRED) {
    if (!(name in files)) throw new ManifestError(`${MANIFEST} names no ${name}`);
  }
  return { format: FORMAT, version: raw.version, files };
}

/** Where logical file `name` lives, relative to the model folder: files/<sha256><suffix>. */
export function filePath(manifest, name) {
  const entry = Object.hasOwn(manifest.files, name) ? manifest.files[name] : undefined;
  if (entry === undefined) throw new ManifestError(`${MANIFEST} names no ${name}`);
  return `${FILES}/${entry.sha256}${suffix(name)}`;
}

/** SHA-256 of `bytes` (Uint8Array) as 64 hex digits: SubtleCrypto where the page has it, which is
 *  only in secure contexts (https, localhost); sha256Fallback on e.g. http://<LAN address>. */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return sha256Fallback(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 (FIPS 180-4) in plain JavaScript, for pages without SubtleCrypto. */
export function sha256Fallback(bytes) {
  const n = bytes.length;
  const padded = new Uint8Array(Math.ceil((n + 9) / 64) * 64);
  padded.set(bytes);
  padded[n] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(n / 0x20000000));
  view.setUint32(padded.length - 4, (n * 8) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x, r) => (x >>> r) | (x << (32 - r));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

/** `bytes` (Uint8Array) when they are file `name` of the manifest (its size and SHA-256), else a
 *  ManifestError naming the file. */
export async function verifyFile(manifest, name, bytes, digest = sha256Hex) {
  const where = `${name} (${filePath(manifest, name)})`;
  const entry = manifest.files[name];
  if (bytes.length !== entry.bytes) throw new ManifestError(`${where}: ${bytes.length} bytes, the manifest says ${entry.bytes}`);
  if (await digest(bytes) !== entry.sha256) {
    throw new ManifestError(`${where}: SHA-256 does not match the manifest (a damaged or mixed copy)`);
  }
  return bytes;
}
