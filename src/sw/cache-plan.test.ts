import { describe, expect, it } from 'vitest';
import { CachePlan, cacheName, precacheEntries, type BuiltFile, type ManifestFiles } from './cache-plan';

const hex = (c: string) => c.repeat(64);

const FILES: BuiltFile[] = [
  { path: 'index.html', sha256: hex('1') },
  { path: 'sw.js', sha256: hex('2') },
  { path: 'assets/index-abc.js', sha256: hex('3') },
  { path: 'assets/tfjs-backend-wasm-threaded-simd-x.wasm', sha256: hex('4') },
  { path: 'datasets/.stamp.json', sha256: hex('5') },
  { path: 'datasets/manifest.json', sha256: hex('6') },
  { path: 'datasets/nb201.bin.gz', sha256: hex('7') },
  { path: 'datasets/latbench.bin.gz', sha256: hex('8') },
];

const manifest = (nb201: string, latbench = hex('b')): ManifestFiles => ({
  datasets: [
    { file: 'nb201.bin.gz', sha256: nb201 },
    { file: 'latbench.bin.gz', sha256: latbench },
  ],
});

describe('precacheEntries', () => {
  it('lists every built file but the worker and hidden files, datasets versioned by the manifest', () => {
    expect(precacheEntries(FILES, manifest(hex('a')))).toEqual([
      { path: 'assets/index-abc.js', revision: hex('3') },
      { path: 'assets/tfjs-backend-wasm-threaded-simd-x.wasm', revision: hex('4') },
      { path: 'datasets/latbench.bin.gz', revision: hex('b') },
      { path: 'datasets/manifest.json', revision: hex('6') },
      { path: 'datasets/nb201.bin.gz', revision: hex('a') },
      { path: 'index.html', revision: hex('1') },
    ]);
  });

  it('falls back to the file hash without a manifest', () => {
    expect(precacheEntries(FILES).find((e) => e.path === 'datasets/nb201.bin.gz')?.revision).toBe(hex('7'));
  });
});

describe('CachePlan', () => {
  const scope = 'https://teacher.github.io/brp-nas-lab/';
  const plan = new CachePlan(scope, precacheEntries(FILES, manifest(hex('a'))));

  it('keys an entry by its URL under the scope and its revision', () => {
    const entry = { path: 'datasets/nb201.bin.gz', revision: hex('a') };
    expect(plan.url(entry)).toBe(`${scope}datasets/nb201.bin.gz`);
    expect(plan.key(entry)).toBe(`${scope}datasets/nb201.bin.gz?__rev=${hex('a')}`);
  });

  it('maps a request to its entry: navigations to a folder are index.html, queries are ignored', () => {
    expect(plan.entryFor(scope, true)?.path).toBe('index.html');
    expect(plan.entryFor(`${scope}?x=1#y=2`, true)?.path).toBe('index.html');
    expect(plan.entryFor(`${scope}index.html`, true)?.path).toBe('index.html');
    expect(plan.entryFor(`${scope}datasets/manifest.json?t=1`, false)?.path).toBe('datasets/manifest.json');
    // A sub-resource request for the folder is not a navigation: nothing stands for it.
    expect(plan.entryFor(scope, false)).toBeUndefined();
  });

  it('has no entry for another origin, a path outside the scope, the worker or an unknown file', () => {
    expect(plan.entryFor('https://cdn.example.com/brp-nas-lab/index.html', true)).toBeUndefined();
    expect(plan.entryFor('https://teacher.github.io/other-repo/index.html', true)).toBeUndefined();
    expect(plan.entryFor('https://teacher.github.io/index.html', true)).toBeUndefined();
    expect(plan.entryFor(`${scope}sw.js`, false)).toBeUndefined();
    expect(plan.entryFor(`${scope}assets/missing.js`, false)).toBeUndefined();
    expect(plan.entryFor(`${scope}%E0%A4%A`, false)).toBeUndefined();
  });

  it('fetches everything into an empty cache and deletes nothing', () => {
    expect(plan.toFetch([])).toHaveLength(plan.entries.length);
    expect(plan.stale([])).toEqual([]);
  });

  it('re-fetches a dataset whose manifest checksum changed, and deletes its old copy only', () => {
    const cached = plan.entries.map((e) => plan.key(e));
    const next = new CachePlan(scope, precacheEntries(FILES, manifest(hex('c'))));
    expect(next.toFetch(cached)).toEqual([{ path: 'datasets/nb201.bin.gz', revision: hex('c') }]);
    expect(next.stale(cached)).toEqual([`${scope}datasets/nb201.bin.gz?__rev=${hex('a')}`]);
    // Once the new copy is in, the cache is complete and holds nothing stale.
    const after = [...cached.filter((k) => !next.stale(cached).includes(k)), ...next.toFetch(cached).map((e) => next.key(e))];
    expect(next.toFetch(after)).toEqual([]);
    expect(next.stale(after)).toEqual([]);
  });

  it('drops files a new build no longer writes, and leaves keys of other scopes alone', () => {
    const cached = [...plan.entries.map((e) => plan.key(e)), 'https://teacher.github.io/other-repo/index.html?__rev=1'];
    const next = new CachePlan(
      scope,
      plan.entries.filter((e) => e.path !== 'assets/index-abc.js'),
    );
    expect(next.stale(cached)).toEqual([`${scope}assets/index-abc.js?__rev=${hex('3')}`]);
  });

  it('names one cache per scope', () => {
    expect(cacheName(scope)).not.toBe(cacheName('https://teacher.github.io/other-repo/'));
  });
});
