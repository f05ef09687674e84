/**
 * One store's connection to the app's database. It lets go as soon as another tab asks to upgrade
 * (holding on would block that tab) or the browser closes it, and every later call fails with the
 * reason, as a StoreError the UI can show.
 */
import { CONNECTION_CLOSED, StoreError, UPGRADED_ELSEWHERE } from './errors';
import type { LabDatabase } from './schema';

export class Connection {
  #db: LabDatabase | undefined;
  #lost: StoreError | undefined;

  constructor(db: LabDatabase) {
    this.#db = db;
    db.addEventListener('versionchange', () => this.#lose(new StoreError('upgraded-elsewhere', UPGRADED_ELSEWHERE)));
    db.addEventListener('close', () => this.#lose(new StoreError('closed', CONNECTION_CLOSED)));
  }

  /** The open database, or throws why it is gone. */
  get(): LabDatabase {
    if (this.#db) return this.#db;
    throw this.#lost ?? new StoreError('closed', CONNECTION_CLOSED);
  }

  /** Closes it on purpose; later calls fail with `message`. */
  close(message = CONNECTION_CLOSED): void {
    this.#lose(new StoreError('closed', message));
  }

  #lose(error: StoreError): void {
    this.#lost ??= error;
    this.#db?.close();
    this.#db = undefined;
  }
}
