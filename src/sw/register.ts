/**
 * Registers the site's service worker (`sw.ts`) and reloads the page once when the worker can make
 * it cross-origin isolated: a page that was loaded without it (the first visit, a hard reload) has
 * no COOP/COEP where the host does not send them, and only a new load picks them up.
 */

/** Set before the isolating reload, for this tab only: if the reload does not isolate the page, it is not tried again. */
const RELOADED_KEY = 'brp-nas-lab:reloaded-for-isolation';

/** Registers `sw.js` beside the page after it has loaded, so it does not compete with the first paint. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const start = () => void register().catch((error: Error) => console.warn(`service worker not registered: ${error.message}`));
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start, { once: true });
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
