/**
 * WebGPU against WASM on the same inputs (issue 16): every op the predictor and the profiler use,
 * a few training epochs of a small regressor and a BRP predictor with their evaluations, and one
 * NB201 network's forward pass. Runs on whatever WebGPU adapter Chromium offers: on a machine
 * without a GPU that is the SwiftShader software adapter, forced here for this test only (the
 * app never picks a fallback adapter). Needs Chromium launched with `--enable-unsafe-webgpu
 * --enable-features=Vulkan` (set below); skips only when Chromium then offers no adapter at all.
 *
 * The page (e2e/webgpu-parity/) is served by its own Vite dev server, not the app's build.
 */
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { WEBGPU_FLAGS } from '../bench/common.ts';
import { watBytes } from '../src/lib/kernels/wat-plugin.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PORT = Number(process.env.E2E_PARITY_PORT ?? 4391);

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...WEBGPU_FLAGS],
  },
});
// The software adapter is ≈ 170× slower than WASM per training step.
test.describe.configure({ timeout: 240_000 });

type Values = Record<string, number[]>;
type Check = 'ops' | 'training' | 'nb201' | 'predictAllSync';

let server: ViteDevServer;

test.beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: resolve(ROOT, 'e2e/webgpu-parity'),
    logLevel: 'warn',
    server: { port: PORT, strictPort: true, fs: { allow: [ROOT] } },
    // The kernels' WebAssembly text, as the app's own config builds it (vite.config.ts).
    plugins: [watBytes()],
    worker: { format: 'es', plugins: () => [watBytes()] },
    optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-cpu'] },
  });
  await server.listen();
});

test.afterAll(async () => {
  await server?.close();
});

async function openParityPage(page: Page): Promise<void> {
  await page.goto(`http://localhost:${PORT}/`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const adapter = await page.evaluate(() => (globalThis as unknown as { parity: { adapter(): Promise<unknown> } }).parity.adapter());
  test.skip(typeof adapter === 'string', `Chromium offers no WebGPU adapter with ${WEBGPU_FLAGS.join(' ')}: ${String(adapter)}`);
}

function compare(page: Page, check: Check): Promise<{ wasm: Values; webgpu: Values }> {
  return page.evaluate((c) => (globalThis as unknown as { parity: { compare(c: string): Promise<{ wasm: Values; webgpu: Values }> } }).parity.compare(c), check);
}

/**
 * Names whose WebGPU values differ from WASM's by more than `relative` × the largest |WASM value|
 * of that quantity (float32 rounding of other summation orders), with the worst difference.
 */
function mismatches(result: { wasm: Values; webgpu: Values }, relative: number): string[] {
  const bad: string[] = [];
  for (const [name, expected] of Object.entries(result.wasm)) {
    const actual = result.webgpu[name];
    if (!actual || actual.length !== expected.length) {
      bad.push(`${name}: ${actual?.length ?? 'no'} values on WebGPU, ${expected.length} on WASM`);
      continue;
    }
    const scale = Math.max(1e-6, ...expected.map(Math.abs));
    let worst = 0;
    let at = 0;
    expected.forEach((e, i) => {
      const d = Math.abs(actual[i] - e);
      if (!(d <= worst)) [worst, at] = [d, i];
    });
    if (!(worst <= relative * scale)) bad.push(`${name}[${at}]: WebGPU ${actual[at]}, WASM ${expected[at]} (scale ${scale.toExponential(2)})`);
  }
  return bad;
}

test('every op of the GCN, both heads, AdamW, predict-all and an NB201 network matches WASM on WebGPU', async ({ page }) => {
  await openParityPage(page);
  const result = await compare(page, 'ops');
  expect(Object.keys(result.wasm).length).toBeGreaterThan(60);
  expect(mismatches(result, 1e-4)).toEqual([]);
});

test('a small regressor and a BRP predictor train and evaluate on WebGPU as on WASM', async ({ page }) => {
  await openParityPage(page);
  const result = await compare(page, 'training');
  expect(result.wasm['regression validation loss']).toHaveLength(2);
  expect(result.webgpu['regression validation loss'].every((v) => v > 0)).toBe(true);
  // A few optimizer steps: rounding differences grow a little, still far below a real bug (issue 16: 16.5 vs 47.7).
  expect(mismatches(result, 1e-3)).toEqual([]);
});

test('an NB201 network forward pass (profiler) matches WASM on WebGPU', async ({ page }) => {
  await openParityPage(page);
  expect(mismatches(await compare(page, 'nb201'), 1e-4)).toEqual([]);
});

// A tfjs limit, kept visible: the predictors' synchronous predict / scoreBrp / embed / serialize
// (model.ts inferGraphs → inferPacked or distinct-rows.ts) read with dataSync, which
// tfjs-backend-webgpu 4.22 implements through an OffscreenCanvas copy (tensorflow/tfjs#7576); on the
// software adapter that read returns zeros and loses the device (the symptom of tensorflow/tfjs#7631).
// The app's workers never take that path: training's evaluation, predict-all and the search read with
// predictAsync / scoreBrpAsync / packPredictorAsync; the synchronous forms serve tests and Node.
// Remove `.fail` if a tfjs update makes dataSync work on the software adapter.
test.fail('the synchronous predict-all (inferGraphs) matches WASM on WebGPU', async ({ page }) => {
  await openParityPage(page);
  expect(mismatches(await compare(page, 'predictAllSync'), 1e-4)).toEqual([]);
});
