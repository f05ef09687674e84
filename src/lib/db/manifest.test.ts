import { describe, expect, it } from 'vitest';
import { buildBundle, nb101Source, nb201Source } from './ingest-fixtures';
import { parseManifest } from './manifest';

const good = () => buildBundle([nb201Source('nb201', 5, 1), nb101Source(3)]).manifest;
type Entry = Record<string, unknown>;

function withEntry(change: (entry: Entry) => void) {
  const manifest = good();
  change(manifest.datasets[0] as unknown as Entry);
  return parseManifest(JSON.stringify(manifest));
}

describe('parseManifest', () => {
  it('accepts what the pipeline writes', () => {
    const manifest = good();
    const parsed = parseManifest(JSON.stringify(manifest));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.datasets).toEqual(manifest.datasets);
    expect(parsed.missing).toEqual([]);
  });

  it('refuses a file that is not a manifest at all, naming it', () => {
    expect(() => parseManifest('{nope')).toThrow(/^manifest\.json is not valid JSON \(/);
    expect(() => parseManifest('[1]')).toThrow('manifest.json is not a JSON object');
    expect(() => parseManifest('{"format":"brp-nas-lab/columns@1"}')).toThrow('manifest.json has no datasets list');
  });

  it.each([['../x.bin.gz'], ['/abs.bin.gz'], ['https://evil.test/x.bin.gz'], ['a/./b.bin.gz'], ['a//b'], ['']])('rejects the file path %j', (file) => {
    const parsed = withEntry((e) => {
      e.file = file;
    });
    expect(parsed.datasets.map((d) => d.id)).toEqual(['nb101']);
    expect(parsed.rejected).toEqual([{ id: 'nb201', problem: `manifest.json: dataset nb201: file ${JSON.stringify(file)} is not a plain relative path` }]);
  });

  it('accepts a plain path in a subfolder', () => {
    expect(
      withEntry((e) => {
        e.file = 'v2/nb201.bin.gz';
      }).rejected,
    ).toEqual([]);
  });

  it.each<[string, (e: Entry) => void, string]>([
    [
      'a bad id',
      (e) => {
        e.id = 'user:x';
      },
      'id must be 1-64 letters, digits, ".", "_" or "-"',
    ],
    [
      'an unknown space',
      (e) => {
        e.space = 'nb999';
      },
      'space "nb999" is not nb201, nb101 or darts',
    ],
    [
      'a short checksum',
      (e) => {
        e.sha256 = 'abc';
      },
      'sha256 must be 64 lowercase hex digits',
    ],
    [
      'negative rows',
      (e) => {
        e.rows = -1;
      },
      'rows must be a whole number',
    ],
    [
      'no columns',
      (e) => {
        e.columns = [];
      },
      'it lists no columns',
    ],
    [
      'an unknown dtype',
      (e) => {
        (e.columns as Entry[])[1].dtype = 'int64';
      },
      'column "c10_test" has an unknown dtype "int64"',
    ],
    [
      'a zero divisor',
      (e) => {
        (e.columns as Entry[])[1].divisor = 0;
      },
      'column "c10_test" has a bad divisor',
    ],
    [
      'a repeated column',
      (e) => {
        (e.columns as Entry[])[2].name = 'index';
      },
      'column "index" is listed twice',
    ],
    [
      'too few keys',
      (e) => {
        e.keys = ['a'];
      },
      'keys must be 5 strings, one per row',
    ],
  ])('sets aside an entry with %s', (_what, change, problem) => {
    const parsed = withEntry(change);
    expect(parsed.datasets.map((d) => d.id)).toEqual(['nb101']);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0].problem).toMatch(new RegExp(`^manifest\\.json: dataset (nb201|datasets\\[0\\]): ${problem.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}$`));
  });

  it('sets aside a repeated id, keeping the first', () => {
    const manifest = good();
    manifest.datasets.push({ ...manifest.datasets[0], title: 'again' });
    const parsed = parseManifest(JSON.stringify(manifest));
    expect(parsed.datasets.map((d) => d.title)).toEqual(['Table nb201', 'Table nb101']);
    expect(parsed.rejected).toEqual([{ id: 'nb201', problem: 'manifest.json: dataset nb201: its id is listed twice' }]);
  });

  it('passes the missing list through as strings', () => {
    const manifest = { ...good(), missing: [{ id: 'help', file: 'help.csv', problem: 'not found' }, 'junk'] };
    expect(parseManifest(JSON.stringify(manifest)).missing).toEqual([{ id: 'help', file: 'help.csv', problem: 'not found' }]);
  });
});
