// The service worker (sw.js): registered as the page starts, so that what the page fetches once
// it controls the page is cached on the way; once the page has loaded, it is told every
// same-origin file the page fetched, and caches those it has not (from the browser's HTTP cache),
// so the first visit already works offline without anything downloaded twice.

/** Register sw.js; `loaded` resolves when the page has finished loading. Resolves to whether the
 *  worker has cached the page's files (false where there is no service worker). */
export async function keepOffline(loaded, url = 'sw.js') {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return false;
  try {
    await navigator.serviceWorker.register(url);
    await loaded;
    const { active } = await navigator.serviceWorker.ready;
    const fetched = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]
      .filter((u) => new URL(u).origin === location.origin);
    const channel = new MessageChannel();
    const answered = new Promise((resolve) => { channel.port1.onmessage = () => resolve(true); });
    active.postMessage({ cache: fetched }, [channel.port2]);
    return await answered;
  } catch (err) {
    console.warn('service worker not registered:', err);
    return false;
  }
}
