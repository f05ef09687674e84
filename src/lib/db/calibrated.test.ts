import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { sampleCalibrated } from '../latency/calibrated-fixtures';
import { IdbCalibratedStore, MemoryCalibratedStore, openCalibratedStore, type CalibratedStore } from './calibrated';
import { openDatabase } from './open';
import { IdbPredictorStore } from './predictors';
import { MIGRATIONS } from './schema';

function behaviour(make: () => Promise<CalibratedStore>) {
  it('saves, lists newest first without predictions, loads and deletes', async () => {
    const store = await make();
    await store.save(sampleCalibrated('a', 1000));
    await store.save(sampleCalibrated('b', 3000));
    const { summaries, problems } = await store.list();
    expect(problems).toEqual([]);
    expect(summaries.map((s) => s.id)).toEqual(['b', 'a']);
    expect('predictions' in summaries[0]).toBe(false);
    expect(await store.load('a')).toEqual(sampleCalibrated('a', 1000));
    expect(await store.load('zzz')).toBeUndefined();
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect((await store.list()).summaries.map((s) => s.id)).toEqual(['b']);
  });

  it('refuses to save a broken predictor', async () => {
    const store = await make();
    await expect(store.save({ ...sampleCalibrated(), predictions: new Float32Array(2) })).rejects.toThrow(/float32 values/);
    expect((await store.list()).summaries).toEqual([]);
  });
}

describe('IdbCalibratedStore', () => {
  behaviour(async () => new IdbCalibratedStore(await openDatabase(new IDBFactory(), MIGRATIONS, 5000)));

  it('shares the predictors store with GCN predictors without either listing the other', async () => {
    const db = await openDatabase(new IDBFactory(), MIGRATIONS, 5000);
    const calibrated = new IdbCalibratedStore(db);
    await calibrated.save(sampleCalibrated('x'));
    expect((await new IdbPredictorStore(db).list()).summaries).toEqual([]);
    expect((await calibrated.list()).summaries.map((s) => s.id)).toEqual(['x']);
  });

  it('names a corrupt record instead of failing the list', async () => {
    const db = await openDatabase(new IDBFactory(), MIGRATIONS, 5000);
    await db.put('predictors', { id: 'calibrated:bad', predictor: { kind: 'calibrated-latency' } } as never);
    const store = new IdbCalibratedStore(db);
    await store.save(sampleCalibrated('ok'));
    const { summaries, problems } = await store.list();
    expect(summaries.map((s) => s.id)).toEqual(['ok']);
    expect(problems).toEqual([expect.stringMatching(/saved calibrated predictor bad: 'space' must be 'nb201'/)]);
  });
});

describe('MemoryCalibratedStore', () => {
  behaviour(async () => new MemoryCalibratedStore());

  it('is what opens without IndexedDB', async () => {
    const { store, notice } = await openCalibratedStore(null);
    expect(store.mode).toBe('memory');
    expect(notice).toMatch(/Calibrated predictors are kept/);
  });
});
