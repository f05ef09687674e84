import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { CALIBRATED_FILE_FORMAT, parseCalibratedFile } from '../src/lib/latency/calibrated-predictor';
import { onlyWasm, openApp, setFields } from './helpers';

test('calibrates this device on WASM, saves the predictor, keeps it across a reload, exports it and refuses a corrupt import', async ({ page }) => {
  test.setTimeout(150_000);
  await openApp(page, '#view=profile');
  await onlyWasm(page);
  await expect(page.getByTestId('calibration-reason')).toContainText('Nothing measured yet');

  // A quick protocol: few samples, a short warm-up, 8 held-out cells (the app's defaults: 15 samples, 20 held-out cells).
  await page.getByText('Protocol settings').click();
  await setFields(page, [
    ['min-samples', 3],
    ['warmup-runs', 2],
    ['warmup-ms', 300],
    ['held-out-count', 8],
    ['seed', 3],
  ]);
  await page.getByTestId('calibrate').click();
  // The second pass (the held-out cells again) follows the first without the run ending in between.
  await expect(page.getByTestId('progress')).toHaveAttribute('data-pass', '2', { timeout: 90_000 });
  await expect(page.getByTestId('profile-view')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('run-summary').locator('li[data-backend=wasm]')).toHaveCount(2);

  const metrics = page.getByTestId('calibration-metrics');
  await expect(metrics.locator('tr[data-row=calibrated] td[data-metric=spearman]')).toHaveText(/^-?[01]\.\d{3}$/);
  await expect(metrics.locator('tr[data-row=calibrated] td').nth(1)).toHaveText('8');
  await expect(metrics.locator('tr[data-row=nearest]')).toContainText('Most similar known device: ');
  await expect(metrics.locator('tr[data-row=repeatability] td[data-metric=spearman]')).toHaveText(/^-?[01]\.\d{3}$/);
  const points = Number(await page.getByTestId('calibration-scatter').getAttribute('data-points'));
  expect(points).toBeGreaterThanOrEqual(20);
  expect(points).toBe(28); // 20 reference + 8 held-out cells, all connected, all predicted
  await expect(page.getByTestId('calibration-candidates').locator('tr[data-method]')).toHaveCount(5);
  // Hovering a held-out point (the last drawn: on top) names its cell and both latencies.
  await page.getByTestId('calibration-scatter').locator('circle[data-kind=held-out]').last().hover();
  await expect(page.getByTestId('calibration-hover')).toHaveText(/^\|.+\| · measured \d+\.\d{3} ms · predicted \d+\.\d{3} ms \(held-out\)$/);

  // The calibration, its save form included, fits a phone.
  await page.setViewportSize({ width: 360, height: 740 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.setViewportSize({ width: 1280, height: 720 });

  // Save under a name of our own; it is listed, and still there after a reload.
  await page.getByTestId('calibration-name').fill('e2e device');
  await page.getByTestId('calibration-save').click();
  const list = page.getByTestId('calibrated-list');
  await expect(list.locator('tr[data-id]')).toHaveCount(1);
  await expect(list.locator('td[data-field=name]')).toHaveText('e2e device');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  await expect(list.locator('tr[data-id]')).toHaveCount(1);
  await expect(list.locator('td[data-field=name]')).toHaveText('e2e device');
  await expect(metrics.locator('tr[data-row=calibrated] td[data-metric=spearman]')).toHaveText(/^-?[01]\.\d{3}$/);

  // Export: a Blob-URL download of the JSON file format.
  const downloading = page.waitForEvent('download');
  await page.getByTestId('calibrated-export').click();
  const download = await downloading;
  expect(download.url()).toMatch(/^blob:/);
  expect(download.suggestedFilename()).toBe('brp-nas-calibrated-e2e-device.json');
  const text = readFileSync((await download.path())!, 'utf8');
  expect(JSON.parse(text).format).toBe(CALIBRATED_FILE_FORMAT);
  const predictor = parseCalibratedFile(text, download.suggestedFilename());
  expect(predictor.name).toBe('e2e device');
  expect(predictor.reference).toHaveLength(20);
  expect(predictor.validation.heldOut.cells).toBe(8);
  expect(predictor.device.backend).toBe('wasm');

  // A corrupt file is refused with a message, and nothing is stored.
  await page.getByTestId('calibrated-import').setInputFiles({ name: 'corrupt.json', mimeType: 'application/json', buffer: Buffer.from(text.slice(0, 200)) });
  await expect(page.getByTestId('calibrated-error')).toHaveText(/^corrupt\.json is not JSON \(.+\)\. Nothing was stored\.$/);
  await expect(list.locator('tr[data-id]')).toHaveCount(1);
});
