/**
 * The Learn view's memory: which lessons the visitor opened and finished, the settings each
 * lesson was last left with, and results a lesson computed that took long (lesson 4's training
 * runs), so a returning student sees them at once. One record (`id: 'progress'`) in the `learn`
 * store (schema v3); a record that fails its checks reads as a fresh start.
 */
import { Connection } from './connection';
import { toStoreError } from './errors';
import { openOrMemory } from './open';
import type { KeyedRecord, LabDatabase, Migration } from './schema';

export interface LearnProgress {
  /** Lesson ids opened at least once. */
  visited: number[];
  /** Lesson ids whose main interaction was done at least once. */
  done: number[];
  /** The last lesson open. */
  lastLesson: number;
  /** The URL settings (`l.*` keys) as last left. */
  settings: Record<string, string | number>;
  /** Results a lesson keeps between visits, by lesson id (structured-clone data). */
  results: Record<string, unknown>;
}

export const EMPTY_PROGRESS: LearnProgress = { visited: [], done: [], lastLesson: 1, settings: {}, results: {} };

const RECORD_ID = 'progress';

interface ProgressRecord extends KeyedRecord {
  progress: LearnProgress;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/** The progress a stored value holds, or a fresh start when it is not one. */
export function checkProgress(value: unknown): LearnProgress {
  if (!isObject(value) || !isIds(value.visited) || !isIds(value.done) || !Number.isInteger(value.lastLesson) || !isObject(value.settings) || !isObject(value.results)) {
    return structuredClone(EMPTY_PROGRESS);
  }
  return value as unknown as LearnProgress;
}

export interface LearnStore {
  readonly mode: 'indexeddb' | 'memory';
  load(): Promise<LearnProgress>;
  save(progress: LearnProgress): Promise<void>;
  close(): void;
}

class IdbLearnStore implements LearnStore {
  readonly mode = 'indexeddb';
  readonly #conn: Connection;

  constructor(db: LabDatabase) {
    this.#conn = new Connection(db);
  }

  async load(): Promise<LearnProgress> {
    try {
      const record = (await this.#conn.get().get('learn', RECORD_ID)) as ProgressRecord | undefined;
      return checkProgress(record?.progress);
    } catch (error) {
      throw toStoreError(error, { action: 'read the lesson progress', write: false });
    }
  }

  async save(progress: LearnProgress): Promise<void> {
    try {
      const record: ProgressRecord = { id: RECORD_ID, progress };
      await this.#conn.get().put('learn', record);
    } catch (error) {
      throw toStoreError(error, { action: 'save the lesson progress', write: true });
    }
  }

  close(): void {
    this.#conn.close('The lesson progress store was closed');
  }
}

/** Same behaviour for a tab without IndexedDB; keeps a copy, as IndexedDB does. */
export class MemoryLearnStore implements LearnStore {
  readonly mode = 'memory';
  #progress: LearnProgress = structuredClone(EMPTY_PROGRESS);

  async load(): Promise<LearnProgress> {
    return structuredClone(this.#progress);
  }

  async save(progress: LearnProgress): Promise<void> {
    this.#progress = structuredClone(progress);
  }

  close(): void {}
}

/** Opens the store on IndexedDB, or in memory with a notice; never throws. */
export function openLearnStore(factory?: IDBFactory | null, options: { migrations?: readonly Migration[]; timeoutMs?: number } = {}): Promise<{ store: LearnStore; notice?: string }> {
  return openOrMemory<LearnStore>(
    'Lesson progress is kept',
    (db) => new IdbLearnStore(db),
    () => new MemoryLearnStore(),
    factory,
    options,
  );
}
