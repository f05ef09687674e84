/**
 * The site's service worker, built to `sw.js` at the site root (see `vite-plugin.ts`).
 *
 * 1. Cross-origin isolation on any static host: every same-origin response it serves carries
 *    COOP/COEP, so the page gets SharedArrayBuffer (tfjs WASM threads) and 5 µs timers even where
 *    the host cannot send those headers (GitHub Pages). The page reloads once when the worker first
 *    takes control (`register.ts`).
 * 2. Offline after the first visit: the install downloads every file of the build into one cache,
 *    keyed by revision (`cache-plan.ts`); responses come from that cache first, so a reload works with
 *    the network cut. A new build changes this file (the list below), the browser installs the new
 *    worker, which fetches only the changed files and deletes the old ones.
 *
 * It never requests anything beyond its own origin.
 */
import { CachePlan, cacheName, type PrecacheEntry } from './cache-plan';

/** The build's entries, written in by the Vite plugin. */
declare const __PRECACHE__: PrecacheEntry[];

const sw = self as unknown as ServiceWorkerGlobalScope;
const plan = new CachePlan(sw.registration.scope, __PRECACHE__);
const CACHE = cacheName(sw.registration.scope);
/** Downloads at once during an install: enough to keep the connection busy, few enough not to crowd out the page's own. */
const INSTALL_CONCURRENCY = 4;
const NO_BODY = new Set([101, 103, 204, 205, 304]);

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const todo = plan.toFetch((await cache.keys()).map((r) => r.url));
      // An entry that cannot be fetched fails the install: a worker serves a complete build or none.
      // What was cached stays, so the browser's next attempt (the next visit) fetches only the rest.
      await forEachLimited(todo, INSTALL_CONCURRENCY, async (entry) => {
        // no-cache: revalidate with the host, so a stale HTTP-cache copy is not stored under a new revision.
        const response = await fetch(plan.url(entry), { cache: 'no-cache', credentials: 'same-origin' });
        if (!response.ok) throw new Error(`${entry.path}: HTTP ${response.status}`);
        await cache.put(plan.key(entry), response);
      });
      // Take over at once, also from an older version: its files are on the host no more anyway.
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const key of plan.stale((await cache.keys()).map((r) => r.url))) await cache.delete(key);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== sw.location.origin) return;
  // Chromium's devtools may ask for 'only-if-cached' with another mode, which fetch() rejects.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(respond(request));
});

/** The cached copy of a build file when there is one, else the network; either with COOP/COEP. */
async function respond(request: Request): Promise<Response> {
  const entry = plan.entryFor(request.url, request.mode === 'navigate');
  if (entry) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(plan.key(entry));
    if (cached) return isolated(cached);
    const response = await fetch(request);
    // A file the install missed (its cache was cleared) is kept on the way.
    if (response.ok && response.status === 200) await cache.put(plan.key(entry), response.clone()).catch(() => {});
    return isolated(response);
  }
  return isolated(await fetch(request));
}

/**
 * The response with the two isolation headers added. Content-Encoding and Content-Length go: the
 * body here is already decoded, so they would describe bytes the page never sees.
 */
function isolated(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.delete('Content-Encoding');
  headers.delete('Content-Length');
  return new Response(NO_BODY.has(response.status) ? null : response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Runs `task` over `items` with at most `limit` at a time; rejects with the first failure. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
