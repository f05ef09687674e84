/**
 * bench:latency's hands on the app: the "Measure this device" view driven through Playwright, and
 * the stored measurements and runs read straight from IndexedDB.
 */
import type { Page } from '@playwright/test';
import type { StoredMeasurement } from '../src/lib/db/measurements';
import type { RunWithDisturbance } from '../src/lib/state/profile.svelte';

export async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
  await page.getByTestId(testId).dispatchEvent('change');
}

export async function waitForBackends(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const legend = document.querySelector('[data-testid=backends] legend')?.textContent ?? '';
      return document.querySelector('[data-testid=backends] [data-backend=wasm] input') && !legend.includes('detecting');
    },
    null,
    { timeout: 60_000 },
  );
}

/** WASM only, whatever the default. */
export async function onlyWasm(page: Page): Promise<void> {
  for (const name of ['webgpu', 'webgl', 'cpu']) {
    const box = page.locator(`[data-testid=backends] [data-backend=${name}] input`);
    if ((await box.count()) && (await box.isChecked())) await box.uncheck();
  }
  await page.locator('[data-testid=backends] [data-backend=wasm] input').check();
}

/** Clicks "Measure N random cells" (or "Measure reference set") and waits until the run ended and its cells are stored. */
export async function measureRandom(page: Page, cells: number, seed: number, button: 'measure-random' | 'measure-reference' = 'measure-random'): Promise<number> {
  await setNumber(page, 'random-count', cells);
  await setNumber(page, 'seed', seed);
  const started = Date.now();
  await page.getByTestId(button).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-view]')?.getAttribute('data-running') === 'true', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-view]')?.getAttribute('data-running') === 'false', null, { timeout: 3_600_000, polling: 500 });
  const wallMs = Date.now() - started;
  const error = page.getByTestId('profile-error');
  if (await error.count()) throw new Error(`the run failed: ${await error.innerText()}`);
  return wallMs;
}

/** Every stored measurement and run, read straight from IndexedDB (waits until `runs` runs are stored). */
export async function stored(page: Page, runs: number): Promise<{ measurements: StoredMeasurement[]; runs: RunWithDisturbance[] }> {
  const read = () =>
    page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const request = indexedDB.open('brp-nas-lab');
        request.onsuccess = () => res(request.result);
        request.onerror = () => rej(request.error);
      });
      // No named helper functions in here: tsx would wrap them in a `__name` call the page does not have.
      const [measurements, rows] = await Promise.all(
        ['measurements', 'profiles'].map(
          (store) =>
            new Promise<unknown[]>((res) => {
              const request = db.transaction(store).objectStore(store).getAll();
              request.onsuccess = () => res(request.result);
            }),
        ),
      );
      const runs = (rows as { run?: RunWithDisturbance }[]).flatMap((row) => (row.run ? [row.run] : []));
      db.close();
      return { measurements: measurements as StoredMeasurement[], runs };
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const data = await read();
    if (data.runs.length >= runs) return data;
    await page.waitForTimeout(200);
  }
  throw new Error(`expected ${runs} stored runs`);
}
