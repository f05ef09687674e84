/**
 * Messages between the compute worker (coordinator) and its gradient helpers
 * (`gradient-helper.worker.ts`, behaviour in `gradient-helper-handler.ts`): data-parallel
 * training, see `predictor/parallel.ts`. One request at a time per helper, answered in order.
 */
import type { BackendName } from '../compute/backend';
import type { ShardRequest, ShardSetup } from '../predictor/parallel';

/** Coordinator → helper. */
export type GradientRequest =
  /** Initialise tfjs on the coordinator's backend; answered by `ready`. */
  | { type: 'init'; backend: BackendName }
  /** Build the run's model shape and loss; answered by `prepared`. */
  | { type: 'prepare'; setup: ShardSetup }
  /** Loss and gradient of `shards` at `weights` (flat, `modelVariables` order); answered by `gradient`. */
  | { type: 'shards'; step: number; weights: Float32Array; shards: ShardRequest[] }
  /** Free the run's model; answered by `released`. */
  | { type: 'release' };

/** Helper → coordinator. */
export type GradientResponse =
  { type: 'ready'; backend: BackendName } | { type: 'prepared' } | { type: 'gradient'; step: number; loss: number; gradient: Float32Array } | { type: 'released' } | { type: 'error'; message: string };
