import { describe, expect, it } from 'vitest';
import type { IngestPhase, IngestProgress } from '../db/ingest';
import { firstTablesStored } from './data.svelte';

const progress = (datasetId: string, phase: IngestPhase): IngestProgress => ({ datasetId, phase, loaded: 0, total: 1 });

describe('firstTablesStored', () => {
  it('says yes once every first table is stored, unchanged or failed, not before', () => {
    const stored = firstTablesStored(['nb201', 'latbench']);
    expect(stored(progress('nb201', 'check'))).toBe(false);
    expect(stored(progress('nb201', 'download'))).toBe(false);
    expect(stored(progress('nb201', 'store'))).toBe(false);
    expect(stored(progress('nb201', 'done'))).toBe(false);
    expect(stored(progress('latbench', 'decode'))).toBe(false);
    expect(stored(progress('latbench', 'skip'))).toBe(true);

    const failed = firstTablesStored(['nb201', 'help']);
    expect(failed(progress('help', 'error'))).toBe(false);
    expect(failed(progress('nb201', 'skip'))).toBe(true);
  });

  it('says yes when the ingest reaches another dataset: a first one it has not met is not in the manifest', () => {
    const stored = firstTablesStored(['nb201', 'user-abc']);
    expect(stored(progress('nb201', 'done'))).toBe(false);
    expect(stored(progress('help', 'check'))).toBe(true);
  });
});
