import { expect, test } from '@playwright/test';
import { hoverValue, openApp, readSourceCsv, storedColumnLengths } from './helpers';

const nb201 = readSourceCsv('nb201/nb201.csv');
const latbench = readSourceCsv('latbench/latbench.csv');
const BEST_C100 = 9930; // best CIFAR-100 test accuracy (73.513 %), unique at the top of the plot

test('first visit ingests the NB201-space tables into IndexedDB; a reload is a checksum hit', async ({ page }) => {
  const tableRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.bin.gz')) tableRequests.push(r.url());
  });
  await openApp(page);

  for (const [id, rows] of [
    ['nb201', 15625],
    ['latbench', 15284],
    ['help', 15625],
    ['hwnasbench', 15625],
  ] as const) {
    const lengths = await storedColumnLengths(page, id);
    expect(lengths.length, `${id} columns`).toBeGreaterThan(1);
    expect(new Set(lengths), `${id} rows`).toEqual(new Set([rows]));
  }
  expect(tableRequests.length).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^(wasm|webgl|cpu|webgpu)$/, { timeout: 30_000 });

  await page.getByTestId('dataset-status').locator('summary').click();
  await expect(page.locator('[data-dataset=nb201] td').nth(2)).toHaveText('15,625');
  const imported = await page.locator('[data-dataset=nb201] td').nth(3).textContent();
  tableRequests.length = 0;
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/);
  expect(tableRequests, 'no table is downloaded again').toEqual([]);
  await page.getByTestId('dataset-status').locator('summary').click();
  await expect(page.locator('[data-dataset=nb201] td').nth(3)).toHaveText(imported!);
  expect(new Set(await storedColumnLengths(page, 'latbench'))).toEqual(new Set([15284]));
});

test('the scatter draws every cell, hover names the cell, switching device changes x', async ({ page }) => {
  await openApp(page, '#x=nb201%3Ac10_flops&y=nb201%3Ac100_test');
  const scatter = page.getByTestId('scatter');
  await expect(scatter).toHaveAttribute('data-points', '15625');
  await expect(scatter).toHaveAttribute('data-drawn', '15625');
  expect(Number(await scatter.getAttribute('data-front'))).toBeGreaterThan(3);

  const best = nb201.get(BEST_C100)!;
  let card = await hoverValue(page, Number(best.c10_flops), Number(best.c100_test));
  await expect(card).toHaveAttribute('data-index', String(BEST_C100));
  await expect(card.getByTestId('arch-str')).toHaveText(best.arch_str);
  await expect(card).toContainText('CIFAR-100 test accuracy73.51 %');

  // LatBench has no row for the 341 disconnected cells.
  await page.getByTestId('x-axis').selectOption('latbench:desktop_cpu_i7_7820x_fp32');
  await expect(scatter).toHaveAttribute('data-points', '15284');
  await expect(scatter).toHaveAttribute('data-drawn', '15284');
  const cpuDomain = await scatter.getAttribute('data-x-domain');

  await page.getByTestId('x-axis').selectOption('latbench:embedded_tpu_edgetpu_int8');
  await expect(scatter).not.toHaveAttribute('data-x-domain', cpuDomain!);
  await expect(page).toHaveURL(/x=latbench%3Aembedded_tpu_edgetpu_int8/);
  const tpuMs = Number(latbench.get(BEST_C100)!.embedded_tpu_edgetpu_int8);
  card = await hoverValue(page, tpuMs, Number(best.c100_test));
  await expect(card).toHaveAttribute('data-index', String(BEST_C100));
  await expect(card).toContainText(`${tpuMs.toFixed(3)} ms`);

  // Click pins the cell (and the pin is in the shareable URL).
  await page.mouse.down();
  await page.mouse.up();
  await expect(page.getByTestId('pinned-card')).toHaveAttribute('data-index', String(BEST_C100));
  await expect(page).toHaveURL(new RegExp(`pin=${BEST_C100}`));
});

test('a shared URL restores the view', async ({ page }) => {
  await openApp(page, `#x=help%3Apixel2&y=nb201%3Ac10_test&cells=connected&pin=${BEST_C100}`);
  await expect(page.getByTestId('x-axis')).toHaveValue('help:pixel2');
  await expect(page.getByTestId('y-axis')).toHaveValue('nb201:c10_test');
  await expect(page.getByTestId('scatter')).toHaveAttribute('data-points', '15284');
  await expect(page.getByTestId('pinned-card')).toHaveAttribute('data-index', String(BEST_C100));
  await expect(page.getByTestId('axis-caveat')).toContainText('integer ms');
});

test('zoom and pan are drawn, kept in the URL and reset', async ({ page }) => {
  await openApp(page, '#x=nb201%3Ac10_flops');
  const scatter = page.getByTestId('scatter');
  await expect(scatter).toHaveAttribute('data-drawn', '15625');
  // Zoom in around the best CIFAR-100 cell, where the cloud is dense.
  const best = nb201.get(BEST_C100)!;
  await hoverValue(page, Number(best.c10_flops), Number(best.c100_test));
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -300);
  await expect(page).toHaveURL(/zoom=/);
  const drawn = async () => Number(await scatter.getAttribute('data-drawn'));
  await expect.poll(drawn).toBeLessThan(15625);
  expect(await drawn()).toBeGreaterThan(0);
  const domain = async () => (await scatter.getAttribute('data-x-domain'))!.split(',').map(Number);
  const zoomed = await domain();

  // The URL keeps the zoom (rounded to 6 significant digits).
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready-at-ms', /\d/);
  await expect.poll(async () => Math.abs((await domain())[0] - zoomed[0]) + Math.abs((await domain())[1] - zoomed[1])).toBeLessThan(0.01);

  await page.getByRole('button', { name: 'Reset zoom' }).click();
  await expect(scatter).toHaveAttribute('data-drawn', '15625');
  await expect(page).not.toHaveURL(/zoom=/);
});
