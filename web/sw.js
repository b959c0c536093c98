// Service worker: the app works offline after the first visit.
//
// - App shell (HTML, CSS, JS, icons, manifest) and the vendored TensorFlow.js runtime are
//   precached at install.
// - App shell: network first, cache as fallback, so a deployment is picked up on the next visit
//   while online and the page still opens offline.
// - Vendored runtime (pinned versions): cache first.
// - model/model.json and model/metadata.json: network first, so a new model from a new
//   `kedro run` reaches returning visitors; the cached copy is used offline.
// - Content-hashed weight files (model/weights.<hash>.bin): cache first (a new model has new
//   names); weights no longer referenced by the latest model.json are deleted from the cache.
// The model is also cached at install (best effort), so the first visit already leaves
// everything needed to work offline.

const VERSION = 'v1';
const SHELL_CACHE = `hw-shell-${VERSION}`;
const MODEL_CACHE = 'hw-model';

const SHELL = [
  './',
  'index.html',
  'app.css',
  'manifest.webmanifest',
  'js/app.js',
  'js/decoder.js',
  'js/drawing.js',
  'js/preprocess.js',
  'js/recognizer.js',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'vendor/tf.min.js',
  'vendor/tf-backend-wasm.min.js',
  'vendor/tfjs-backend-wasm.wasm',
  'vendor/tfjs-backend-wasm-simd.wasm',
];
const MODEL_JSON = 'model/model.json';
const METADATA_JSON = 'model/metadata.json';

const scope = new URL(self.registration.scope);
const abs = (path) => new URL(path, scope).href;
const HASHED_WEIGHTS = /\/model\/weights\.[0-9a-f]{6,}\.bin$/i;

async function cacheModel() {
  const cache = await caches.open(MODEL_CACHE);
  const res = await fetch(abs(MODEL_JSON), { cache: 'no-cache' });
  if (!res.ok) return;
  const topology = await res.clone().json();
  await cache.put(abs(MODEL_JSON), res);
  const meta = await fetch(abs(METADATA_JSON), { cache: 'no-cache' });
  if (meta.ok) await cache.put(abs(METADATA_JSON), meta);
  const weights = weightUrls(topology);
  await Promise.all(weights.map(async (url) => {
    if (await cache.match(url)) return;
    const w = await fetch(url);
    if (w.ok) await cache.put(url, w);
  }));
  await pruneWeights(cache, weights);
}

function weightUrls(topology) {
  const base = new URL(MODEL_JSON, scope);
  return (topology.weightsManifest || [])
    .flatMap((group) => group.paths || [])
    .map((p) => new URL(p, base).href);
}

async function pruneWeights(cache, keep) {
  const wanted = new Set(keep);
  for (const req of await cache.keys()) {
    if (req.url.endsWith('.bin') && !wanted.has(req.url)) await cache.delete(req);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL.map((p) => new Request(abs(p), { cache: 'reload' })));
    try { await cacheModel(); } catch { /* no model yet: the page shows the error */ }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('hw-shell-') && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, cacheName, onFresh) {
  const cache = await caches.open(cacheName);
  try {
    // Revalidate with the server (navigation requests cannot be re-initialised).
    const res = await (request.mode === 'navigate' ? fetch(request) : fetch(request, { cache: 'no-cache' }));
    if (res.ok) {
      await cache.put(request, res.clone());
      if (onFresh) onFresh(res.clone(), cache).catch(() => {});
    }
    return res; // a 404 from the server is passed on (the model was removed), not masked
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || !url.href.startsWith(scope.href)) return;
  const path = url.href.slice(scope.href.length);

  if (path === MODEL_JSON) {
    event.respondWith(networkFirst(req, MODEL_CACHE, async (res, cache) => {
      await pruneWeights(cache, weightUrls(await res.json()));
    }));
  } else if (path === METADATA_JSON) {
    event.respondWith(networkFirst(req, MODEL_CACHE));
  } else if (HASHED_WEIGHTS.test(url.pathname)) {
    event.respondWith(cacheFirst(req, MODEL_CACHE));
  } else if (path.startsWith('model/')) {
    event.respondWith(networkFirst(req, MODEL_CACHE));
  } else if (path.startsWith('vendor/')) {
    event.respondWith(cacheFirst(req, SHELL_CACHE));
  } else {
    event.respondWith(networkFirst(req, SHELL_CACHE));
  }
});
