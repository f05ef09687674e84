/**
 * One search from settings to report: checks the settings, builds the candidate set (a latency
 * filter, as the paper does, when a limit is set), runs the method, and scores the outcome
 * against the oracle (metrics, trace, the filter against the true latency, hypervolume).
 */
import type { SearchCheckpoint, SearchIterationRecord, SearchJob, SearchResult, SearchSettings } from '../workers/search-messages';
import { localSearch, randomSearch, regularisedEvolution } from './baselines';
import { filterReport, latencyCandidates } from './constraint';
import { hypervolumeReport } from './hypervolume';
import { buildTrace, rankingKendall, runMetrics } from './metrics';
import { paretoLayers } from './pareto-rank';
import { runPredictorSearch, type PredictorSearchHost } from './predictor-search';
import type { Predictor } from '../predictor/predictor';
import { METHOD_PRESETS, SEARCH_PRESETS } from './presets';
import { searchSpace, type SearchSpace } from './space';
import { BRP_LOCAL, runBrpLocal } from './brp-local';
import { NB201_NUM_CELLS } from '../spaces/nb201';

const METHODS = Object.keys(METHOD_PRESETS);
const DATASETS = ['cifar100', 'cifar10', 'imagenet16-120'];

/** One message naming the first bad setting; nothing runs when this throws. */
export function checkSearchSettings(settings: SearchSettings, latency: SearchJob['latency']): void {
  const s = settings as unknown as Record<string, unknown>;
  if (!METHODS.includes(String(s.method))) throw new Error(`Method: choose one of ${METHODS.join(', ')}`);
  const presets = METHOD_PRESETS[settings.method];
  if (!presets.includes(String(s.config))) throw new Error(`Preset: ${settings.method} offers ${presets.join(', ')}`);
  if (!DATASETS.includes(String(s.dataset))) throw new Error(`Dataset: choose one of ${DATASETS.join(', ')}`);
  if (!Number.isInteger(settings.budget) || settings.budget < 1 || settings.budget > NB201_NUM_CELLS) {
    throw new Error(`Budget: a whole number of queries from 1 to ${NB201_NUM_CELLS.toLocaleString('en')}, got ${String(s.budget).slice(0, 20)}`);
  }
  if (!Number.isInteger(settings.seed) || settings.seed < 0 || settings.seed > 0xffffffff) throw new Error('Seed: a whole number from 0 to 4294967295');
  if (settings.method === 'brp-nas' || settings.method === 'regression-gcn') {
    const iterations = SEARCH_PRESETS[`${settings.method}/${settings.config}`].iterations;
    if (settings.budget < iterations * 2) throw new Error(`Budget: ${settings.method} queries budget/${iterations} cells per iteration; give it at least ${iterations * 2}`);
  }
  if ((settings.constraint || settings.pareto) && !latency) throw new Error('Latency: this device has no latency source (no table column, predictor or calibration)');
  if (settings.pareto && (settings.method === 'evolution' || settings.method === 'local-search' || settings.method === 'brp-local')) {
    throw new Error('Pareto mode: evolution, local search and BRP local optimise one objective; choose BRP-NAS, the regression GCN or random search');
  }
  if (settings.pareto && settings.constraint) throw new Error('Pareto mode replaces the latency limit: set one or the other');
}

/** What running a search needs from its host besides the predictor host. */
export interface SearchRunHost extends Omit<PredictorSearchHost, 'onIteration'> {
  /** After each finished iteration, with the checkpoint to store; the run waits for it. */
  onIteration(record: SearchIterationRecord, checkpoint: SearchCheckpoint): Promise<void> | void;
  /** Search wall time so far (ms), pauses excluded. */
  elapsedMs(): number;
  /** The latency GCN that predicted `job.latency.predicted`, when the host trained one: what a preset's `transfer` starts from. */
  latencyPredictor?: Predictor | null;
}

function predictedLatency(job: SearchJob): Float64Array {
  const predicted = job.latency?.predicted;
  if (!predicted) throw new Error('Latency: no predicted latency (the worker trains a latency predictor first)');
  return predicted;
}

/** Iterations (rounds) a search of these settings runs, for progress and ETA. */
export function plannedIterations(settings: SearchSettings): number {
  if (settings.method === 'brp-nas' || settings.method === 'regression-gcn') return SEARCH_PRESETS[`${settings.method}/${settings.config}`].iterations;
  if (settings.method === 'brp-local') return 1 + Math.ceil(Math.max(0, settings.budget - BRP_LOCAL.initial) / BRP_LOCAL.perRound);
  return 1;
}

function candidatesOf(job: SearchJob): Int32Array {
  const base = candidatesOfAll(job);
  const { constraint } = job.settings;
  return constraint ? latencyCandidates(predictedLatency(job), constraint.ms, base) : base;
}

/** Whether a cell truly meets the limit (the truth where known, else the prediction). */
function eligibility(job: SearchJob): ((index: number) => boolean) | undefined {
  const { constraint } = job.settings;
  if (!constraint) return undefined;
  const truth = job.latency!.truth;
  const predicted = predictedLatency(job);
  return (index) => {
    const ms = truth && Number.isFinite(truth[index]) ? truth[index] : predicted[index];
    return Number.isFinite(job.oracle.valid[index]) && ms <= constraint.ms;
  };
}

function bestSoFar(job: SearchJob, queried: readonly number[], eligible?: (index: number) => boolean): { bestValid: number; testOfBestValid: number } {
  let best = -1;
  for (const index of queried) if ((!eligible || eligible(index)) && (best < 0 || job.oracle.valid[index] > job.oracle.valid[best])) best = index;
  return best < 0 ? { bestValid: Number.NaN, testOfBestValid: Number.NaN } : { bestValid: job.oracle.valid[best], testOfBestValid: job.oracle.test[best] };
}

export async function runSearch(job: SearchJob, host: SearchRunHost): Promise<Omit<SearchResult, 'backend'>> {
  const { settings } = job;
  checkSearchSettings(settings, job.latency);
  const candidates = candidatesOf(job);
  if (candidates.length === 0) throw new Error(`Latency limit: no cell is predicted to take at most ${settings.constraint!.ms} ms on ${settings.constraint!.device}`);
  const budget = Math.min(settings.budget, candidates.length);
  const eligible = eligibility(job);
  const space: SearchSpace = searchSpace(job.opsCode);
  const iterations: SearchIterationRecord[] = [];
  const record = async (iteration: number, added: number[], queried: number[], rankingKendall: number | null, ms: number, checkpoint: SearchCheckpoint) => {
    const entry: SearchIterationRecord = { iteration, queried: added, rankingKendall, ...bestSoFar(job, queried, eligible), ms };
    iterations.push(entry);
    await host.onIteration(entry, checkpoint);
  };
  // In Pareto mode the predictor's accuracy score is combined with predicted latency: cells are
  // ranked by their predicted Pareto layer (then by accuracy score), so fronts are queried first.
  const paretoScores = (scores: Float64Array): Float64Array => {
    const layers = paretoLayers(predictedLatency(job), scores, candidates);
    // Within a layer, the accuracy score breaks ties; scaled far below 1 so it never crosses layers.
    let largest = 1;
    for (const i of candidates) if (Number.isFinite(scores[i])) largest = Math.max(largest, Math.abs(scores[i]));
    const out = new Float64Array(scores.length).fill(Number.NaN);
    for (const [i, layer] of layers) out[i] = -layer + (0.5 * scores[i]) / largest;
    return out;
  };
  // The accuracy scores of the latest ranking: Kendall τ is of these, also in Pareto mode.
  let accuracyScores: Float64Array | null = null;
  const predictorHost = (onIteration: PredictorSearchHost['onIteration']): PredictorSearchHost => ({
    ...host,
    scoreAll: async (predictor, ranking) => {
      accuracyScores = await host.scoreAll(predictor, ranking);
      return settings.pareto ? paretoScores(accuracyScores) : accuracyScores;
    },
    onIteration,
  });
  const accuracyKendall = (kendall: number | null) => (settings.pareto && accuracyScores ? rankingKendall(accuracyScores, job.oracle.valid) : kendall);

  let queried: number[];
  let scores: Float64Array | null = null;
  let transfer: SearchResult['transfer'] = null;
  const started = host.elapsedMs();
  if (settings.method === 'brp-nas' || settings.method === 'regression-gcn') {
    const preset = SEARCH_PRESETS[`${settings.method}/${settings.config}`];
    const resume = job.resume ? { iteration: job.resume.iteration, queried: job.resume.queried, predictor: job.resume.predictor } : undefined;
    transfer = settings.constraint && preset.transfer && host.latencyPredictor ? { warmupEpochs: preset.transfer.warmupEpochs } : null;
    const out = await runPredictorSearch({
      preset,
      oracle: job.oracle,
      candidates,
      budget,
      seed: settings.seed,
      ...(resume ? { resume } : {}),
      ...(transfer ? { transfer: { from: host.latencyPredictor!, warmupEpochs: transfer.warmupEpochs } } : {}),
      host: predictorHost(async (done) => {
        const checkpoint: SearchCheckpoint = { settings, iteration: done.iteration + 1, queried: done.queried, predictor: await host.pack(done.predictor), state: null, elapsedMs: host.elapsedMs() };
        await record(done.iteration, done.added, done.queried, accuracyKendall(done.rankingKendall), done.ms, checkpoint);
      }),
    });
    queried = out.queried;
    scores = out.scores;
  } else if (settings.method === 'brp-local') {
    const out = await runBrpLocal({
      oracle: job.oracle,
      space,
      candidates,
      budget,
      seed: settings.seed,
      resume: job.resume ?? null,
      host: predictorHost(() => undefined),
      onRound: async (round) => {
        const checkpoint: SearchCheckpoint = {
          settings,
          iteration: round.round + 1,
          queried: round.queried,
          predictor: await host.pack(round.predictor),
          state: round.state,
          elapsedMs: host.elapsedMs(),
        };
        await record(round.round, round.added, round.queried, round.rankingKendall, round.ms, checkpoint);
      },
    });
    queried = out.queried;
    scores = out.scores;
  } else {
    const options = { oracle: job.oracle, space, budget, seed: settings.seed, candidates };
    queried = settings.method === 'random' ? randomSearch(options) : settings.method === 'evolution' ? regularisedEvolution(options) : localSearch(options);
    const checkpoint: SearchCheckpoint = { settings, iteration: 1, queried, predictor: null, state: null, elapsedMs: host.elapsedMs() };
    await record(0, queried, queried, null, host.elapsedMs() - started, checkpoint);
  }

  // With a latency limit, the cells the filter dropped follow the candidates (spec 5.3: forced to the bottom).
  const trace = scores ? Int32Array.from([...buildTrace(queried, scores, candidates), ...(settings.constraint ? droppedByFilter(job, candidates, scores) : [])]) : Int32Array.from(new Set(queried));
  const metrics = runMetrics({ oracle: job.oracle, queried, trace, scores: settings.pareto ? accuracyScores : scores, ...(eligible ? { eligible } : {}) });
  const reference = job.latency?.truth ?? job.latency?.measured ?? null;
  const filter = settings.constraint && reference ? filterReport(predictedLatency(job), reference, settings.constraint.ms, candidatesOfAll(job), job.latency!.truth ? 'table' : 'measured') : null;
  const hypervolume = settings.pareto && job.latency!.truth ? hypervolumeReport(job.latency!.truth, job.oracle.test, queried, candidatesOfAll(job)) : null;
  return {
    settings,
    queried,
    trace,
    scores: scores ? Float32Array.from(scores) : null,
    metrics,
    filter,
    hypervolume,
    transfer,
    iterations,
    wallMs: host.elapsedMs(),
  };
}

/** Cells of the space outside the latency filter, best predicted first, scored below every candidate. */
function droppedByFilter(job: SearchJob, candidates: Int32Array, scores: Float64Array): number[] {
  const inFilter = new Set(candidates);
  const dropped = Array.from(candidatesOfAll(job)).filter((i) => !inFilter.has(i));
  return dropped.sort((a, b) => (scores[b] || 0) - (scores[a] || 0) || a - b);
}

/**
 * The space: cells with an accuracy and, for a table device, a latency in that table (LatBench
 * has none for the 341 disconnected cells: they are not in that device's space).
 */
function candidatesOfAll(job: SearchJob): Int32Array {
  const truth = job.settings.constraint || job.settings.pareto ? job.latency?.truth : null;
  const all: number[] = [];
  for (let i = 0; i < job.oracle.valid.length; i++) if (Number.isFinite(job.oracle.valid[i]) && (!truth || Number.isFinite(truth[i]))) all.push(i);
  return Int32Array.from(all);
}
