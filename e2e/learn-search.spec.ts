import { expect, test } from '@playwright/test';
import { calibratedToFile } from '../src/lib/latency/calibrated-predictor';
import { sampleCalibrated } from '../src/lib/latency/calibrated-fixtures';
import { openApp, readSourceCsv } from './helpers';

// Lessons 5-7 with their small configs: a few seconds of training or searching each.

test('lesson 5 trains both predictors on the same cells at open, retrains on a new seed, and a link restores its settings', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=learn&l.lesson=5&l.cells=50&l.seed=2&l.pair=3');
  await expect(page.getByTestId('lesson')).toHaveAttribute('data-lesson', '5');
  // The link's settings: 50 cells, seed 2, the fourth example pair.
  await expect(page.getByTestId('lesson5-size')).toHaveValue('50');
  await expect(page.getByTestId('lesson5-seed')).toHaveValue('2');
  const scores = page.getByTestId('lesson5-scores');
  await expect(scores).toHaveAttribute('data-seed', '2', { timeout: 60_000 });
  await expect(scores).toHaveAttribute('data-size', '50');
  const kendall = async (kind: string) => Number(await page.getByTestId(`lesson5-row-${kind}`).getAttribute('data-kendall'));
  for (const kind of ['regression', 'brp']) {
    expect(Math.abs(await kendall(kind))).toBeLessThanOrEqual(1);
    expect(Number(await page.getByTestId(`lesson5-row-${kind}`).getAttribute('data-hits'))).toBeGreaterThanOrEqual(0);
  }
  const before = [await kendall('regression'), await kendall('brp')];
  const pair = page.getByTestId('lesson5-pair');
  const firstPair = await pair.getAttribute('data-a');
  await page.getByTestId('lesson5-next-pair').click();
  await expect(pair).not.toHaveAttribute('data-a', firstPair!);
  await expect(page).toHaveURL(/l\.pair=4/);

  // Main interaction: another seed draws other cells; both predictors train again and score differently.
  await page.getByTestId('lesson5-seed').fill('3');
  await page.getByTestId('lesson5-seed').press('Enter');
  await page.getByTestId('lesson5-train').click();
  await expect(page.getByTestId('lesson5-progress')).toBeVisible();
  await expect(scores).toHaveAttribute('data-seed', '3', { timeout: 60_000 });
  expect([await kendall('regression'), await kendall('brp')]).not.toEqual(before);
  await expect(page).toHaveURL(/l\.seed=3/);
});

test('lesson 6 shows random search first, steps one BRP-NAS iteration with its phases lit, and a link restores slow motion', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, '#view=learn&l.lesson=6&l.budget=20&l.seed=1&l.slow=1');
  await expect(page.getByTestId('lesson6-budget')).toHaveValue('20');
  await expect(page.getByTestId('lesson6-slow')).toBeChecked();
  const summary = page.getByTestId('lesson6-summary');
  await expect(summary).toContainText(/Random search found \d+\.\d\d % test accuracy in 20 queries/);
  await expect(summary).toHaveAttribute('data-queried', '0');

  // Slow motion off for the step, so the phases follow the worker at once.
  await page.getByTestId('lesson6-slow').uncheck();
  await expect(page).not.toHaveURL(/l\.slow/);
  await page.getByTestId('lesson6-step').click();
  const loop = page.getByTestId('lesson6-loop');
  await expect(loop).toHaveAttribute('data-phase', /select|query|train|rank/, { timeout: 30_000 });
  await expect(summary).toHaveAttribute('data-iterations', '1', { timeout: 60_000 });
  await expect(summary).toHaveAttribute('data-status', 'paused');
  await expect(summary).toHaveAttribute('data-queried', '4');
  await expect(loop).toHaveAttribute('data-phase', 'rank');
  await expect(summary).toContainText(/After 4 of 20 queries \(1 of 5 iterations\): BRP-NAS’s best cell\s+scores \d+\.\d\d %/);
  await expect(page.getByTestId('lesson6-taus').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('lesson6-taus')).toContainText(/Kendall τ -?0\.\d{3}/);

  // One more iteration, in slow motion: each phase stays lit in turn.
  await page.getByTestId('lesson6-slow').check();
  await page.getByTestId('lesson6-step').click();
  await expect(loop).toHaveAttribute('data-phase', 'select', { timeout: 30_000 });
  await expect(loop).toHaveAttribute('data-iteration', '1');
  await expect(summary).toHaveAttribute('data-iterations', '2', { timeout: 60_000 });
  await expect(summary).toHaveAttribute('data-queried', '8');
});

test('lesson 7 moves a latency budget to another best cell, searches within it, and a link restores budget and devices', async ({ page }) => {
  test.setTimeout(150_000);
  await openApp(page, '#view=learn&l.lesson=7&l.limit=300&l.other=latbench:mobile_gpu_sd855_adreno640_int8&l.seed=1');
  // No calibrated device in a fresh browser: the lesson says so and uses a table phone.
  await expect(page.getByTestId('lesson7-no-device')).toBeVisible();
  await expect(page.getByTestId('lesson7-device')).toHaveValue('latbench:mobile_cpu_sd855_kryo485_int8');
  await expect(page.getByTestId('lesson7-other')).toHaveValue('latbench:mobile_gpu_sd855_adreno640_int8');
  await expect(page.getByTestId('lesson7-budget')).toHaveValue('300');
  const best = page.getByTestId('lesson7-best');
  await expect(best).toHaveAttribute('data-cell', /^\d+$/);
  const [cell, limit, within] = [await best.getAttribute('data-cell'), Number(await best.getAttribute('data-limit')), Number(await best.getAttribute('data-within'))];
  await expect(page.getByTestId('lesson7-shared')).toHaveAttribute('data-shared', /^\d+$/);

  // Main interaction: a larger budget admits more cells, a better (or equal) best cell, and is kept in the link.
  await page.getByTestId('lesson7-budget').fill('700');
  await expect(best).not.toHaveAttribute('data-limit', String(limit));
  expect(Number(await best.getAttribute('data-limit'))).toBeGreaterThan(limit);
  expect(Number(await best.getAttribute('data-within'))).toBeGreaterThan(within);
  await expect(page).toHaveURL(/l\.limit=700/);
  expect(await best.getAttribute('data-cell')).not.toBe(cell);

  await page.getByTestId('lesson7-search').click();
  const found = page.getByTestId('lesson7-found');
  await expect(found).toHaveAttribute('data-cell', /^\d+$/, { timeout: 120_000 });
  expect(Number(await found.getAttribute('data-limit'))).toBe(Number(await best.getAttribute('data-limit')));
  // The search filtered by a calibration from 20 of the phone's cells; the table checks that filter.
  const filter = page.getByTestId('lesson7-filter');
  await expect(filter).toContainText('checked against the table');
  await expect(filter).toHaveAttribute('data-wrongly-admitted', /^\d+$/);
  await expect(filter).toHaveAttribute('data-wrongly-dropped', /^\d+$/);
});

test('lesson 7 works on the visitor’s calibrated device once there is one, beside a table device', async ({ page }) => {
  test.setTimeout(60_000);
  const nb201 = readSourceCsv('nb201/nb201.csv');
  const predictions = Float32Array.from({ length: 15625 }, (_, i) => {
    const row = nb201.get(i)!;
    return row.connected === '1' ? 0.5 + Number(row.c10_flops) / 40 : Number.NaN;
  });
  await openApp(page, '#view=profile');
  await page
    .getByTestId('calibrated-import')
    .setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(calibratedToFile({ ...sampleCalibrated('e2e-lesson7'), name: 'Lesson laptop', predictions })) });
  await expect(page.getByTestId('calibrated-status')).toHaveText('Imported “Lesson laptop” from mine.json.');

  await page.goto('about:blank');
  await openApp(page, '#view=learn&l.lesson=7&l.limit=500');
  await expect(page.getByTestId('lesson7-device')).toHaveValue('calibrated:e2e-lesson7');
  await expect(page.getByTestId('lesson7-no-device')).toHaveCount(0);
  const best = page.getByTestId('lesson7-best');
  await expect(best).toHaveAttribute('data-cell', /^\d+$/);
  // The budget is on this device's predicted latency: the best cell's prediction is within it.
  const cell = Number(await best.getAttribute('data-cell'));
  expect(predictions[cell]).toBeLessThanOrEqual(Number(await best.getAttribute('data-limit')));
  await expect(best).toContainText('by its calibrated prediction');
  await expect(page.getByTestId('lesson7-shared')).toContainText('Lesson laptop');
});
