/**
 * The local evaluator: replays a request stream through a predictor in fixed-size batches (as the
 * hackathon's local_evaluator.py does) or by arrival time (a simulated clock: requests arrive after
 * their delays, the predictor takes everything that has arrived when it becomes free, and the clock
 * advances by the measured compute time). Reports per-request latency p50/p99, throughput, response
 * rate and per-tower errors against the stream's targets and/or a reference run.
 */
import { TOWERS } from './config.js';
import type { BatchResult, RequestsBySymbol, StreamRequest } from './engine.js';
import { percentile, towerErrors, type TowerError } from './metrics.js';
import type { StreamRecord } from './records.js';

export interface Predictor {
  processBatch(requestsBySymbol: RequestsBySymbol): BatchResult;
}

export interface EvaluateOptions {
  /** Requests per batch (fixed mode) or the most taken at once (arrival mode). Default 1. */
  batchSize?: number;
  mode?: 'fixed' | 'arrival';
  /** Predictions of a reference run, by request id, to compare against. */
  reference?: ReadonlyMap<number, ArrayLike<number>>;
  now?: () => number;
}

export interface EvaluationReport {
  requests: number;
  responses: number;
  responseRate: number;
  batches: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  /** Requests per second of compute time. */
  throughput: number;
  computeSeconds: number;
  vsTargets?: TowerError[];
  vsReference?: TowerError[];
  predictions: Map<number, number[]>;
}

export function groupBySymbol(records: readonly StreamRecord[]): Map<string, StreamRequest[]> {
  const by = new Map<string, StreamRequest[]>();
  for (const r of records) {
    const list = by.get(r.symbol) ?? [];
    list.push({ id: r.id, symbol: r.symbol, features: r.features });
    by.set(r.symbol, list);
  }
  return by;
}

const defaultNow = () => performance.now();

export function evaluate(predictor: Predictor, records: readonly StreamRecord[], opts: EvaluateOptions = {}): EvaluationReport {
  const batchSize = opts.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evaluate: batchSize must be an integer >= 1, got ${batchSize}`);
  const now = opts.now ?? defaultNow;
  const predictions = new Map<number, number[]>();
  const latencies: number[] = [];
  let compute = 0;
  let batches = 0;

  const run = (batch: readonly StreamRecord[]): number => {
    const t0 = now();
    const res = predictor.processBatch(groupBySymbol(batch));
    const ms = now() - t0;
    res.ids.forEach((id, i) => predictions.set(id, res.predictions[i]));
    compute += ms;
    batches++;
    return ms;
  };

  if ((opts.mode ?? 'fixed') === 'fixed') {
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      const ms = run(batch);
      for (const _ of batch) latencies.push(ms);
    }
  } else {
    let clock = 0;
    let arrival = 0;
    const arrivals = records.map((r) => (arrival += r.delayMs));
    let next = 0;
    while (next < records.length) {
      clock = Math.max(clock, arrivals[next]);
      let end = next;
      while (end < records.length && end - next < batchSize && arrivals[end] <= clock) end++;
      clock += run(records.slice(next, end));
      for (let i = next; i < end; i++) latencies.push(clock - arrivals[i]);
      next = end;
    }
  }

  const targets = new Map<number, Float32Array>();
  for (const r of records) if (r.targets && r.targets.length >= TOWERS.length) targets.set(r.id, r.targets);
  return {
    requests: records.length,
    responses: predictions.size,
    responseRate: records.length === 0 ? 1 : predictions.size / records.length,
    batches,
    latencyMs: {
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.reduce((a, b) => Math.max(a, b), 0),
    },
    throughput: compute > 0 ? (predictions.size / compute) * 1000 : Infinity,
    computeSeconds: compute / 1000,
    vsTargets: targets.size > 0 ? towerErrors(predictions, targets) : undefined,
    vsReference: opts.reference ? towerErrors(predictions, opts.reference) : undefined,
    predictions,
  };
}

/** A human-readable report in the hackathon evaluator's style. */
export function formatReport(r: EvaluationReport): string {
  const lines = [
    `requests ${r.requests}, responses ${r.responses} (response rate ${(100 * r.responseRate).toFixed(2)}%), batches ${r.batches}`,
    `latency ms: mean ${r.latencyMs.mean.toFixed(3)}, p50 ${r.latencyMs.p50.toFixed(3)}, p99 ${r.latencyMs.p99.toFixed(3)}, max ${r.latencyMs.max.toFixed(3)}`,
    `throughput ${r.throughput.toFixed(1)} requests/s over ${r.computeSeconds.toFixed(3)} s of compute`,
  ];
  const names = ['XLSTM', 'Mamba2', 'RetNet', 'Hawk'];
  for (const [label, errs] of [['vs targets', r.vsTargets], ['vs reference', r.vsReference]] as const) {
    if (!errs) continue;
    lines.push(`tower errors ${label}:`);
    errs.forEach((e, t) => lines.push(`  ${names[t]}: max ${e.max.toExponential(3)}, mean ${e.mean.toExponential(3)}`));
  }
  return lines.join('\n');
}
