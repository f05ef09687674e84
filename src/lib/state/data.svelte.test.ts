import { describe, expect, it } from 'vitest';
import type { IngestPhase, IngestProgress } from '../db/ingest';
import { firstTablesReady } from './data.svelte';

const progress = (datasetId: string, phase: IngestPhase): IngestProgress => ({ datasetId, phase, loaded: 0, total: 1 });

describe('firstTablesReady', () => {
  it('says yes once every first table is stored, unchanged or failed, not before', () => {
    const stored = firstTablesReady(['nb201', 'latbench']).progress;
    expect(stored(progress('nb201', 'check'))).toBe(false);
    expect(stored(progress('nb201', 'download'))).toBe(false);
    expect(stored(progress('nb201', 'store'))).toBe(false);
    expect(stored(progress('nb201', 'done'))).toBe(false);
    expect(stored(progress('latbench', 'decode'))).toBe(false);
    expect(stored(progress('latbench', 'skip'))).toBe(true);

    const failed = firstTablesReady(['nb201', 'help']).progress;
    expect(failed(progress('help', 'error'))).toBe(false);
    expect(failed(progress('nb201', 'skip'))).toBe(true);
  });

  it('says yes when the ingest reaches another dataset: a first one it has not met is not in the manifest', () => {
    const stored = firstTablesReady(['nb201', 'user-abc']).progress;
    expect(stored(progress('nb201', 'done'))).toBe(false);
    expect(stored(progress('help', 'check'))).toBe(true);
  });

  it('says yes once every first table is decoded or settled: the worker sends decoded ones before storing them', () => {
    const ready = firstTablesReady(['nb201', 'latbench']);
    expect(ready.progress(progress('nb201', 'decode'))).toBe(false);
    expect(ready.decoded('nb201')).toBe(false);
    expect(ready.progress(progress('nb201', 'store'))).toBe(false);
    expect(ready.progress(progress('latbench', 'download'))).toBe(false);
    expect(ready.decoded('latbench')).toBe(true);
    const mixed = firstTablesReady(['nb201', 'latbench']);
    expect(mixed.progress(progress('nb201', 'skip'))).toBe(false);
    expect(mixed.decoded('latbench')).toBe(true);
  });
});
