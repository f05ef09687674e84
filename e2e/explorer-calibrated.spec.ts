import { expect, test } from '@playwright/test';
import { calibratedToFile, type CalibratedPredictor } from '../src/lib/latency/calibrated-predictor';
import { sampleCalibrated } from '../src/lib/latency/calibrated-fixtures';
import { hoverValue, openApp, readSourceCsv } from './helpers';

const nb201 = readSourceCsv('nb201/nb201.csv');
const BEST_C100 = 9930; // best CIFAR-100 test accuracy (73.513 %), unique at the top of the plot
const CONNECTED = 15284;

/** A predictor as a calibration saves one: ms for every connected cell (here from its FLOPs), NaN for the 341 disconnected ones. */
function predictor(): CalibratedPredictor {
  const predictions = Float32Array.from({ length: 15625 }, (_, i) => {
    const row = nb201.get(i)!;
    return row.connected === '1' ? 0.5 + Number(row.c10_flops) / 40 : Number.NaN;
  });
  const base = sampleCalibrated('e2e-laptop');
  return { ...base, name: 'My laptop e2e', device: { ...base.device, label: 'My laptop · WASM' }, predictions };
}

test('an imported calibrated predictor is an x axis of the Explorer: predicted ms of the connected cells, kept in the URL', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const saved = predictor();
  expect(saved.predictions.filter(Number.isFinite)).toHaveLength(CONNECTED);

  // Import it in the Profile view (no measuring), then switch views without a reload.
  await openApp(page, '#view=profile');
  await page.getByTestId('calibrated-import').setInputFiles({ name: 'laptop.json', mimeType: 'application/json', buffer: Buffer.from(calibratedToFile(saved)) });
  await expect(page.getByTestId('calibrated-status')).toHaveText('Imported “My laptop e2e” from laptop.json.');
  await page.getByRole('button', { name: 'Explore', exact: true }).click();

  const picker = page.getByTestId('x-axis');
  await expect(picker.locator('optgroup[label="Your devices (calibrated)"] option')).toHaveText(['My laptop e2e (ms)']);
  await picker.selectOption('calibrated:e2e-laptop');
  await expect(page).toHaveURL(/x=calibrated%3Ae2e-laptop/);
  const scatter = page.getByTestId('scatter');
  // Every connected cell is drawn; the disconnected ones (NaN) are not.
  await expect(scatter).toHaveAttribute('data-points', String(CONNECTED));
  await expect(scatter).toHaveAttribute('data-drawn', String(CONNECTED));
  expect(Number(await scatter.getAttribute('data-front'))).toBeGreaterThan(3);
  await expect(scatter.locator('text.label').first()).toHaveText('My laptop e2e (ms), predicted on My laptop · WASM');
  await expect(page.getByTestId('axis-caveat')).toHaveText(
    '⚠ Predicted latency, not measured: calibrated on My laptop · WASM from 2 measured cells; held-out Spearman ρ 0.930 on 20 more measured cells.',
  );

  // Hover names the cell and its prediction, with the unit.
  const best = nb201.get(BEST_C100)!;
  const ms = saved.predictions[BEST_C100];
  const card = await hoverValue(page, ms, Number(best.c100_test));
  await expect(card).toHaveAttribute('data-index', String(BEST_C100));
  await expect(card).toContainText('CIFAR-100 test accuracy73.51 %');
  await expect(page.getByTestId('hover-predicted')).toHaveText(`My laptop e2e: ${ms.toFixed(3)} ms, predicted on My laptop · WASM`);

  // The URL brings the same view back after a reload (the predictor is read from IndexedDB).
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/, { timeout: 45_000 });
  await expect(picker).toHaveValue('calibrated:e2e-laptop');
  await expect(scatter).toHaveAttribute('data-points', String(CONNECTED));
  await expect(scatter).toHaveAttribute('data-drawn', String(CONNECTED));
  await expect(page).toHaveURL(/x=calibrated%3Ae2e-laptop/);
  expect(errors).toEqual([]);
});

test('a URL naming a calibrated predictor this browser lacks falls back to a table column without errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await openApp(page, '#x=calibrated%3Agone&y=nb201%3Ac100_test');
  const picker = page.getByTestId('x-axis');
  const first = await picker.locator('option').first().getAttribute('value');
  expect(first).not.toMatch(/^calibrated:/);
  await expect(picker).toHaveValue(first!);
  await expect(page.getByTestId('scatter')).toHaveAttribute('data-drawn', /^[1-9]\d*$/);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});
