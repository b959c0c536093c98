// Service worker: the page works offline after the first visit, and nothing is downloaded twice.
//
// - Nothing is fetched at install. The worker takes control of the open page at once (claim), and
//   every same-origin GET it sees is cached on the way (below). What the page fetched before the
//   worker controlled it, the page names once it has loaded (js/offline.js posts
//   {cache: [urls]}); the worker copies each one it has not cached from the browser's HTTP cache
//   (`force-cache`: the response the page just got, no second download where the host lets the
//   browser cache it), so the first visit leaves everything the page needs offline, and only
//   that: the wasm binary this browser runs, not the other; no icons the page did not load.
// - App shell (HTML, CSS, JS): network first, cache as fallback, so a deployment is picked up on
//   the next visit while online and the page still opens offline.
// - The TensorFlow.js runtime (vendor/, named by its content): cache first.
// - The model (model/, see js/manifest.js): model/manifest.json network first, so a new model
//   from a new `kedro run` reaches returning visitors; the cached copy is used offline. The files
//   it names, model/files/<sha256>.<json|bin|txt>, are addressed by their content: cache first, but a
//   cached copy is served only when its SHA-256 is the one its name says (a damaged one is deleted
//   and fetched again), and a network copy is cached only when it matches. Whenever a manifest
//   arrives, cached model files it does not name are deleted.

const VERSION = 'v5';
const SHELL_CACHE = `hw-shell-${VERSION}`;
const MODEL_CACHE = 'hw-model';
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
 *  with `mode` (cached when they are; a damaged cached copy is fetched again past the HTTP
 *  cache). */
async function verifiedFile(request, mode = 'default') {
  const cache = await caches.open(MODEL_CACHE);
  const want = CONTENT_ADDRESSED.exec(new URL(request.url).pathname)[1];
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) {
    if (await sha256Hex(hit.clone()) === want) return hit;
    await cache.delete(request, { ignoreSearch: true }); // damaged: never served again
  }
  const res = await fetch(request.url, { cache: hit ? 'reload' : mode });
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

/** The cache that keeps `url` (a path under the scope). */
const cacheFor = (path) => (path.startsWith('model/') ? MODEL_CACHE : SHELL_CACHE);

/** Cache what the page fetched before this worker controlled it (js/offline.js), each from the
 *  HTTP cache where it is there; what is cached already is left alone. */
async function keepFetched(urls) {
  for (const url of new Set(urls)) {
    const u = new URL(url, scope);
    u.hash = '';
    if (u.origin !== scope.origin || !u.href.startsWith(scope.href)) continue;
    const path = u.href.slice(scope.href.length);
    if (path === 'sw.js') continue;
    try {
      if (CONTENT_ADDRESSED.test(u.pathname)) {
        await verifiedFile(new Request(u.href), 'force-cache');
        continue;
      }
      const cache = await caches.open(cacheFor(path));
      if (await cache.match(u.href)) continue;
      const res = await fetch(u.href, { cache: 'force-cache' });
      if (res.ok) await cache.put(u.href, res);
    } catch { /* offline again, or gone: the next visit caches it on the way */ }
  }
  // the page names every runtime file it used: others are an older build's
  const used = new Set(urls.map((url) => new URL(url, scope).href));
  const shell = await caches.open(SHELL_CACHE);
  for (const req of await shell.keys()) {
    if (req.url.startsWith(abs('vendor/')) && !used.has(req.url)) await shell.delete(req);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('hw-shell-') && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const urls = event.data && event.data.cache;
  if (!Array.isArray(urls)) return;
  // a page that opened while this worker was activating missed its claim: it is taken now
  const done = self.clients.claim().then(() => keepFetched(urls.filter((u) => typeof u === 'string')));
  event.waitUntil(done);
  // the page may wait for it (tests, and js/offline.js's `cached` promise)
  if (event.ports && event.ports[0]) done.then(() => event.ports[0].postMessage({ cached: true }));
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
    const hit = await cache.match(request, { ignoreSearch: true })
      // a page opened offline at another address of the same document
      || (request.mode === 'navigate' && (await cache.match(abs('./'), { ignoreSearch: true })
        || await cache.match(abs('index.html'), { ignoreSearch: true })));
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
    event.respondWith(verifiedFile(req, req.cache === 'reload' ? 'reload' : 'default'));
  } else if (path.startsWith('model/')) {
    event.respondWith(networkFirst(req, MODEL_CACHE));
  } else if (path.startsWith('vendor/')) {
    event.respondWith(cacheFirst(req, SHELL_CACHE));
  } else {
    event.respondWith(networkFirst(req, SHELL_CACHE));
  }
});
