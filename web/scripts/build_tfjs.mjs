// Builds the TensorFlow.js runtime the page loads, from the pinned npm packages, holding only
// what the shipped models run: tfjs-core, tfjs-layers (loadLayersModel from memory and the layer
// classes), the wasm backend and the kernels of KERNELS below.
//
//   npm ci && npm run build:tfjs          (or: node web/scripts/build_tfjs.mjs [web folder])
//
// Writes to web/vendor/ (ES modules, minified, ES2020, each named by a hash of its bytes because
// vendor/ is cached for a year): tfjs.<hash>.js, the runtime, which imports tfjs-shared.<hash>.js;
// tfjs-cpu.<hash>.js, the cpu backend with the same kernels, which the page imports only where
// WebAssembly cannot run; the single-threaded wasm binaries, SIMD and plain (the threaded ones
// need cross-origin isolation that static hosts do not give); VERSIONS.json (packages, the
// kernels, sha256 of every file). And web/js/runtime.js, which names the files for recognizer.js.
// The output is the same bytes on every run, wherever the checkout is.
//
// The kernels are those the layers of the shipped models call (tests/web/test_tfjs_runtime.py
// maps each layer class of web/model/ to its kernels and fails when one is missing here). Left
// out: the webgl backend, gradients, optimizers, model stores and loaders other than
// io.fromMemory, the recurrent, depthwise, embedding, noise, padding and preprocessing layers and
// the wrappers, the threaded wasm glue, tfjs-converter and tfjs-data.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
// the web folder written (default web/; tests/web/test_tfjs_runtime.py builds into another)
const web = resolve(process.argv[2] || join(here, '..'));
const out = join(web, 'vendor');
const nm = join(root, 'node_modules');

/** The wasm kernels registered: what the shipped models' layers run (and Model.predict's Slice). */
export const KERNELS = [
  'Add', 'Cast', 'Concat', 'Conv2D', 'FusedBatchNorm', 'FusedConv2D', 'Identity', 'Max', 'MaxPool',
  'Mean', 'Relu', 'Reshape', 'Slice', 'Softmax', 'Square', 'Sub', 'Tile', 'Transpose',
  '_FusedMatMul',
];
const PACKAGES = ['tfjs-core', 'tfjs-layers', 'tfjs-backend-wasm', 'tfjs-backend-cpu'];
const WASM = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'];
const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['@tensorflow/tfjs'];
const MISSING = 'not in the TensorFlow.js build of web/scripts/build_tfjs.mjs';
// The notices of the bundled packages, once (their per-file headers are dropped by the minifier).
const BANNER = `/**
 * TensorFlow.js ${VERSION} (tfjs-core, tfjs-layers, tfjs-backend-wasm), built for this page by
 * web/scripts/build_tfjs.mjs. Copyright Google LLC. Licensed under the Apache License, Version 2.0:
 * http://www.apache.org/licenses/LICENSE-2.0
 * long.js, Copyright Daniel Wirtz. Licensed under the Apache License, Version 2.0.
 * seedrandom, Copyright 2019 David Bau. Permission is hereby granted, free of charge, to any person
 * obtaining a copy of this software and associated documentation files (the "Software"), to deal in
 * the Software without restriction, including without limitation the rights to use, copy, modify,
 * merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
 * to whom the Software is furnished to do so, subject to the following conditions: The above
 * copyright notice and this permission notice shall be included in all copies or substantial
 * portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
 * EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
 * PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
 * LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
 * OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 * IN THE SOFTWARE.
 */`;

function version(pkg) {
  return JSON.parse(readFileSync(join(nm, '@tensorflow', pkg, 'package.json'), 'utf8')).version;
}

for (const pkg of PACKAGES) {
  if (version(pkg) !== VERSION) throw new Error(`@tensorflow/${pkg} ${version(pkg)} installed, package.json pins ${VERSION}: run npm ci`);
}

/** {kernel name: [file, config export]} of a backend's dist/kernels/ (BatchNorm.js registers
 *  FusedBatchNorm on the cpu backend, ...). */
function kernelConfigs(backend) {
  const dir = join(nm, '@tensorflow', `tfjs-backend-${backend}`, 'dist', 'kernels');
  const found = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) {
    const source = readFileSync(join(dir, f), 'utf8');
    // `{kernelName: Add, ...}`, or createBinaryKernelConfig(Add, ...) and the like
    const re = /export const (\w+Config)\s*=\s*(?:\{\s*kernelName:\s*|create\w*KernelConfig\()(\w+)\b/g;
    for (const m of source.matchAll(re)) found[m[2]] ??= [f, m[1]];
  }
  return found;
}

/** An entry module registering KERNELS of `backend`. */
function registering(backend) {
  const configs = kernelConfigs(backend);
  const missing = KERNELS.filter((k) => !configs[k]);
  if (missing.length) throw new Error(`tfjs-backend-${backend} has no kernel ${missing.join(', ')}`);
  return [
    "import { registerKernel } from '@tensorflow/tfjs-core';",
    ...KERNELS.map((k) => `import { ${configs[k][1]} as ${k}Kernel } from '@tensorflow/tfjs-backend-${backend}/dist/kernels/${configs[k][0]}';`),
    `for (const c of [${KERNELS.map((k) => `${k}Kernel`).join(', ')}]) registerKernel(c);`,
  ];
}

const ENTRIES = {
  // the page's runtime: the engine, flags, platform and tensor op handler (without the
  // optimizers' registration), tfjs-layers' loadLayersModel, the wasm backend
  tfjs: [
    "import '@tensorflow/tfjs-core/dist/base_side_effects';",
    ...registering('wasm'),
    // what recognizer.js calls, and what benchmarks/web_latency.py reads
    "export { enableProdMode, engine, env, getBackend, io, memory, ready, setBackend, tensor, tensor4d, tidy } from '@tensorflow/tfjs-core';",
    "export { loadLayersModel } from '@tensorflow/tfjs-layers';",
    "export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm/dist/base';",
  ].join('\n'),
  // the cpu backend, imported only where WebAssembly cannot run (iOS Lockdown Mode, ...)
  'tfjs-cpu': [
    "import '@tensorflow/tfjs-backend-cpu/dist/base';",
    ...registering('cpu'),
  ].join('\n'),
};

// Modules of the packages replaced, by the end of their path: code the page never runs that the
// bundler cannot drop by itself (registered as a side effect, or reachable only through training).
const STUBS = {
  // every op's gradient (tfjs-layers imports them for training)
  'tfjs-core/dist/register_all_gradients.js': '',
  // model stores and loaders other than io.fromMemory: platform_browser.js registers the stores
  // in a try block, which the missing classes leave
  'tfjs-core/dist/io/indexed_db.js': 'export const BrowserIndexedDB = null, BrowserIndexedDBManager = null;',
  'tfjs-core/dist/io/local_storage.js': 'export const BrowserLocalStorage = null, BrowserLocalStorageManager = null;',
  'tfjs-core/dist/io/browser_files.js': `export function browserFiles() { throw new Error('${MISSING}'); }`,
  'tfjs-core/dist/io/http.js': `export function http() { throw new Error('${MISSING}'); }\n`
    + 'export const browserHTTPRequest = http;\nexport function isHTTPScheme() { return false; }',
  // optimizers: only LayersModel.compile (training) asks for one
  'tfjs-layers/dist/optimizers.js': `export function getOptimizer() { throw new Error('${MISSING}'); }`,
  // the multi-threaded wasm glue: threads stay off (recognizer.js)
  'tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js': `export default function () { throw new Error('${MISSING}'); }`,
  'tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js': 'export const wasmWorkerContents = "";',
};

// Layers' modules of layer classes no shipped model uses, and of training on datasets: each export
// becomes a function that throws (tests/web/test_tfjs_runtime.py keeps the models' layer classes
// out of these).
const THROWING = [
  'tfjs-layers/dist/layers/recurrent.js',
  'tfjs-layers/dist/layers/convolutional_recurrent.js',
  'tfjs-layers/dist/layers/wrappers.js',
  'tfjs-layers/dist/layers/convolutional_depthwise.js',
  'tfjs-layers/dist/layers/embeddings.js',
  'tfjs-layers/dist/layers/noise.js',
  'tfjs-layers/dist/layers/padding.js',
  ...['category_encoding', 'center_crop', 'image_preprocessing', 'image_resizing',
    'preprocessing_utils', 'random_width'].map((m) => `tfjs-layers/dist/layers/preprocessing/${m}.js`),
  'tfjs-layers/dist/engine/training_dataset.js',
];

/** A module whose every export (function, class, const or `export {...}` name) throws. */
function throwingModule(path) {
  const source = readFileSync(path, 'utf8');
  if (/^export \*/m.test(source)) throw new Error(`${path}: export * cannot be replaced`);
  const names = new Set();
  for (const m of source.matchAll(/^export (?:async )?(?:function\*?|class|const|let|var) (\w+)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const n of m[1].split(',')) if (n.trim()) names.add(n.trim().split(/\s+as\s+/).pop());
  }
  return [...names].map((n) => `export function ${n}() { throw new Error('${MISSING}'); }`).join('\n');
}

const lean = {
  name: 'lean-tfjs',
  setup(build) {
    build.onResolve({ filter: /^entry:/ }, (args) => ({ path: args.path.slice(6), namespace: 'entry' }));
    build.onLoad({ filter: /.*/, namespace: 'entry' }, (args) => ({ contents: ENTRIES[args.path], resolveDir: root, loader: 'js' }));
    // tfjs-core without its index's side effects (every optimizer registered)
    build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({ path: join(nm, '@tensorflow/tfjs-core/dist/base.js') }));
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const path = args.path.split('\\').join('/');
      const stub = Object.keys(STUBS).find((k) => path.endsWith(`/@tensorflow/${k}`));
      if (stub !== undefined) return { contents: STUBS[stub], loader: 'js' };
      if (THROWING.some((k) => path.endsWith(`/@tensorflow/${k}`))) return { contents: throwingModule(args.path), loader: 'js' };
      return undefined;
    });
  },
};

const result = await esbuild.build({
  entryPoints: Object.keys(ENTRIES).map((name) => ({ in: `entry:${name}`, out: name })),
  entryNames: '[name].[hash]',
  chunkNames: 'tfjs-shared.[hash]',
  outdir: out,
  splitting: true,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  banner: { js: BANNER },
  charset: 'utf8',
  write: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [lean],
});
if (process.env.META) console.log(await esbuild.analyzeMetafile(result.metafile));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
// Named by a hash of their bytes (esbuild's [hash] also hashes the checkout's path): the shared
// chunks first, then the entries that import them under those names.
const renamed = new Map();
const built = [];
const outputs = result.outputFiles.map((f) => ({ old: basename(f.path), text: f.text }))
  .sort((a, b) => Number(!a.old.startsWith('tfjs-shared.')) - Number(!b.old.startsWith('tfjs-shared.')));
for (const f of outputs) {
  let text = f.text;
  for (const [from, to] of renamed) text = text.split(`./${from}`).join(`./${to}`);
  const bytes = Buffer.from(text, 'utf8');
  const name = f.old.replace(/\.[A-Z0-9]+\.js$/, `.${sha(bytes).slice(0, 16)}.js`);
  renamed.set(f.old, name);
  built.push({ name, bytes });
}
const entryFile = (name) => renamed.get(basename(Object.entries(result.metafile.outputs)
  .find(([, o]) => o.entryPoint === `entry:${name}`)[0]));

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true });
for (const f of built) writeFileSync(join(out, f.name), f.bytes);
for (const f of WASM) copyFileSync(join(nm, '@tensorflow/tfjs-backend-wasm/dist', f), join(out, f));

const versions = {
  generated_by: 'web/scripts/build_tfjs.mjs',
  packages: Object.fromEntries(PACKAGES.map((p) => [`@tensorflow/${p}`, version(p)])),
  bundler: { esbuild: esbuild.version },
  runtime: entryFile('tfjs'),
  cpu_backend: entryFile('tfjs-cpu'),
  kernels: KERNELS,
  files: {
    ...Object.fromEntries(built.map((f) => [f.name, { from: 'web/scripts/build_tfjs.mjs', sha256: sha(f.bytes) }])),
    ...Object.fromEntries(WASM.map((f) => [f, {
      from: `@tensorflow/tfjs-backend-wasm/dist/${f}`, sha256: sha(readFileSync(join(out, f))),
    }])),
  },
  license: 'Apache-2.0 (TensorFlow.js, long.js) and MIT (seedrandom): the header of each .js file',
};
writeFileSync(join(out, 'VERSIONS.json'), JSON.stringify(versions, null, 2) + '\n');
// The chunk RUNTIME and CPU_BACKEND import: recognizer.js imports it first, so that evaluating
// the runtime is two tasks of the main thread, not one long one.
const sharedChunks = built.map((f) => f.name).filter((n) => n.startsWith('tfjs-shared.'));
if (sharedChunks.length !== 1) throw new Error(`expected one shared chunk, got ${sharedChunks.join(', ')}`);
const [shared] = sharedChunks;
mkdirSync(join(web, 'js'), { recursive: true });
writeFileSync(join(web, 'js', 'runtime.js'), [
  '// Written by web/scripts/build_tfjs.mjs: the TensorFlow.js runtime in web/vendor/, its files named',
  '// by their content (vendor/ is cached for a year). CPU_BACKEND: imported only when wasm fails.',
  '// SHARED: the chunk both import, imported on its own first (its evaluation a task of its own).',
  `export const RUNTIME = '${versions.runtime}';`,
  `export const SHARED = '${shared}';`,
  `export const CPU_BACKEND = '${versions.cpu_backend}';`,
  '',
].join('\n'));
for (const f of built) console.log(`wrote ${join(out, f.name)} (${f.bytes.length} bytes)`);
