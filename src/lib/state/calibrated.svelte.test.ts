import { describe, expect, it } from 'vitest';
import { MemoryCalibratedStore, type CalibratedStore } from '../db/calibrated';
import { sampleCalibrated } from '../latency/calibrated-fixtures';
import { CalibratedState } from './calibrated.svelte';

describe('CalibratedState', () => {
  it('opens the store once, so every view reads and writes the same one', async () => {
    let opened = 0;
    const state = new CalibratedState(async () => ({ store: new MemoryCalibratedStore(), notice: `opened ${++opened}` }));
    const [a, b] = await Promise.all([state.open(), state.open()]);
    expect(a.store).toBe(b.store);
    expect(opened).toBe(1);
    await a.store.save(sampleCalibrated('shared'));
    await state.refresh();
    expect(state.predictors.map((p) => p.id)).toEqual(['shared']);
    expect(state.notice).toBe('opened 1');
  });

  it('reads every saved predictor with its predictions, newest first', async () => {
    const store = new MemoryCalibratedStore();
    await store.save(sampleCalibrated('old', 1000));
    await store.save(sampleCalibrated('new', 2000));
    const state = new CalibratedState(async () => ({ store }));
    expect(state.predictors).toEqual([]);
    await state.refresh();
    expect(state.predictors.map((p) => p.id)).toEqual(['new', 'old']);
    expect(state.predictors[0].predictions).toHaveLength(15625);
    expect(state.predictors[0].predictions[1]).toBeCloseTo(1.1, 6);
    expect(state.problems).toEqual([]);
    expect(state.notice).toBeNull();
  });

  it('names a record it cannot read and keeps the others; a failing list keeps what was read before', async () => {
    const memory = new MemoryCalibratedStore();
    await memory.save(sampleCalibrated('good', 2000));
    await memory.save(sampleCalibrated('bad', 1000));
    let listFails = false;
    const store: CalibratedStore = {
      mode: 'memory',
      save: (p) => memory.save(p),
      delete: (id) => memory.delete(id),
      close: () => {},
      list: async () => {
        if (listFails) throw new Error('The connection to the database was closed');
        return memory.list();
      },
      load: async (id) => {
        if (id === 'bad') throw new Error('saved calibrated predictor bad: prediction of cell #4 is -1; each must be a positive number of ms or NaN');
        return memory.load(id);
      },
    };
    const state = new CalibratedState(async () => ({ store }));
    await state.refresh();
    expect(state.predictors.map((p) => p.id)).toEqual(['good']);
    expect(state.problems).toEqual(['saved calibrated predictor bad: prediction of cell #4 is -1; each must be a positive number of ms or NaN']);

    listFails = true;
    await state.refresh();
    expect(state.predictors.map((p) => p.id)).toEqual(['good']);
    expect(state.problems).toEqual(['The connection to the database was closed']);
  });

  it('lets the latest refresh win when an older one answers later', async () => {
    const memory = new MemoryCalibratedStore();
    await memory.save(sampleCalibrated('first'));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const store: CalibratedStore = {
      mode: 'memory',
      save: (p) => memory.save(p),
      delete: (id) => memory.delete(id),
      close: () => {},
      load: (id) => memory.load(id),
      // The first list is slow: it answers after the second refresh is done.
      list: async () => {
        const listed = await memory.list();
        if (++calls === 1) await held;
        return listed;
      },
    };
    const state = new CalibratedState(async () => ({ store }));
    const slow = state.refresh();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await memory.delete('first');
    await state.refresh();
    expect(state.predictors).toEqual([]);
    release();
    await slow;
    expect(state.predictors).toEqual([]);
  });
});
