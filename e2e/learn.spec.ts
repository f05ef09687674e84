import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openApp, readStore } from './helpers';

// LEARN_SHOTS=/some/dir saves a 1280 px and a 360 px screenshot of each lesson there.
const SHOTS = process.env.LEARN_SHOTS;

async function shoot(page: Page, lesson: number): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: `${SHOTS}/lesson${lesson}-${width}.png`, fullPage: true });
}

const lesson = (page: Page) => page.getByTestId('lesson');

/** A real reload (going to another hash of the same page would only fire hashchange). */
async function reopen(page: Page, hash: string): Promise<void> {
  await page.goto('about:blank');
  await openApp(page, hash);
}

test.describe('Learn view', () => {
  test('lesson 1: clicking an edge changes the arch string, the graph and the deep link', async ({ page }) => {
    await openApp(page, '#view=learn&l.lesson=1');
    await expect(lesson(page)).toHaveAttribute('data-lesson', '1');
    const arch = page.getByTestId('arch');
    await expect(arch).toHaveText('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_3x3~1|none~2|');
    await expect(page.getByText('8,687', { exact: true })).toBeVisible();
    // Node 2 leads nowhere: the 25 cells that differ only on 0→2 and 1→2 share the graph, and so
    // do the 4 whose node 2 gets no input (0→2, 1→2 none) whatever 2→3 is.
    await expect(page.getByTestId('group')).toHaveAttribute('data-group-size', '29');
    // Edge 2→3 (the sixth) goes from none to skip: node 2 now counts, and the graph is its own.
    await page.getByTestId('edge-5').click();
    await expect(arch).toHaveText(/skip_connect~2\|$/);
    await expect(page).toHaveURL(/l\.edges=313031/);
    await expect(page.getByTestId('group')).not.toHaveAttribute('data-group-size', '29');
    // A cell whose only exit from node 2 is none shares its graph with other cells.
    await reopen(page, '#view=learn&l.lesson=1&l.edges=330030');
    const group = page.getByTestId('group');
    const size = Number(await group.getAttribute('data-group-size'));
    expect(size).toBeGreaterThan(1);
    await group.getByRole('button', { name: 'Show another of them' }).click();
    await expect(page).not.toHaveURL(/l\.edges=330030/);
    await expect(group).toHaveAttribute('data-group-size', String(size));
    await expect(page.getByTestId('network')).toContainText('MFLOPs');
    // The progress is kept in IndexedDB.
    const [record] = await readStore<{ progress: { done: number[] } }>(page, 'learn');
    expect(record.progress.done).toContain(1);
  });

  test('lesson 2: choosing a device changes its rank correlation; the deep link restores it', async ({ page }) => {
    await openApp(page, '#view=learn&l.lesson=2');
    const chosen = page.getByTestId('chosen');
    const before = await chosen.getAttribute('data-rho');
    const options = page.getByTestId('devices').getByRole('button');
    expect(await options.count()).toBeGreaterThan(10);
    await options.first().click();
    const key = await options.first().getAttribute('data-key');
    await expect(chosen).toHaveAttribute('data-device', key!);
    const best = Number(await chosen.getAttribute('data-rho'));
    expect(best).toBeGreaterThan(Number(before));
    await options.last().click();
    await expect(chosen).not.toHaveAttribute('data-device', key!);
    const worst = Number(await chosen.getAttribute('data-rho'));
    expect(worst).toBeLessThan(best);
    // The deep link brings the device back.
    await reopen(page, `#view=learn&l.lesson=2&l.device=${encodeURIComponent(key!)}`);
    await expect(page.getByTestId('chosen')).toHaveAttribute('data-device', key!);
  });

  test('lesson 3: a guess measures both cells live and says who was right', async ({ page }) => {
    test.setTimeout(90_000);
    await openApp(page, '#view=learn&l.lesson=3');
    const game = page.getByTestId('game');
    await expect(game).toHaveAttribute('data-outcome', 'none');
    await page.getByRole('button', { name: 'Left is faster' }).click();
    await expect(game).toHaveAttribute('data-outcome', /right|wrong/, { timeout: 60_000 });
    for (const k of [0, 1]) expect(Number(await page.getByTestId(`ms-${k}`).textContent())).toBeGreaterThan(0);
    await expect(page.getByTestId('placement')).toHaveAttribute('data-measured', '2');
  });

  test('lesson 4: the first point trains on open; moving the slider trains another N', async ({ page }) => {
    test.setTimeout(120_000);
    await openApp(page, '#view=learn&l.lesson=4&l.n=10');
    const result = page.getByTestId('result');
    await expect(result).toHaveAttribute('data-n', '10', { timeout: 60_000 });
    const first = Number(await result.getAttribute('data-gcn'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(1);
    await page.getByRole('slider').press('ArrowRight');
    await expect(page.getByTestId('n')).toHaveText('20');
    await expect(page).toHaveURL(/l\.n=20/);
    await expect(result).toHaveAttribute('data-n', '20', { timeout: 60_000 });
    await expect(page.getByRole('img', { name: /N=10: .*N=20: / })).toBeVisible();
    // The points are kept: a reload shows them without training again.
    await reopen(page, '#view=learn&l.lesson=4&l.n=20');
    await expect(result).toHaveAttribute('data-n', '20', { timeout: 5_000 });
  });

  test('the lesson list works from the keyboard and remembers the lesson', async ({ page }) => {
    await openApp(page, '#view=learn&l.lesson=1');
    await page.locator('[data-lesson="1"]').first().focus();
    await page.keyboard.press('ArrowDown');
    await expect(lesson(page)).toHaveAttribute('data-lesson', '2');
    await expect(page.locator('button[data-lesson="2"]')).toBeFocused();
    await page.getByRole('button', { name: /The search space ←|← The search space/ }).click();
    await expect(lesson(page)).toHaveAttribute('data-lesson', '1');
    await page.getByRole('button', { name: 'The benchmark →' }).click();
    await expect(lesson(page)).toHaveAttribute('data-lesson', '2');
    // A plain link to the view opens the lesson left last.
    await reopen(page, '#view=learn');
    await expect(lesson(page)).toHaveAttribute('data-lesson', '2');
  });
});

test.describe('at 360 px', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('no view is wider than the screen', async ({ page }) => {
    await openApp(page, '');
    for (const view of ['explore', 'train', 'search', 'profile', 'learn']) {
      await page.evaluate((v) => (location.hash = `#view=${v}`), view);
      await expect(page.locator('nav[aria-label="Views"] [aria-current="page"]')).toBeVisible();
      await page.waitForTimeout(500);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${view} is ${width} px wide`).toBeLessThanOrEqual(360);
    }
    for (const n of [1, 2, 3, 4]) {
      await page.evaluate((l) => (location.hash = `#view=learn&l.lesson=${l}`), n);
      await expect(lesson(page)).toHaveAttribute('data-lesson', String(n));
      await page.waitForTimeout(500);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `lesson ${n} is ${width} px wide`).toBeLessThanOrEqual(360);
    }
  });
});

test.describe('screenshots', () => {
  test.skip(!SHOTS, 'LEARN_SHOTS names a folder for the screenshots');
  for (const width of [1280, 360]) {
    test(`each lesson at ${width} px`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
      test.setTimeout(240_000);
      for (const n of [1, 2, 3, 4, 5, 6, 7]) {
        await reopen(page, `#view=learn&l.lesson=${n}`);
        await expect(lesson(page)).toHaveAttribute('data-lesson', String(n));
        if (n === 4) await expect(page.getByTestId('result')).toHaveAttribute('data-n', /\d/, { timeout: 60_000 });
        if (n === 5) await expect(page.getByTestId('lesson5-scores')).toHaveAttribute('data-seed', /\d/, { timeout: 60_000 });
        if (n === 7) {
          await page.getByTestId('lesson7-search').click();
          await expect(page.getByTestId('lesson7-found')).toHaveAttribute('data-cell', /^\d+$/, { timeout: 60_000 });
        }
        await page.waitForTimeout(800);
        await shoot(page, n);
      }
    });
  }
});
