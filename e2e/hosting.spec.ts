import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

const DIST = resolve(import.meta.dirname, '../dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.gz': 'application/octet-stream',
};

/** A plain static server without COOP/COEP, like GitHub Pages: the page is not cross-origin isolated. */
function plainStaticServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(DIST, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(DIST)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    done({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
  }));
}

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

test('an upgrade of the database from another tab is announced and the page keeps its data', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/#x=nb201%3Ac10_flops');
  await expect(first.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });

  // Another tab of a newer app version upgrades the database.
  const second = await context.newPage();
  await second.goto('/favicon.svg');
  await second.evaluate(() => new Promise<void>((resolve, reject) => {
    const request = indexedDB.open('brp-nas-lab', 1000);
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  }));

  await expect(first.getByRole('alert').filter({ hasText: 'upgraded in another tab; reload this tab' })).toBeVisible();
  await expect(first.getByTestId('scatter')).toHaveAttribute('data-drawn', '15625');
});
