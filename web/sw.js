// Service worker: the app works offline after the first visit.
//
// - App shell (HTML, CSS, JS, icons, manifest) and the vendored TensorFlow.js runtime are
//   precached at install.
// - App shell: network first, cache as fallback, so a deployment is picked up on the next visit
//   while online and the page still opens offline.
// - Vendored runtime (pinned versions): cache first.
// - The model (model/, see js/manifest.js): model/manifest.json network first, so a new model
//   from a new `kedro run` reaches returning visitors; the cached copy is used offline. The files
//   it names, model/files/<sha256>.<json|bin|txt>, are addressed by their content: cache first, but a
//   cached copy is served only when its SHA-256 is the one its name says (a damaged one is deleted
//   and fetched again), and a network copy is cached only when it matches. Whenever a manifest
//   arrives, cached model files it does not name are deleted.
// The model is also cached at install (best effort), so the first visit already leaves
// everything needed to work offline.

const VERSION = 'v4';
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
  'js/lexicon.js',
  'js/manifest.js',
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
  'js/penline.js',
  'js/textdecoder.js',
  'js/wordreader.js',
  'js/trajectory.js',
  'js/words.js',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'vendor/tf.min.js',
  'vendor/tf-backend-wasm.min.js',
  'vendor/tfjs-backend-wasm.wasm',
  'vendor/tfjs-backend-wasm-simd.wasm',
];
const MANIFEST = 'model/manifest.json';

const scope = new URL(self.registration.scope);
const abs = (path) => new URL(path, scope).href;
// model/files/<sha256><suffix>: the digest its bytes must have
const CONTENT_ADDRESSED = /\/model\/files\/([0-9a-f]{64})\.(?:json|bin|txt)$/;

async function sha256Hex(response) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await response.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The content addresses of the files a manifest names (filePath in js/manifest.js; what is not
 *  a well-formed entry is skipped: the page reports it). */
function manifestFileUrls(manifest) {
  const files = manifest && typeof manifest.files === 'object' && manifest.files ? manifest.files : {};
  return Object.entries(files)
    .filter(([name, e]) => e && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) && /\.(json|bin|txt)$/.test(name))
    .map(([name, e]) => abs(`model/files/${e.sha256}${name.slice(name.lastIndexOf('.'))}`));
}

/** A model file from the cache when its bytes are the ones its name says, else from the network
 *  (cached when they are). `reload`: past the HTTP cache. */
async function verifiedFile(request, reload = false) {
  const cache = await caches.open(MODEL_CACHE);
  const want = CONTENT_ADDRESSED.exec(new URL(request.url).pathname)[1];
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) {
    if (await sha256Hex(hit.clone()) === want) return hit;
    await cache.delete(request, { ignoreSearch: true }); // damaged: never served again
  }
  const res = await fetch(request.url, { cache: hit || reload ? 'reload' : 'default' });
  if (res.ok && await sha256Hex(res.clone()) === want) await cache.put(request.url, res.clone());
  return res; // a damaged network copy is passed on: the page's own check names the file
}

/** Delete the cached model entries the manifest does not name (older versions, older layouts). */
async function pruneModel(cache, manifest) {
  const keep = new Set([abs(MANIFEST), ...manifestFileUrls(manifest)]);
  for (const req of await cache.keys()) {
    if (!keep.has(req.url)) await cache.delete(req);
  }
}

async function cacheModel() {
  const cache = await caches.open(MODEL_CACHE);
  const res = await fetch(abs(MANIFEST), { cache: 'no-cache' });
  if (!res.ok) return;
  const manifest = await res.clone().json();
  await cache.put(abs(MANIFEST), res);
  await Promise.all(manifestFileUrls(manifest).map((url) => verifiedFile(new Request(url))));
  await pruneModel(cache, manifest);
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

  if (path === MANIFEST) {
    // a new manifest was cached: drop the files it does not name
    event.respondWith(networkFirst(req, MODEL_CACHE, async (res, cache) => pruneModel(cache, await res.json())));
  } else if (CONTENT_ADDRESSED.test(url.pathname)) {
    event.respondWith(verifiedFile(req, req.cache === 'reload'));
  } else if (path.startsWith('model/')) {
    event.respondWith(networkFirst(req, MODEL_CACHE));
  } else if (path.startsWith('vendor/')) {
    event.respondWith(cacheFirst(req, SHELL_CACHE));
  } else {
    event.respondWith(networkFirst(req, SHELL_CACHE));
  }
});
