import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

const DIST = resolve(import.meta.dirname, '../dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/octet-stream',
};

/**
 * A plain static server without COOP/COEP, like GitHub Pages: the page is not cross-origin isolated.
 * The site sits under `prefix`, as GitHub Pages serves a repository under `/<repo>/`.
 */
function plainStaticServer(prefix = '/'): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(prefix)) return void res.writeHead(404).end();
    const inSite = `/${path.slice(prefix.length)}`;
    const file = resolve(DIST, `.${inSite.endsWith('/') ? `${inSite}index.html` : inSite}`);
    if (!file.startsWith(DIST)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${prefix}` });
    }),
  );
}

test.describe('without a service worker (blocked, or a browser without them)', () => {
  test.use({ serviceWorkers: 'block' });

  test('the built site works on a static host without COOP/COEP, and says it is not isolated', async ({ page }) => {
    const { server, url } = await plainStaticServer();
    try {
      await page.goto(`${url}#x=nb201%3Ac10_flops`);
      await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await expect(page.getByText('not cross-origin isolated')).toBeVisible();
      await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
      await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^(wasm|webgl|cpu)$/, { timeout: 30_000 });
    } finally {
      server.close();
    }
  });
});

test('on a static host without COOP/COEP the service worker isolates the page after one reload, and a reload works offline', async ({ context, page }) => {
  // Three full loads and two ingests on a shared 2-core machine.
  test.setTimeout(150_000);
  const { server, url } = await plainStaticServer('/brp-nas-lab/');
  let loads = 0;
  page.on('load', () => loads++);
  try {
    await page.goto(`${url}#x=nb201%3Ac10_flops`);
    // The worker installs (downloading the whole site), takes control, and the page reloads once.
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${url}sw.js`);
    await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
    await expect(page.getByText('not cross-origin isolated')).toBeHidden();
    await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^(wasm|webgl|cpu)$/, { timeout: 30_000 });
    if ((await page.getByTestId('backend').getAttribute('data-backend')) === 'wasm') {
      await expect(page.getByTestId('backend')).toHaveAttribute('title', /with SIMD and threads/);
    }
    await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
    // One reload, not a loop: the first load and the isolated one.
    await page.waitForTimeout(1_000);
    expect(loads).toBe(2);
    const tables = await page.getByTestId('dataset-status').locator('summary').textContent();

    // Cut the network: the browser is offline and the host is gone.
    await context.setOffline(true);
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
    await expect(page.getByTestId('dataset-status').locator('summary')).toHaveText(tables!);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^(wasm|webgl|cpu)$/, { timeout: 30_000 });

    // Still offline, with the database gone: the tables themselves come from the worker's cache.
    await page.goto(`${url}favicon.svg`);
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase('brp-nas-lab');
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
        }),
    );
    const fromCache: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.bin.gz') && r.ok() && r.fromServiceWorker()) fromCache.push(r.url());
    });
    await page.goto(`${url}#x=nb201%3Ac10_flops`);
    await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
    await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
    await expect(page.getByTestId('dataset-status').locator('summary')).toHaveText(tables!);
    expect(fromCache.length, 'tables served by the service worker').toBeGreaterThanOrEqual(4);
  } finally {
    await context.setOffline(false);
    server.close();
  }
});

test('an upgrade of the database from another tab is announced and the page keeps its data', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/#x=nb201%3Ac10_flops');
  await expect(first.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });

  // Another tab of a newer app version upgrades the database.
  const second = await context.newPage();
  await second.goto('/favicon.svg');
  await second.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('brp-nas-lab', 1000);
        request.onsuccess = () => {
          request.result.close();
          resolve();
        };
        request.onerror = () => reject(request.error);
      }),
  );

  await expect(first.getByRole('alert').filter({ hasText: 'upgraded in another tab; reload this tab' })).toBeVisible();
  await expect(first.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
});

test('on a host that sends COOP/COEP the service worker still registers (for offline use), and never reloads the page', async ({ page }) => {
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto('/#x=nb201%3Ac10_flops');
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const scriptUrl = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
  expect(scriptUrl).toMatch(/\/sw\.js$/);
  expect(loads).toBe(1);
  // The next load goes through it.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(scriptUrl);
  await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
});
