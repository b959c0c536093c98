// Copies the pinned TensorFlow.js runtime from node_modules into web/vendor/ so that web/
// works as-is on any static host, with no CDN and no build step (web/vendor/ is committed).
//
//   npm ci && npm run vendor
//
// Only the UMD bundles and the single-threaded wasm binaries are copied: the multi-threaded
// wasm build needs cross-origin isolation (COOP/COEP headers) that plain static hosts do not
// send, so recognizer.js switches threads off. Source-map comments are stripped because the
// maps are not shipped. VERSIONS.json records versions and sha256 of every copied file.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const out = resolve(here, '..', 'vendor');
const nm = join(root, 'node_modules', '@tensorflow');

const FILES = [
  ['tfjs', 'dist/tf.min.js', 'tf.min.js'],
  ['tfjs-backend-wasm', 'dist/tf-backend-wasm.min.js', 'tf-backend-wasm.min.js'],
  ['tfjs-backend-wasm', 'dist/tfjs-backend-wasm.wasm', 'tfjs-backend-wasm.wasm'],
  ['tfjs-backend-wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-simd.wasm'],
];

function version(pkg) {
  return JSON.parse(readFileSync(join(nm, pkg, 'package.json'), 'utf8')).version;
}

const expected = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
for (const pkg of new Set(FILES.map(([p]) => p))) {
  const want = expected[`@tensorflow/${pkg}`];
  if (want && version(pkg) !== want) {
    throw new Error(`@tensorflow/${pkg} ${version(pkg)} installed, package.json pins ${want}: run npm ci`);
  }
}

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true });

const manifest = { generated_by: 'web/scripts/vendor.mjs', packages: {}, files: {} };
for (const [pkg, src, dst] of FILES) {
  const from = join(nm, pkg, src);
  const to = join(out, dst);
  if (dst.endsWith('.js')) {
    const text = readFileSync(from, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
    writeFileSync(to, text);
  } else {
    copyFileSync(from, to);
  }
  manifest.packages[`@tensorflow/${pkg}`] = version(pkg);
  manifest.files[dst] = {
    from: `@tensorflow/${pkg}/${src}`,
    sha256: createHash('sha256').update(readFileSync(to)).digest('hex'),
  };
  console.log(`vendored ${dst}`);
}
manifest.license = 'Apache-2.0 (see the @license header of each .js file): TensorFlow.js, Copyright Google LLC';
writeFileSync(join(out, 'VERSIONS.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote ${out}`);
