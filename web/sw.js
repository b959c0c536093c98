// Service worker: the app works offline after the first visit.
//
// - App shell (HTML, CSS, JS, icons, manifest) and the vendored TensorFlow.js runtime are
//   precached at install.
// - App shell: network first, cache as fallback, so a deployment is picked up on the next visit
//   while online and the page still opens offline.
// - Vendored runtime (pinned versions): cache first.
// - model/model.json, model/stroke_model.json (the optional stroke model that metadata.json's
//   stroke_model names) and model/metadata.json: network first, so a new model from a new
//   `kedro run` reaches returning visitors; the cached copy is used offline.
// - Content-hashed weight files (model/weights.<hash>.bin, both models'): cache first (a new
//   model has new names); weights referenced by neither the latest model.json nor the stroke
//   model the latest metadata.json names are deleted from the cache.
// The models are also cached at install (best effort), so the first visit already leaves
// everything needed to work offline.

const VERSION = 'v2';
const SHELL_CACHE = `hw-shell-${VERSION}`;
const MODEL_CACHE = 'hw-model';

const SHELL = [
  './',
  'index.html',
  'app.css',
  'manifest.webmanifest',
  'js/app.js',
  'js/controls.js',
  'js/info-panel.js',
  'js/modes.js',
  'js/storage.js',
  'js/test-hook.js',
  'js/ui.js',
  'js/decoder.js',
  'js/drawing.js',
  'js/fusion.js',
  'js/sizecue.js',
  'js/adapt.js',
  'js/preprocess.js',
  'js/recognizer.js',
  'js/trajectory.js',
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
const STROKE_JSON = 'model/stroke_model.json';
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
  let weights = weightUrls(topology, abs(MODEL_JSON));
  const meta = await fetch(abs(METADATA_JSON), { cache: 'no-cache' });
  if (meta.ok) {
    const stroke = strokeModelUrl(await meta.clone().json());
    await cache.put(abs(METADATA_JSON), meta);
    if (stroke) {
      const sres = await fetch(stroke, { cache: 'no-cache' });
      if (sres.ok) {
        weights = weights.concat(weightUrls(await sres.clone().json(), stroke));
        await cache.put(stroke, sres);
      }
    }
  }
  await Promise.all(weights.map(async (url) => {
    if (await cache.match(url)) return;
    const w = await fetch(url);
    if (w.ok) await cache.put(url, w);
  }));
  await pruneWeights(cache, weights);
}

/** The stroke model's topology URL named by metadata.json (stroke_model.path), or null. */
function strokeModelUrl(meta) {
  const c = meta && meta.stroke_model;
  if (!c || typeof c !== 'object') return null;
  return new URL(typeof c.path === 'string' && c.path ? c.path : 'stroke_model.json', abs(MODEL_JSON)).href;
}

function weightUrls(topology, topologyUrl) {
  return (topology.weightsManifest || [])
    .flatMap((group) => group.paths || [])
    .map((p) => new URL(p, topologyUrl).href);
}

/** Weight URLs of the cached model.json and of the stroke model the cached metadata names. */
async function cachedWeightUrls(cache) {
  const read = async (url) => {
    const hit = url && await cache.match(url, { ignoreSearch: true });
    try { return hit ? await hit.json() : null; } catch { return null; }
  };
  const urls = [];
  const topology = await read(abs(MODEL_JSON));
  if (topology) urls.push(...weightUrls(topology, abs(MODEL_JSON)));
  const stroke = strokeModelUrl(await read(abs(METADATA_JSON)));
  const strokeTopology = await read(stroke);
  if (strokeTopology) urls.push(...weightUrls(strokeTopology, stroke));
  return urls;
}

/** Delete the cached weights not in `keep` (URLs, or an async function giving them). The keys
 *  are listed first: a weight file is only cached after its topology, so every weight listed
 *  here that is still wanted is referenced by what is cached when `keep()` reads it. */
async function pruneWeights(cache, keep) {
  const keys = await cache.keys();
  const wanted = new Set(typeof keep === 'function' ? await keep() : keep);
  for (const req of keys) {
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

  if (path === MODEL_JSON || path === STROKE_JSON) {
    // a new topology was cached: drop the weights neither model references any more
    event.respondWith(networkFirst(req, MODEL_CACHE, (_res, cache) => pruneWeights(cache, () => cachedWeightUrls(cache))));
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
