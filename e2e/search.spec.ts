import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { calibratedToFile, type CalibratedPredictor } from '../src/lib/latency/calibrated-predictor';
import { sampleCalibrated } from '../src/lib/latency/calibrated-fixtures';
import { openApp, readSourceCsv, readStore, setFields } from './helpers';

// Small runs keep the suite fast; full-size searches belong to `npm run bench:search`.
const BRP = '#view=search&s.method=brp-nas&s.preset=fast&s.budget=20&s.seed=1';

interface StoredRun {
  id: string;
  run: { status: string; iterations: { queried: number[] }[]; result: { queried: number[]; trace: Int32Array } | null; baselines: Record<string, number[]> };
}

async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const file = await download;
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

test('a small BRP-NAS run runs to completion, is saved, and exports its trace as CSV and JSON', async ({ page }) => {
  test.setTimeout(300_000);
  await openApp(page, BRP);
  await page.getByTestId('search-play').click();
  await expect(page.getByTestId('search-progress')).toContainText(/iteration \d of 5 · .* · \d+ queried · ETA/, { timeout: 60_000 });
  const result = page.getByTestId('search-result');
  await expect(result).toBeVisible({ timeout: 240_000 });
  await expect(result.locator('[data-metric=test-of-best-valid] td')).toHaveText(/^\d{2}\.\d\d %$/);
  await expect(result.locator('[data-metric=kendall] td')).toHaveText(/^-?0\.\d{3}$/);
  await expect(result.locator('[data-metric=queries] td')).toHaveText('20 of a budget of 20');
  await expect(page.getByTestId('search-scatter')).toHaveAttribute('data-lit', '20');
  // The run's curve beside random search, evolution and local search.
  await expect(page.getByTestId('search-curves')).toHaveAttribute('data-curves', '4');
  await expect(page.getByTestId('search-ranking')).toHaveAttribute('data-iterations', '5');

  const rows = page.getByTestId('saved-runs').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'finished');
  const [stored] = await readStore<StoredRun>(page, 'searchRuns');
  expect(stored.run.status).toBe('finished');
  expect(stored.run.iterations).toHaveLength(5);
  expect(stored.run.result!.queried).toHaveLength(20);
  expect(Object.keys(stored.run.baselines).sort()).toEqual(['evolution', 'local-search', 'random']);
  expect(await readStore(page, 'searchCheckpoints', { keys: true })).toEqual([]);

  const csv = await downloadText(page, 'search-export-csv');
  expect(csv.name).toBe('search-brp-nas-fast-cifar100-b20-s1.csv');
  const lines = csv.text.trim().split('\n');
  expect(lines[0]).toBe('position,nb201_index,arch_str,queried,query_order,valid_pct,test_pct,predicted_score');
  const cells = lines.slice(1).map((line) => line.split(','));
  expect(cells.length).toBe(stored.run.result!.trace.length);
  expect(cells.slice(0, 20).map((c) => [Number(c[1]), c[3], Number(c[4])])).toEqual(stored.run.result!.queried.map((index, q) => [index, 'yes', q + 1]));
  expect(cells.slice(20).every((c) => c[3] === 'no' && c[4] === '')).toBe(true);
  expect(cells[0][2]).toMatch(/^\|[a-z_0-9]+~0\|\+/);

  const json = await downloadText(page, 'search-export-json');
  expect(json.name).toBe('search-brp-nas-fast-cifar100-b20-s1.json');
  const parsed = JSON.parse(json.text);
  expect(parsed.queried).toEqual(stored.run.result!.queried);
  expect(parsed.trace).toHaveLength(cells.length);
  expect(parsed.scores).toHaveLength(15625);
  expect(parsed.iterations).toHaveLength(5);
});

test('a reload mid-run offers to resume; the run finishes with its first iteration unchanged', async ({ page }) => {
  test.setTimeout(300_000);
  await openApp(page, BRP);
  await page.getByTestId('search-play').click();
  await expect.poll(async () => (await readStore(page, 'searchCheckpoints', { keys: true })).length, { timeout: 120_000 }).toBe(1);
  const [before] = await readStore<StoredRun>(page, 'searchRuns');
  const first = before.run.iterations[0].queried;
  expect(first.length).toBe(4);

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  await expect(page.getByTestId('search-resume-offer')).toContainText(/stopped after [1-4] of 5 iterations/);
  await page.getByTestId('search-resume').click();
  await expect(page.getByTestId('search-result')).toBeVisible({ timeout: 240_000 });
  const [after] = await readStore<StoredRun>(page, 'searchRuns');
  expect(after.id).toBe(before.id);
  expect(after.run.status).toBe('finished');
  expect(after.run.iterations[0].queried).toEqual(first);
  expect(after.run.result!.queried.slice(0, first.length)).toEqual(first);
  expect(after.run.result!.queried).toHaveLength(20);
  await expect(page.getByTestId('saved-runs').locator('tbody tr')).toHaveCount(1);
});

test('a crashed compute worker fails the run with its message; Resume restarts it from the last finished iteration', async ({ page }) => {
  test.setTimeout(300_000);
  await openApp(page, BRP);
  await page.getByTestId('search-play').click();
  await expect.poll(async () => (await readStore(page, 'searchCheckpoints', { keys: true })).length, { timeout: 120_000 }).toBe(1);
  // Through the devtools protocol, as a real crash would: the app ships no crash switch.
  const worker = page.workers().find((w) => w.url().includes('compute.worker'))!;
  await worker.evaluate(() =>
    setTimeout(() => {
      throw new Error('e2e: the worker crashed on purpose');
    }),
  );
  await expect(page.getByTestId('search-message')).toContainText(
    /The compute worker stopped unexpectedly: .*crashed on purpose.*The run stopped after [1-4] of 5 iterations; Resume goes on from there/,
  );
  const row = page.getByTestId('saved-runs').locator('tbody tr');
  await expect(row).toHaveAttribute('data-status', 'failed');
  const [before] = await readStore<StoredRun>(page, 'searchRuns');

  await row.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('search-result')).toBeVisible({ timeout: 240_000 });
  const [after] = await readStore<StoredRun>(page, 'searchRuns');
  expect(after.run.status).toBe('finished');
  expect(after.run.iterations.slice(0, before.run.iterations.length)).toEqual(before.run.iterations);
  expect(after.run.result!.queried).toHaveLength(20);
});

test('budget 0 is refused with one message before anything runs; the saved run stays', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=search&s.method=random&s.budget=20&s.seed=3');
  await page.getByTestId('search-play').click();
  await expect(page.getByTestId('search-result')).toBeVisible({ timeout: 60_000 });
  const rows = page.getByTestId('saved-runs').locator('tbody tr');
  await expect(rows).toHaveCount(1);

  await setFields(page, [['search-budget', 0]]);
  await expect(page).toHaveURL(/s\.budget=0/);
  await page.getByTestId('search-play').click();
  await expect(page.getByTestId('search-message')).toHaveText('Budget: a whole number of queries from 1 to 15,625, got 0');
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(page.getByTestId('search-progress')).toHaveCount(0);
  await expect(rows).toHaveCount(1);
  expect(await readStore(page, 'searchRuns', { keys: true })).toHaveLength(1);
});

test('a latency limit on an imported calibrated device filters by its predictions and checks the filter on the measured cells; deleted, it is refused', async ({ page }) => {
  test.setTimeout(180_000);
  const nb201 = readSourceCsv('nb201/nb201.csv');
  const predictions = Float32Array.from({ length: 15625 }, (_, i) => {
    const row = nb201.get(i)!;
    return row.connected === '1' ? 0.5 + Number(row.c10_flops) / 40 : Number.NaN;
  });
  const limitMs = 2;
  // Four measured cells: two the prediction gets right, one it wrongly admits, one it wrongly drops.
  const fast = [...predictions.keys()].filter((i) => predictions[i] <= 1.5).slice(0, 3);
  const slow = [...predictions.keys()].find((i) => predictions[i] > 2.5)!;
  const reference = [
    { index: fast[0], ms: predictions[fast[0]] },
    { index: fast[1], ms: predictions[fast[1]] },
    { index: fast[2], ms: 3.0 }, // admitted (predicted ≤ 1.5 ms) but measured above 2 ms
    { index: slow, ms: 1.8 }, // dropped (predicted > 2.5 ms) but measured within 2 ms
  ];
  const base = sampleCalibrated('e2e-limit');
  const saved: CalibratedPredictor = { ...base, name: 'Limit laptop', reference, predictions };
  await openApp(page, '#view=profile');
  await page.getByTestId('calibrated-import').setInputFiles({ name: 'limit.json', mimeType: 'application/json', buffer: Buffer.from(calibratedToFile(saved)) });
  await expect(page.getByTestId('calibrated-status')).toHaveText('Imported “Limit laptop” from limit.json.');

  // A fresh load of each view (about:blank first: a hash-only change would not reload the page).
  const limited = `#view=search&s.method=random&s.budget=20&s.seed=4&s.device=calibrated%3Ae2e-limit&s.ms=${limitMs}`;
  await page.goto('about:blank');
  await openApp(page, limited);
  await page.getByTestId('search-play').click();
  const result = page.getByTestId('search-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  const admitted = predictions.filter((ms) => ms <= limitMs).length;
  await expect(result.locator('[data-metric=admitted] td')).toHaveText(`${admitted.toLocaleString('en-US')} cells`);
  await expect(result.locator('[data-metric=wrongly-admitted] th')).toHaveText('admitted but truly above the limit (of the 4 cells you measured)');
  await expect(result.locator('[data-metric=wrongly-admitted] td')).toHaveText('1 cell');
  await expect(result.locator('[data-metric=wrongly-dropped] td')).toHaveText('1 cell');
  await expect(result.locator('[data-metric=truly-within] td')).toHaveText('3 cells');
  const [stored] = await readStore<StoredRun>(page, 'searchRuns');
  expect(stored.run.result!.queried).toHaveLength(20);
  expect(stored.run.result!.queried.every((i) => predictions[i] <= limitMs)).toBe(true);

  // Deleted in the Profile view, the device is refused with its message; the saved run stays.
  await page.goto('about:blank');
  await openApp(page, '#view=profile');
  const remove = page.getByTestId('calibrated-delete');
  await remove.click();
  await remove.click();
  await expect(page.getByTestId('calibrated-list')).toHaveAttribute('data-count', '0');
  await page.goto('about:blank');
  await openApp(page, limited);
  await page.getByTestId('search-play').click();
  await expect(page.getByTestId('search-message')).toHaveText(/no longer exists \(it was deleted\); choose another device\. Saved runs are kept\.$/);
  expect(await readStore(page, 'searchRuns', { keys: true })).toHaveLength(1);
});
