import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parseMeasurementsCsv } from '../src/lib/latency/measurements-csv';
import { mulberry32, sampleWithoutReplacement } from '../src/lib/spaces/rng';
import { onlyWasm, openApp, readSourceCsv, readStore, setFields } from './helpers';

const nb201 = readSourceCsv('nb201/nb201.csv');

/**
 * Makes the app's worker whose script name contains `name` throw an uncaught error, as a real
 * crash would: from the test, through the browser's devtools protocol, so the app ships no crash switch.
 */
async function crashWorker(page: Page, name: string): Promise<void> {
  await expect.poll(() => page.workers().some((w) => w.url().includes(name)), { timeout: 30_000 }).toBe(true);
  const worker = page.workers().find((w) => w.url().includes(name))!;
  await worker.evaluate(() => {
    setTimeout(() => {
      throw new Error('e2e: the worker crashed on purpose');
    });
  });
}

/** What "Measure 5 random cells, seed 7" must pick: 5 of the connected cells, in index order, drawn with mulberry32(7). */
function expectedCells(seed: number, count: number): number[] {
  const connected = [...nb201.values()]
    .filter((row) => row.connected === '1')
    .map((row) => Number(row.index))
    .sort((a, b) => a - b);
  return sampleWithoutReplacement(mulberry32(seed), connected.length, count).map((k) => connected[k]);
}

interface StoredRow {
  archIndex: number;
  backend: string;
  source: string;
  medianMs: number;
  samples: number[];
  profileId: string;
}

async function storedMeasurements(page: Page): Promise<StoredRow[]> {
  return readStore<StoredRow>(page, 'measurements');
}

test('profiles 5 cells on WASM in a worker, keeps them across a reload, and exports and re-imports the CSV', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=profile');
  await onlyWasm(page);
  await expect(page.getByTestId('reference-explanation')).toContainText('The reference set is 20 connected cells', { useInnerText: false });
  await expect(page.getByTestId('timer')).toContainText('cross-origin isolated');

  // A quick protocol: few samples and a short warm-up (the app's defaults are 15 samples, 5 warm-up runs).
  await page.getByText('Protocol settings').click();
  await setFields(page, [
    ['min-samples', 3],
    ['warmup-runs', 2],
    ['warmup-ms', 300],
    ['random-count', 5],
    ['seed', 7],
  ]);

  await page.getByTestId('measure-random').click();
  const table = page.getByTestId('cell-table');
  await expect(table).toHaveAttribute('data-rows', '5', { timeout: 90_000 });
  await expect(page.getByTestId('profile-view')).toHaveAttribute('data-running', 'false', { timeout: 30_000 });
  // Disposed everything: the leak check of the run reads 0.
  await expect(page.getByTestId('run-summary').locator('li[data-backend=wasm]')).toHaveAttribute('data-leaked', '0');

  const cells = expectedCells(7, 5);
  const shown = await table.getByTestId('cell-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
  expect([...shown].sort((a, b) => a - b)).toEqual([...cells].sort((a, b) => a - b));
  // Sorted by the cell's latency (fast-state statistic), ascending, by default; a click on the median
  // header sorts by the median, a second click reverses it.
  const latencies = await table.locator('td[data-latency]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-latency'))));
  expect(latencies).toEqual([...latencies].sort((a, b) => a - b));
  const readMedians = () => table.locator('td[data-median]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-median'))));
  await table.locator('button[data-sort=medianMs]').click();
  const medians = await readMedians();
  expect(medians).toEqual([...medians].sort((a, b) => a - b));
  await table.locator('button[data-sort=medianMs]').click();
  expect(await readMedians()).toEqual([...medians].reverse());
  await expect(page.getByTestId('flops-plot')).toHaveAttribute('data-points', '5');
  await expect(page.getByTestId('flops-spearman')).toHaveText(/^-?[01]\.\d{3}$/);
  await expect(page.getByTestId('heatmap')).toHaveAttribute('data-rows', /^[1-9]\d*$/);
  // With measurements shown (the empty view is checked in learn.spec.ts), the view still fits a phone.
  await page.setViewportSize({ width: 360, height: 740 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.setViewportSize({ width: 1280, height: 720 });

  const stored = await storedMeasurements(page);
  expect(stored.map((r) => r.archIndex).sort((a, b) => a - b)).toEqual([...cells].sort((a, b) => a - b));
  expect(stored.every((r) => r.backend === 'wasm' && r.source === 'measured' && r.samples.length === 3 && r.medianMs > 0)).toBe(true);
  expect(new Set(stored.map((r) => r.profileId)).size).toBe(1);

  // Kept across a reload, listed under the same device profile.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  await expect(page.getByTestId('profiles').locator('tr[data-profile]')).toHaveCount(1);
  await expect(page.getByTestId('profiles').locator(`tr[data-profile="${stored[0].profileId}"]`)).toHaveAttribute('data-cells', '5');
  await expect(page.getByTestId('cell-table')).toHaveAttribute('data-rows', '5');
  await expect(page.getByTestId('fingerprint')).toContainText(stored[0].profileId);
  // A 5-cell run times no anchors: read as timed by default, its reference level listed; read by the
  // reference network, the one run is its own level (×1).
  await expect(page.getByTestId('level-correction')).toHaveValue('anchors');
  await page.getByText('Runs of this profile (1)').click();
  await expect(page.getByTestId('run-level')).toHaveText(/^as timed \(0 anchor cells, too few; reference \d+\.\d\d ms, profile \d+\.\d\d ms\)$/);
  await page.getByTestId('level-correction').selectOption('reference');
  await expect(page.getByTestId('run-level')).toHaveText(/^×1\.000 \(0 anchor cells, too few; reference \d+\.\d\d ms, profile \d+\.\d\d ms\)$/);
  await expect(page.getByTestId('cell-table')).toHaveAttribute('data-rows', '5');
  await page.getByTestId('level-correction').selectOption('anchors');

  // Export: a Blob-URL download that parses back to the 5 stored cells.
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-profile').click();
  const download = await downloading;
  expect(download.url()).toMatch(/^blob:/);
  expect(download.suggestedFilename()).toBe(`brp-nas-latency-${stored[0].profileId}.csv`);
  const text = readFileSync((await download.path())!, 'utf8');
  const records = parseMeasurementsCsv(text, download.suggestedFilename());
  expect(records.map((r) => r.archStr).sort()).toEqual(cells.map((i) => nb201.get(i)!.arch_str).sort());
  expect(records.every((r) => r.backend === 'wasm' && r.samples.length === 3)).toBe(true);

  // Importing it again adds nothing (the same measurements); a broken file is refused, nothing stored.
  const file = page.getByTestId('measurements-file');
  await file.setInputFiles({ name: 'again.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await expect(page.getByTestId('measurements-import-result')).toHaveText('Imported 0 measurements from again.csv into 1 device profile (5 already stored, skipped).');
  const broken = text.replace(/,wasm,/, ',tpu,');
  await file.setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(broken) });
  await expect(page.getByTestId('measurements-import-result')).toHaveText(/^broken\.csv line 2: column backend: 'tpu' is not one of webgpu, webgl, wasm, cpu\. Nothing was stored\.$/);
  expect(await storedMeasurements(page)).toHaveLength(5);
});

test('pause holds the worker between samples, resume continues, cancel keeps the finished cells and frees every tensor', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=profile');
  await onlyWasm(page);
  // The reference set with the app's default protocol: long enough to pause it.
  await page.getByTestId('measure-reference').click();
  const progress = page.getByTestId('progress');
  await expect(progress).toHaveAttribute('data-done', /^[1-9]\d*$/, { timeout: 30_000 });
  await page.getByTestId('pause').click();
  await expect(progress).toContainText('Paused');
  const held = await progress.getAttribute('data-done');
  await page.waitForTimeout(1500);
  await expect(progress).toHaveAttribute('data-done', held!);
  await page.getByTestId('resume').click();
  await expect(progress).not.toHaveAttribute('data-done', held!, { timeout: 15_000 });
  // The 20 cells are one round-robin group, 15 samples each (300 in all): cancel once every cell has 8.
  await expect.poll(async () => Number(await progress.getAttribute('data-done')), { timeout: 60_000 }).toBeGreaterThanOrEqual(170);
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('profile-view')).toHaveAttribute('data-running', 'false', { timeout: 30_000 });
  const summary = page.getByTestId('run-summary').locator('li[data-backend=wasm]');
  await expect(summary).toContainText('cancelled');
  await expect(summary).toHaveAttribute('data-leaked', '0');
  // Cells with at least half their samples are kept, each with the samples it had.
  await expect(page.getByTestId('cell-table')).toHaveAttribute('data-rows', '20');
  const stored = await storedMeasurements(page);
  expect(stored).toHaveLength(20);
  expect(stored.every((m) => m.samples.length >= 8 && m.samples.length < 15)).toBe(true);
});

test('a crashed profiler worker ends the run with its message; after a restart it measures again', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=profile');
  await onlyWasm(page);
  await page.getByTestId('measure-reference').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-done', /^[1-9]\d*$/, { timeout: 30_000 });
  await crashWorker(page, 'profiler.worker');

  const crashed = page.getByTestId('profiler-crashed');
  await expect(crashed).toHaveAttribute('role', 'alert');
  await expect(crashed).toContainText(/The profiler worker stopped unexpectedly: .*e2e: the worker crashed on purpose\. Start it again to go on\./);
  await expect(page.getByTestId('profile-view')).toHaveAttribute('data-running', 'false');
  await expect(page.getByTestId('run-summary').locator('li[data-backend=wasm]')).toContainText('failed: The profiler worker stopped unexpectedly');
  await expect(page.getByTestId('measure-random')).toBeDisabled();

  await crashed.getByRole('button', { name: 'Restart the profiler' }).click();
  await expect(crashed).toBeHidden();
  await onlyWasm(page);
  await page.getByText('Protocol settings').click();
  await setFields(page, [
    ['min-samples', 3],
    ['warmup-runs', 2],
    ['warmup-ms', 300],
    ['random-count', 3],
    ['seed', 11],
  ]);
  await page.getByTestId('measure-random').click();
  await expect(page.getByTestId('run-summary').locator('li[data-backend=wasm]')).toContainText('3/3 cells', { timeout: 90_000 });
  await expect(page.getByTestId('run-summary').locator('li[data-backend=wasm]')).not.toContainText('failed');
  await expect(page.getByTestId('profile-error')).toBeHidden();
});
