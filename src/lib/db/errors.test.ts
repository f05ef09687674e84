import { describe, expect, it } from 'vitest';
import { CONNECTION_CLOSED, quotaMessage, StoreError, toStoreError, UPGRADED_ELSEWHERE } from './errors';

const write = { action: 'store dataset "nb201"', write: true };

describe('toStoreError', () => {
  it('reports a full quota with the numbers, in MB', () => {
    const error = toStoreError(new DOMException('quota', 'QuotaExceededError'), { ...write, usage: { usage: 48_250_000, quota: 50_000_000 } });
    expect(error.kind).toBe('quota');
    expect(error.message).toBe('Browser storage is full (48.3 MB used of 50.0 MB): free space or remove imported tables; nothing was changed');
  });

  it("recognises Firefox's old quota error name and leaves numbers out without an estimate", () => {
    const error = toStoreError(new DOMException('full', 'NS_ERROR_DOM_QUOTA_REACHED'), write);
    expect(error.kind).toBe('quota');
    expect(error.message).toBe(quotaMessage(undefined));
    expect(error.message).toBe('Browser storage is full: free space or remove imported tables; nothing was changed');
  });

  it('tells the user to reload when another tab upgraded the database', () => {
    const error = toStoreError(new DOMException('newer', 'VersionError'), write);
    expect(error.kind).toBe('upgraded-elsewhere');
    expect(error.message).toBe(UPGRADED_ELSEWHERE);
    expect(UPGRADED_ELSEWHERE).toBe('BRP-NAS Lab was upgraded in another tab; reload this tab');
  });

  it('treats a closed connection as closed', () => {
    const error = toStoreError(new DOMException('closing', 'InvalidStateError'), write);
    expect(error.kind).toBe('closed');
    expect(error.message).toBe(CONNECTION_CLOSED);
  });

  it('says a cancelled write changed nothing', () => {
    const error = toStoreError(new DOMException('aborted', 'AbortError'), write);
    expect(error.kind).toBe('aborted');
    expect(error.message).toBe('Cancelled: could not store dataset "nb201"; nothing was changed');
  });

  it('names values that cannot be stored', () => {
    const error = toStoreError(new DOMException('function could not be cloned', 'DataCloneError'), write);
    expect(error.kind).toBe('bad-data');
    expect(error.message).toBe('Could not store dataset "nb201": a value cannot be stored (function could not be cloned); nothing was changed');
  });

  it('passes anything else through with its name, and only writes promise nothing changed', () => {
    const failed = toStoreError(new DOMException('disk on fire', 'UnknownError'), write);
    expect(failed.kind).toBe('failed');
    expect(failed.message).toBe('Could not store dataset "nb201" (UnknownError: disk on fire); nothing was changed');
    const read = toStoreError(new TypeError('bad'), { action: 'read dataset "nb201"', write: false });
    expect(read.message).toBe('Could not read dataset "nb201" (TypeError: bad)');
    expect(toStoreError('a string', write).message).toBe('Could not store dataset "nb201" (Error: a string); nothing was changed');
  });

  it('keeps a StoreError as it is', () => {
    const original = new StoreError('corrupt', 'x');
    expect(toStoreError(original, write)).toBe(original);
  });
});
