import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { checkProgress, EMPTY_PROGRESS, MemoryLearnStore, openLearnStore, type LearnProgress, type LearnStore } from './learn-progress';
import { openDatabase } from './open';
import { MIGRATIONS } from './schema';

const PROGRESS: LearnProgress = {
  visited: [1, 4],
  done: [1],
  lastLesson: 4,
  settings: { 'l.lesson': 4, 'l.n': 200 },
  results: { 4: [{ n: 50, gcn: 0.5, scores: new Float32Array([1.5, 2]) }] },
};

function behaviour(make: () => Promise<LearnStore>) {
  it('starts empty, then reads back what was saved (typed arrays included)', async () => {
    const store = await make();
    expect(await store.load()).toEqual(EMPTY_PROGRESS);
    await store.save(PROGRESS);
    const read = await store.load();
    expect(read).toEqual(PROGRESS);
    expect((read.results[4] as { scores: Float32Array }[])[0].scores).toBeInstanceOf(Float32Array);
  });
}

describe('IdbLearnStore', () => {
  behaviour(async () => (await openLearnStore(new IDBFactory())).store);

  it('works on a database upgraded from v2, next to what v2 stored', async () => {
    const factory = new IDBFactory();
    const v2 = await openDatabase(factory, MIGRATIONS.slice(0, 2), 5000);
    await v2.put('searchRuns', { id: 'run-1' });
    v2.close();
    const { store } = await openLearnStore(factory);
    expect(store.mode).toBe('indexeddb');
    await store.save(PROGRESS);
    expect((await store.load()).lastLesson).toBe(4);
    store.close();
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(db.version).toBe(3);
    expect(await db.get('searchRuns', 'run-1')).toEqual({ id: 'run-1' });
    db.close();
  });
});

describe('MemoryLearnStore', () => {
  behaviour(async () => new MemoryLearnStore());

  it('is what a tab without IndexedDB gets, with a notice', async () => {
    const { store, notice } = await openLearnStore(null);
    expect(store.mode).toBe('memory');
    expect(notice).toMatch(/in memory/);
  });
});

describe('checkProgress', () => {
  it('reads a malformed record as a fresh start', () => {
    expect(checkProgress(undefined)).toEqual(EMPTY_PROGRESS);
    expect(checkProgress({ ...PROGRESS, visited: ['x'] })).toEqual(EMPTY_PROGRESS);
    expect(checkProgress(PROGRESS)).toBe(PROGRESS);
  });
});
