/**
 * Opening the store: IndexedDB when the browser allows it, else memory with a notice that says
 * why. {@link openStore} never throws, so the app always has a store to work with.
 */
import { wrap } from 'idb';
import { MEMORY_ONLY, UPGRADED_ELSEWHERE, type StorageUsage } from './errors';
import { IdbStore } from './idb-store';
import { MemoryStore } from './memory-store';
import { DB_NAME, MIGRATIONS, runMigrations, type LabDatabase, type Migration, type UpgradeTransaction } from './schema';
import type { DataStore } from './store';

export interface OpenedStore {
  store: DataStore;
  mode: 'indexeddb' | 'memory';
  /** Why the store is in memory, as a sentence for the user; absent when all is well. */
  notice?: string;
}

interface OpenStoreOptions {
  /** Schema steps; tests pass longer lists to exercise upgrades. Default {@link MIGRATIONS}. */
  migrations?: readonly Migration[];
  /** Give up on IndexedDB when opening takes longer than this, ms. Default 10,000. */
  timeoutMs?: number;
  /** Storage estimate for quota messages; defaults to `navigator.storage.estimate()`. */
  estimate?: () => Promise<StorageUsage | undefined>;
}

/** Why IndexedDB could not be used, completing "IndexedDB is unavailable (…)". */
class OpenFailure extends Error {}

export const BLOCKED_BY_OLDER_TAB = 'BRP-NAS Lab is open in another tab with an older version; close or reload that tab, then reload this one';

/**
 * Opens the store. `factory` defaults to the global `indexedDB`; `null` means there is none.
 * Falls back to a {@link MemoryStore} (with a notice) when IndexedDB is missing, refuses to open,
 * is blocked by an older tab, belongs to a newer version of the app, or does not answer in time.
 */
export async function openStore(factory?: IDBFactory | null, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const idbFactory = factory === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : factory;
  const memory = (reason: string): OpenedStore => ({ store: new MemoryStore(), mode: 'memory', notice: reason });
  if (!idbFactory) return memory(`IndexedDB is unavailable (this browser does not offer it); ${MEMORY_ONLY}`);
  try {
    const db = await openDatabase(idbFactory, options.migrations ?? MIGRATIONS, options.timeoutMs ?? 10_000);
    return { store: new IdbStore(db, { estimate: options.estimate }), mode: 'indexeddb' };
  } catch (error) {
    if (error instanceof OpenFailure) return memory(`${error.message}; ${MEMORY_ONLY}`);
    const name = error instanceof Error || error instanceof DOMException ? error.name : 'Error';
    if (name === 'VersionError') return memory(`${UPGRADED_ELSEWHERE} (until then, ${MEMORY_ONLY})`);
    const detail = error instanceof Error || error instanceof DOMException ? error.message : String(error);
    return memory(`IndexedDB is unavailable (${name}: ${detail}); ${MEMORY_ONLY}`);
  }
}

/**
 * Opens (creating or upgrading) the database. Rejects with the browser's error, or an
 * {@link OpenFailure} when blocked or too slow; a connection that opens after we gave up is closed
 * at once, so it cannot block another tab's upgrade.
 */
export function openDatabase(factory: IDBFactory, migrations: readonly Migration[], timeoutMs: number): Promise<LabDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const giveUp = (failure: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(failure);
    };
    const timer = setTimeout(
      () => giveUp(new OpenFailure(`IndexedDB is unavailable (it did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`})`)),
      timeoutMs,
    );
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(DB_NAME, migrations.length);
    } catch (error) {
      giveUp(error as Error);
      return;
    }
    request.addEventListener('upgradeneeded', (event) => {
      const db = wrap(request.result) as LabDatabase;
      const tx = wrap(request.transaction!) as unknown as UpgradeTransaction;
      // idb gives the upgrade transaction a `done` promise; a failed upgrade is reported through the request instead.
      tx.done.catch(() => {});
      try {
        runMigrations(migrations, db, tx, event.oldVersion, event.newVersion ?? migrations.length);
      } catch (error) {
        // Aborting the upgrade leaves the database at its old version and fails the open.
        request.transaction?.abort();
        giveUp(error as Error);
      }
    });
    request.addEventListener('blocked', () => giveUp(new OpenFailure(BLOCKED_BY_OLDER_TAB)));
    request.addEventListener('error', (event) => {
      event.preventDefault();
      giveUp(request.error ?? new Error('the open request failed'));
    });
    request.addEventListener('success', () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve(wrap(db) as LabDatabase);
    });
  });
}

/**
 * Opens a store that lives in the app's database (its own connection), or its in-memory twin with
 * a notice when IndexedDB is missing or refuses; never throws. `what` completes the notice, e.g.
 * "Saved predictors are kept".
 */
export async function openOrMemory<S>(
  what: string,
  onIdb: (db: LabDatabase) => S,
  inMemory: () => S,
  factory?: IDBFactory | null,
  options: { migrations?: readonly Migration[]; timeoutMs?: number } = {},
): Promise<{ store: S; notice?: string }> {
  const idbFactory = factory === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : factory;
  const memory = (why: string) => ({ store: inMemory(), notice: `${what} in memory for this tab only: ${why}` });
  if (!idbFactory) return memory('this browser offers no IndexedDB');
  try {
    return { store: onIdb(await openDatabase(idbFactory, options.migrations ?? MIGRATIONS, options.timeoutMs ?? 10_000)) };
  } catch (error) {
    return memory(`IndexedDB could not be opened (${error instanceof Error ? error.message : String(error)})`);
  }
}
