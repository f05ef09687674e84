import { expect, test, type Page } from '@playwright/test';
import { openApp, readSourceCsv, readStore, storedColumnLengths } from './helpers';

const nb201 = readSourceCsv('nb201/nb201.csv');
const arch = (index: number) => nb201.get(index)!.arch_str;

async function importFile(page: Page, name: string, content: string | Buffer) {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
}

async function storedDatasetIds(page: Page): Promise<string[]> {
  return (await readStore<IDBValidKey>(page, 'datasets', { keys: true })).map(String).sort();
}

test('a good table is imported and plotted; every bad table is refused with its message and nothing changes', async ({ page }) => {
  await openApp(page);

  const good = ['arch_str,latency_ms', ...[0, 1, 9930, 1462].map((i, k) => `${arch(i)},${(3.5 + k).toFixed(2)}`)].join('\n');
  await importFile(page, 'my-laptop.csv', good);
  await expect(page.getByTestId('import-ok')).toContainText('latency_ms');
  await page.getByTestId('x-axis').selectOption({ label: 'latency_ms (ms)' });
  await expect(page.getByTestId('scatter')).toHaveAttribute('data-points', '4');

  const before = await storedDatasetIds(page);
  expect(before).toContain('user:my-laptop');
  const userColumns = await storedColumnLengths(page, 'user:my-laptop');

  const bad: [string, string | Buffer, RegExp][] = [
    ['wrong-columns.csv', 'name,latency_ms\nfoo,3.2\n', /no key column/],
    ['non-numeric.csv', `arch_str,latency_ms\n${arch(0)},fast\n`, /line 2, column 'latency_ms': 'fast' is not a number/],
    ['nan.csv', `arch_str,latency_ms\n${arch(0)},NaN\n`, /line 2, column 'latency_ms': 'NaN' is not a finite number/],
    ['negative.csv', `arch_str,latency_ms\n${arch(0)},-2.5\n`, /line 2, column 'latency_ms': '-2\.5' is not a valid latency; latencies must be > 0/],
    ['duplicate.csv', `index,latency_ms\n5,1.0\n7,2.0\n5,3.0\n`, /lines 2 and 4 are both NB201 index 5/],
    ['unknown.csv', `arch_str,latency_ms\n|conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|,2.0\n`, /line 2, column arch_str: '.*' is not a NAS-Bench-201 architecture/],
    ['binary.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]), /looks like a binary file/],
    ['injection.csv', `arch_str,latency_ms\n${arch(0)},"=HYPERLINK(""http://evil.example"",""click"")"\n`, /looks like a spreadsheet formula/],
  ];
  for (const [name, content, message] of bad) {
    await importFile(page, name, content);
    const error = page.getByTestId('import-error');
    await expect(error, name).toHaveText(message);
    await expect(error, name).toContainText(name);
  }
  // The formula is shown as inert text: no link was created from it.
  await expect(page.getByTestId('import-error').locator('a')).toHaveCount(0);

  // A 500 MB file is refused before it is read (built from one 1 MB part repeated: cheap to create).
  await page.evaluate(() => {
    const part = new Blob([new Uint8Array(1024 * 1024).fill(0x31)]);
    const file = new File(
      Array.from({ length: 500 }, () => part),
      'huge.csv',
      { type: 'text/csv' },
    );
    const transfer = new DataTransfer();
    transfer.items.add(file);
    document.querySelector('[data-testid=drop-zone]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId('import-error')).toHaveText(/huge\.csv is 500 MB; the limit is 50 MB/);

  // Nothing was stored by any refused import, and the earlier data is intact.
  expect(await storedDatasetIds(page)).toEqual(before);
  expect(await storedColumnLengths(page, 'user:my-laptop')).toEqual(userColumns);
  expect(new Set(await storedColumnLengths(page, 'nb201'))).toEqual(new Set([15625]));
  await expect(page.getByTestId('scatter')).toHaveAttribute('data-points', '4');
});
