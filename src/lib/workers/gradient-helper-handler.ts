/**
 * What a gradient helper does with each request (`gradient-messages.ts`), apart from the worker
 * global so it runs in Node tests: `gradient-helper.worker.ts` only wires `self` to this.
 */
import type { BackendName } from '../compute/backend';
import { ShardTrainer } from '../predictor/parallel';
import { batchLossFor } from '../predictor/train';
import type { GradientRequest, GradientResponse } from './gradient-messages';

interface GradientHelperDeps {
  post(message: GradientResponse, transfer?: Transferable[]): void;
  /** Initialises tfjs on exactly this backend (the coordinator's), or throws. */
  useBackend(name: BackendName): Promise<void>;
}

export function createGradientHelperHandler(deps: GradientHelperDeps): (request: GradientRequest) => Promise<void> {
  let trainer: ShardTrainer | undefined;
  let backend: BackendName | undefined;
  const release = () => {
    trainer?.dispose();
    trainer = undefined;
  };
  return async (request) => {
    try {
      switch (request.type) {
        case 'init':
          if (backend !== request.backend) {
            await deps.useBackend(request.backend);
            backend = request.backend;
          }
          deps.post({ type: 'ready', backend: request.backend });
          return;
        case 'prepare':
          if (!backend) throw new Error('prepare: the helper has no backend yet (send init first)');
          release();
          trainer = new ShardTrainer(request.setup, batchLossFor);
          deps.post({ type: 'prepared' });
          return;
        case 'shards': {
          if (!trainer) throw new Error('shards: no run is prepared in this helper');
          const { loss, gradient } = await trainer.compute(request.weights, request.shards);
          deps.post({ type: 'gradient', step: request.step, loss, gradient }, [gradient.buffer]);
          return;
        }
        case 'release':
          release();
          deps.post({ type: 'released' });
          return;
        default:
          throw new Error(`unknown request ${JSON.stringify((request as { type?: unknown }).type)?.slice(0, 40)}`);
      }
    } catch (error) {
      deps.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  };
}
