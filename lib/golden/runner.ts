/**
 * The golden runner: every `*.safetensors` case of a directory, on every available backend (and every
 * ISA of the native backend), compared with the case's tolerances. Used by `hashmac golden` and tests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { backendsFor, type BackendName } from '../backend.js';
import { readSafetensors, type StoredTensor } from '../safetensors.js';
import { getIsa, setIsa, supportedIsas, type Isa } from '../runtime.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { goldenAdapters, type GoldenInputs } from './adapters.js';

export interface GoldenOptions {
  /** Directory of case files. */
  dir: string;
  /** Restrict to these backends (default: every available one). */
  backends?: BackendName[];
  /** Restrict the native backend to these ISAs (default: every supported one). */
  isas?: Isa[];
  /** Only cases whose file name contains this string. */
  filter?: string;
  /** Receives one line per case. */
  log?: (line: string) => void;
}

export interface GoldenCaseResult {
  file: string;
  kernel: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Per variant ("js", "native/avx2", ...): 'ok' or what went wrong. */
  variants: Record<string, string>;
}

export interface GoldenReport {
  passed: number;
  failed: number;
  skipped: number;
  cases: GoldenCaseResult[];
}

type Tolerance = Record<string, { atol: number; rtol: number }>;

function cloneInputs(tensors: Map<string, StoredTensor>): GoldenInputs {
  const out: GoldenInputs = {};
  for (const [name, t] of tensors) {
    if (name.startsWith('in.')) out[name.slice(3)] = { ...t, shape: [...t.shape], data: t.data.slice() as StoredTensor['data'] };
  }
  return out;
}

/** Compares one output; returns an error description or undefined. */
export function compareOutput(name: string, got: Tensor<AnyArray> | undefined, want: StoredTensor, tol?: { atol: number; rtol: number }): string | undefined {
  if (!got) return `${name}: missing`;
  if (got.shape.join() !== want.shape.join()) return `${name}: shape [${got.shape}] != [${want.shape}]`;
  const g = got.data, w = want.data as ArrayLike<number>;
  let worst = -1, worstErr = 0, bad = 0;
  for (let i = 0; i < w.length; i++) {
    const a = g[i], b = w[i];
    const same = a === b || (Number.isNaN(a) && Number.isNaN(b));
    if (same) continue;
    const err = Math.abs(a - b);
    const ok = tol !== undefined && err <= tol.atol + tol.rtol * Math.abs(b);
    if (!ok) {
      bad++;
      if (!(err <= worstErr)) { worstErr = err; worst = i; }
    }
  }
  if (bad === 0) return undefined;
  return `${name}: ${bad}/${w.length} values off, worst at ${worst}: got ${g[worst]}, want ${w[worst]}${tol ? ` (atol ${tol.atol}, rtol ${tol.rtol})` : ' (exact)'}`;
}

async function runVariant(kernel: string, file: ReturnType<typeof readSafetensors>, params: Record<string, unknown>, tol: Tolerance, backend: BackendName): Promise<string> {
  try {
    const outputs = await goldenAdapters[kernel].run(cloneInputs(file.tensors), params, backend);
    const errors: string[] = [];
    for (const [name, want] of file.tensors) {
      if (!name.startsWith('out.')) continue;
      const got = Object.prototype.hasOwnProperty.call(outputs, name.slice(4)) ? outputs[name.slice(4)] : undefined;
      const e = compareOutput(name, got, want, Object.prototype.hasOwnProperty.call(tol, name) ? tol[name] : undefined);
      if (e) errors.push(e);
    }
    return errors.length ? errors.join('; ') : 'ok';
  } catch (e) {
    return `threw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

export async function runGolden(opts: GoldenOptions): Promise<GoldenReport> {
  const log = opts.log ?? (() => {});
  const files = readdirSync(opts.dir).filter((f) => f.endsWith('.safetensors') && (!opts.filter || f.includes(opts.filter))).sort();
  const report: GoldenReport = { passed: 0, failed: 0, skipped: 0, cases: [] };
  const isas = supportedIsas().filter((i) => !opts.isas || opts.isas.includes(i));
  const savedIsa = isas.length ? getIsa() : undefined;
  try {
    for (const f of files) {
      let result: GoldenCaseResult;
      try {
        result = await runCase(join(opts.dir, f), f, opts.backends, isas);
      } catch (e) {
        // A broken case file is a failure of that case, named; the run goes on to the summary.
        result = { file: f, kernel: '?', status: 'failed', variants: { file: (e as Error).message } };
      }
      report[result.status]++;
      report.cases.push(result);
      const detail = Object.entries(result.variants).map(([v, s]) => (s === 'ok' ? v : `${v}: ${s}`)).join(', ');
      const label = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }[result.status];
      log(`${label} ${f.replace(/\.safetensors$/, '')}${detail ? `  [${detail}]` : result.status === 'skipped' ? `  (kernel ${result.kernel} not implemented)` : ''}`);
    }
  } finally {
    if (savedIsa) setIsa(savedIsa);
  }
  return report;
}

/** A JSON metadata field of a case: an object, or the error names the file and the field. */
function jsonObject(path: string, metadata: Record<string, string>, field: string): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(metadata, field)) return {};
  let v: unknown;
  try {
    v = JSON.parse(metadata[field]);
  } catch (e) {
    throw new RangeError(`${path}: metadata ${field}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RangeError(`${path}: metadata ${field}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function tolerances(path: string, metadata: Record<string, string>): Tolerance {
  const raw = jsonObject(path, metadata, 'tolerance');
  for (const [name, t] of Object.entries(raw)) {
    const ok = typeof t === 'object' && t !== null && ['atol', 'rtol'].every((k) => {
      const v = (t as Record<string, unknown>)[k];
      return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    });
    if (!ok) throw new RangeError(`${path}: metadata tolerance.${name}: expected {atol, rtol} finite numbers >= 0`);
  }
  return raw as Tolerance;
}

/** One case file on every selected backend and ISA; throws (naming the file) when the file is unusable. */
async function runCase(path: string, f: string, only: BackendName[] | undefined, isas: Isa[]): Promise<GoldenCaseResult> {
  const file = readSafetensors(path);
  const kernel = file.metadata.kernel ?? '?';
  const result: GoldenCaseResult = { file: f, kernel, status: 'skipped', variants: {} };
  // Own properties only: a kernel named "constructor" or "__proto__" is unknown, not Object's.
  if (!Object.prototype.hasOwnProperty.call(goldenAdapters, kernel)) return result;
  if (![...file.tensors.keys()].some((n) => n.startsWith('out.'))) throw new RangeError(`${path}: no out.* tensors, nothing to compare`);
  const params = jsonObject(path, file.metadata, 'params');
  const tol = tolerances(path, file.metadata);
  const backends = backendsFor(camel(kernel)).filter((b) => !only || only.includes(b));
  for (const b of backends) {
    if (b === 'native') {
      for (const isa of isas) {
        setIsa(isa);
        result.variants[`native/${isa}`] = await runVariant(kernel, file, params, tol, b);
      }
    } else {
      result.variants[b] = await runVariant(kernel, file, params, tol, b);
    }
  }
  const statuses = Object.values(result.variants);
  result.status = statuses.length === 0 ? 'skipped' : statuses.every((s) => s === 'ok') ? 'passed' : 'failed';
  return result;
}

/** SPEC kernel names are snake_case; API kernel names camelCase. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
