import type { BackendName, BackendReport } from '../compute/backend';

/** Main thread → compute worker. */
export type ComputeRequest = { type: 'init'; override?: BackendName };

/** Compute worker → main thread. */
export type ComputeResponse =
  | { type: 'backend'; report: BackendReport }
  | { type: 'error'; message: string };
