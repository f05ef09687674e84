import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { openApp } from './helpers';

// Small configs keep the suite fast; full-size numbers belong to `npm run bench:predictor`.
const LATENCY = '#view=train&preset=small&train=100&val=20&seed=3';
// Two workers: the batch of pairs is split with a gradient helper (a worker started by the compute worker).
const BRP = '#view=train&target=nb201%3Ac100_valid&kind=brp&preset=small&train=30&seed=1&workers=2';

/**
 * Makes the app's worker whose script name contains `name` throw an uncaught error, as a real
 * crash would (out of memory, a bug in a callback): from the test, through the browser's
 * devtools protocol, so the app ships no crash switch.
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

test('train a small latency predictor, save it, reload, load it: same predictions', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, LATENCY);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toBeVisible();
  // After each epoch: validation Spearman and ±10 % in target units.
  await expect(page.getByTestId('train-val-metrics')).toContainText(/validation: Spearman -?\d\.\d{3}, \d+ % within ±10 %/, { timeout: 60_000 });
  const evaluation = page.getByTestId('evaluation');
  await expect(evaluation).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-epochs', /^[1-9]\d*$/);
  // LatBench has 15,284 connected cells; 120 were used for training and validation.
  await expect(page.getByTestId('pred-vs-true')).toHaveAttribute('data-points', '15164');
  const gcnSpearman = Number(await evaluation.locator('tr[data-row=gcn] [data-metric=spearman]').textContent());
  const flopsSpearman = Number(await evaluation.locator('tr[data-row=flops] [data-metric=spearman]').textContent());
  expect(gcnSpearman).toBeGreaterThan(0.8);
  expect(gcnSpearman).toBeGreaterThan(flopsSpearman);
  const checksum = await evaluation.getAttribute('data-checksum');

  await page.getByTestId('train-save').click();
  const rows = page.getByTestId('saved-predictors').locator('tbody tr');
  await expect(rows).toHaveCount(1);

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/);
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole('button', { name: 'Load' }).click();
  await expect(evaluation).toHaveAttribute('data-checksum', checksum!, { timeout: 60_000 });

  // Export → import gives a second, identical predictor; a corrupt file is refused.
  const download = page.waitForEvent('download');
  await rows.first().getByRole('button', { name: 'Export' }).click();
  const text = await readFile(await (await download).path(), 'utf8');
  expect(JSON.parse(text).format).toBe('brp-nas-lab/predictor-file');
  await page.getByTestId('predictor-file').setInputFiles({ name: 'copy.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(rows).toHaveCount(2);
  await rows.nth(1).getByRole('button', { name: 'Load' }).click();
  await expect(evaluation).toHaveAttribute('data-checksum', checksum!, { timeout: 60_000 });

  const corrupt = text.replace(/"lr":\s*[0-9.e-]+/, '"lr":"fast"');
  await page.getByTestId('predictor-file').setInputFiles({ name: 'corrupt.json', mimeType: 'application/json', buffer: Buffer.from(corrupt) });
  await expect(page.getByTestId('train-message')).toContainText('lr');
  await page.getByTestId('predictor-file').setInputFiles({ name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "brp-nas-lab/predictor-file", ') });
  await expect(page.getByTestId('train-message')).toContainText(/JSON/i);
  await expect(rows).toHaveCount(2);
});

test('train a small binary relation predictor and rank the held-out cells', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, BRP);
  await page.getByTestId('train-start').click();
  const evaluation = page.getByTestId('evaluation');
  await expect(evaluation).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('pred-vs-true')).toHaveAttribute('data-points', String(15625 - 30));
  const kendall = Number(await evaluation.locator('tr[data-row=gcn] [data-metric=kendall]').textContent());
  expect(kendall).toBeGreaterThan(0.3);
  await expect(evaluation).toContainText('with 2 workers');
});

test('a crashed compute worker ends the training with its message; after a restart a training completes', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, '#view=train&preset=small&train=60&val=20&seed=5');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toBeVisible();
  await crashWorker(page, 'compute.worker');

  const crashed = page.getByTestId('compute-crashed');
  await expect(crashed).toHaveAttribute('role', 'alert');
  await expect(crashed).toContainText(/The compute worker stopped unexpectedly: .*e2e: the worker crashed on purpose\. Start it again to go on\./);
  // No longer running: no progress, no pause/cancel, and Train waits for the restart.
  await expect(page.getByTestId('train-progress')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeHidden();
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await expect(page.getByTestId('train-message')).toBeHidden(); // the same message is not shown twice

  await crashed.getByRole('button', { name: 'Restart the compute worker' }).click();
  await expect(crashed).toBeHidden();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /\w/, { timeout: 30_000 });
  await page.getByTestId('train-start').click();
  const evaluation = page.getByTestId('evaluation');
  await expect(evaluation).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('train-save')).toBeVisible();
  await expect(page.getByTestId('train-message')).toBeHidden();
});
