import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { openLearnStore } from '../db/learn-progress';
import { LearnState } from './learn.svelte';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('LearnState', () => {
  beforeEach(() => {
    // A fresh database per test: the state opens the default factory.
    globalThis.indexedDB = new IDBFactory();
  });

  it('reads its lesson and settings from the hash and writes only what differs from the defaults', () => {
    const learn = new LearnState('#view=learn&l.lesson=4&l.n=200&s.budget=7');
    expect(learn.lesson).toBe(4);
    expect(learn.settings['l.n']).toBe(200);
    expect(learn.hash).toBe('#l.lesson=4&l.n=200');
    learn.loadHash('#l.lesson=2');
    expect(learn.hash).toBe('#l.lesson=2');
  });

  it('keeps progress, settings and results in IndexedDB and restores them for a plain link', async () => {
    const first = new LearnState('#view=learn&l.lesson=1');
    await first.restore();
    first.set('l.edges', '000000');
    first.markDone(1);
    first.openLesson(4);
    first.keepResult(4, [{ n: 10, gcn: 0.5 }]);
    await settle();
    const { store } = await openLearnStore();
    const saved = await store.load();
    expect(saved.done).toEqual([1]);
    expect(saved.visited).toEqual([1, 4]);
    expect(saved.settings['l.edges']).toBe('000000');
    store.close();

    const plain = new LearnState('#view=learn');
    await plain.restore();
    expect(plain.lesson).toBe(4);
    expect(plain.settings['l.edges']).toBe('000000');
    expect(plain.result(4)).toEqual([{ n: 10, gcn: 0.5 }]);

    // A link with lesson settings wins over what was kept.
    const linked = new LearnState('#view=learn&l.lesson=2');
    await linked.restore();
    expect(linked.lesson).toBe(2);
    expect(linked.settings['l.edges']).toBe(new LearnState('').settings['l.edges']);
  });
});
