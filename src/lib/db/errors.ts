/**
 * Storage failures turned into one sentence a user can act on. Every write is a single
 * transaction, so each message can promise that nothing was changed.
 */

type StoreErrorKind =
  /** The browser's storage quota is used up. */
  | 'quota'
  /** Another tab runs a newer BRP-NAS Lab and took over the database. */
  | 'upgraded-elsewhere'
  /** The connection was closed (storage cleared, browser shutting down, disk error). */
  | 'closed'
  /** The write was cancelled (abort signal or aborted transaction). */
  | 'aborted'
  /** The data handed to the store is not storable (wrong lengths, uncloneable values). */
  | 'bad-data'
  /** Stored data is inconsistent (e.g. a column missing); re-importing fixes it. */
  | 'corrupt'
  /** Anything else the browser reported. */
  | 'failed';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Storage used and available to this site, bytes (`navigator.storage.estimate()`). */
export interface StorageUsage {
  usage: number;
  quota: number;
}

export const UPGRADED_ELSEWHERE = 'BRP-NAS Lab was upgraded in another tab; reload this tab';
export const CONNECTION_CLOSED = 'The browser closed the BRP-NAS Lab database (site data cleared or a disk error); reload this tab';
export const MEMORY_ONLY = 'data is kept in memory for this tab only';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** "Browser storage is full (… MB used of … MB): …"; without an estimate, the numbers are left out. */
export function quotaMessage(usage: StorageUsage | undefined): string {
  const numbers = usage ? ` (${megabytes(usage.usage)} used of ${megabytes(usage.quota)})` : '';
  return `Browser storage is full${numbers}: free space or remove imported tables; nothing was changed`;
}

function errorName(error: unknown): string {
  return error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? (error as { name: string }).name : '';
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function isQuotaError(error: unknown): boolean {
  const name = errorName(error);
  // Firefox reported the quota under its own name before it adopted the standard one.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

interface ErrorContext {
  /** What was being done, completing "Could not …", e.g. `store dataset "nb201"`. */
  action: string;
  /** True for writes: their messages promise that nothing was changed (each is one transaction). */
  write: boolean;
  /** Fills in the numbers of a quota message. */
  usage?: StorageUsage;
}

/** Maps what IndexedDB threw to a {@link StoreError} with a user-facing message. */
export function toStoreError(error: unknown, { action, write, usage }: ErrorContext): StoreError {
  if (error instanceof StoreError) return error;
  const name = errorName(error);
  const cause = { cause: error };
  const unchanged = write ? '; nothing was changed' : '';
  if (isQuotaError(error)) return new StoreError('quota', quotaMessage(usage), cause);
  switch (name) {
    case 'VersionError':
      return new StoreError('upgraded-elsewhere', UPGRADED_ELSEWHERE, cause);
    case 'InvalidStateError':
      return new StoreError('closed', CONNECTION_CLOSED, cause);
    case 'AbortError':
      return new StoreError('aborted', `Cancelled: could not ${action}${unchanged}`, cause);
    case 'DataCloneError':
      return new StoreError('bad-data', `Could not ${action}: a value cannot be stored (${errorText(error)})${unchanged}`, cause);
    default:
      return new StoreError('failed', `Could not ${action} (${name || 'Error'}: ${errorText(error)})${unchanged}`, cause);
  }
}

/** The error a cancelled write rejects with. */
export function cancelledError(action: string): StoreError {
  return new StoreError('aborted', `Cancelled: could not ${action}; nothing was changed`);
}
