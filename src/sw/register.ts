/**
 * Registers the site's service worker (`sw.ts`) and reloads the page once when the worker can make
 * it cross-origin isolated: a page that was loaded without it (the first visit, a hard reload) has
 * no COOP/COEP where the host does not send them, and only a new load picks them up.
 */

/** Set before the isolating reload, for this tab only: if the reload does not isolate the page, it is not tried again. */
const RELOADED_KEY = 'brp-nas-lab:reloaded-for-isolation';

/** Longest wait for the tables before registering on an already isolated page, ms. */
const READY_WAIT_MS = 30_000;

/**
 * Registers `sw.js` beside the page. Where the page is not isolated, as soon as it has loaded: the
 * sooner the worker takes over, the sooner the reload that isolates it. Where the host already
 * isolates it, only once the tables are ready (`data-ready-at-ms` on <html>), so that the worker's
 * download of the whole site does not slow the first start.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const start = () => void register().catch((error: Error) => console.warn(`service worker not registered: ${error.message}`));
  const afterLoad = crossOriginIsolated ? () => whenTablesReady(start) : start;
  if (document.readyState === 'complete') afterLoad();
  else window.addEventListener('load', afterLoad, { once: true });
}

function whenTablesReady(then: () => void): void {
  const html = document.documentElement;
  if (html.dataset.readyAtMs) return then();
  const observer = new MutationObserver(() => {
    if (html.dataset.readyAtMs) finish();
  });
  const timer = setTimeout(() => finish(), READY_WAIT_MS);
  function finish() {
    observer.disconnect();
    clearTimeout(timer);
    then();
  }
  observer.observe(html, { attributes: true, attributeFilter: ['data-ready-at-ms'] });
}

async function register(): Promise<void> {
  const container = navigator.serviceWorker;
  if (crossOriginIsolated) forgetReload();
  // The first install claims this page; an update takes over an already isolated page and changes nothing here.
  container.addEventListener('controllerchange', reloadForIsolation);
  // Relative to the page, so the site works under any base path (GitHub Pages serves it under /<repo>/).
  const registration = await container.register(new URL('sw.js', document.baseURI), { updateViaCache: 'none' });
  // A worker is active but this load bypassed it (a hard reload): load again through it.
  if (registration.active && !container.controller) reloadForIsolation();
}

function reloadForIsolation(): void {
  if (crossOriginIsolated) return;
  try {
    if (sessionStorage.getItem(RELOADED_KEY)) return;
    sessionStorage.setItem(RELOADED_KEY, '1');
  } catch {
    return; // Without sessionStorage a reload loop could not be ruled out.
  }
  location.reload();
}

function forgetReload(): void {
  try {
    sessionStorage.removeItem(RELOADED_KEY);
  } catch {
    // Nothing was stored then.
  }
}
