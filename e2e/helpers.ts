import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';

export const SHARED_DATASETS = resolve(process.env.BRP_DATASETS_DIR ?? resolve(import.meta.dirname, '../../shared/datasets'));

/** Rows of a source CSV (no quoted fields), keyed by `index`, read straight from ../shared. */
export function readSourceCsv(relative: string): Map<number, Record<string, string>> {
  const [header, ...lines] = readFileSync(resolve(SHARED_DATASETS, relative), 'utf8').trim().split('\n');
  const names = header.split(',');
  const rows = new Map<number, Record<string, string>>();
  for (const line of lines) {
    const cells = line.split(',');
    const row = Object.fromEntries(names.map((n, i) => [n, cells[i]]));
    rows.set(Number(row.index), row);
  }
  return rows;
}

/** Opens the app and waits until every NB201-space table is readable. */
export async function openApp(page: Page, hash = ''): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
}

/**
 * Every record (or only the keys) of one object store of the app's database, read in the page
 * straight from IndexedDB; `prefix` limits string keys to those starting with it.
 */
export async function readStore<T>(page: Page, store: string, { keys = false, prefix }: { keys?: boolean; prefix?: string } = {}): Promise<T[]> {
  return page.evaluate(
    async ({ store, keys, prefix }) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const request = indexedDB.open('brp-nas-lab');
        request.onsuccess = () => res(request.result);
        request.onerror = () => rej(request.error);
      });
      const range = prefix === undefined ? undefined : IDBKeyRange.bound(prefix, `${prefix}\uffff`);
      const rows = await new Promise<unknown[]>((res, rej) => {
        const objects = db.transaction(store).objectStore(store);
        const request = keys ? objects.getAllKeys(range) : objects.getAll(range);
        request.onsuccess = () => res(request.result);
        request.onerror = () => rej(request.error);
      });
      db.close();
      return rows;
    },
    { store, keys, prefix },
  ) as Promise<T[]>;
}

/** Row counts of a dataset as stored in IndexedDB: the length of each stored column (not metadata). */
export async function storedColumnLengths(page: Page, datasetId: string): Promise<number[]> {
  // Counted in the page: only the lengths cross over, not megabytes of column values.
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const request = indexedDB.open('brp-nas-lab');
      request.onsuccess = () => res(request.result);
      request.onerror = () => rej(request.error);
    });
    const records = await new Promise<{ values: Float64Array }[]>((res, rej) => {
      const request = db
        .transaction('columns')
        .objectStore('columns')
        .getAll(IDBKeyRange.bound([id], [id, []]));
      request.onsuccess = () => res(request.result);
      request.onerror = () => rej(request.error);
    });
    db.close();
    return records.map((r) => r.values.length);
  }, datasetId);
}

/** Profile view: WASM as the only backend (the default may be another one on a machine with a GPU). */
export async function onlyWasm(page: Page): Promise<void> {
  const backends = page.getByTestId('backends');
  await expect(backends.locator('[data-backend=wasm] input')).toBeEnabled({ timeout: 30_000 });
  for (const name of ['webgpu', 'webgl', 'cpu']) {
    const box = backends.locator(`[data-backend=${name}] input`);
    if (await box.isChecked()) await box.uncheck();
  }
  await backends.locator('[data-backend=wasm] input').check();
}

/** Types values into inputs by test id and fires their change events (the views read values on change). */
export async function setFields(page: Page, fields: [testId: string, value: string | number][]): Promise<void> {
  for (const [id, value] of fields) {
    await page.getByTestId(id).fill(String(value));
    await page.getByTestId(id).dispatchEvent('change');
  }
}

export interface PlotGeometry {
  left: number;
  top: number;
  width: number;
  height: number;
  x: [number, number];
  y: [number, number];
}

export async function plotGeometry(page: Page): Promise<PlotGeometry> {
  const scatter = page.getByTestId('scatter');
  const [plot, xd, yd] = await Promise.all(['data-plot', 'data-x-domain', 'data-y-domain'].map((a) => scatter.getAttribute(a)));
  const [left, top, width, height] = plot!.split(',').map(Number);
  return { left, top, width, height, x: xd!.split(',').map(Number) as [number, number], y: yd!.split(',').map(Number) as [number, number] };
}

/** Moves the mouse onto the point with values (x, y) and returns the hover card. */
export async function hoverValue(page: Page, x: number, y: number) {
  const g = await plotGeometry(page);
  const box = (await page.getByTestId('scatter').boundingBox())!;
  const px = box.x + g.left + ((x - g.x[0]) / (g.x[1] - g.x[0])) * g.width;
  const py = box.y + g.top + (1 - (y - g.y[0]) / (g.y[1] - g.y[0])) * g.height;
  await page.mouse.move(px - 30, py - 30);
  await page.mouse.move(px, py, { steps: 3 });
  return page.getByTestId('hover-card');
}
