/**
 * Differential fuzzing: random cases of each kernel (its FuzzSpec) run on the JS reference and on the
 * backend under test (every ISA of the native backend); fast-check shrinks a mismatch to a small case,
 * which is written as a golden file (in.*, out.* from the reference, kernel/params/tolerance metadata)
 * that `hashmac golden` replays. Deterministic for a given seed.
 */
import * as fc from 'fast-check';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { backendsFor, type BackendName } from '../backend.js';
import { goldenAdapters, type GoldenInputs, type GoldenOutputs } from '../golden/adapters.js';
import { camel, compareOutput } from '../golden/runner.js';
import { writeSafetensors, type StoredTensor } from '../safetensors.js';
import { getIsa, setIsa, supportedIsas, type Isa } from '../runtime.js';
import type { AnyArray, Tensor } from '../tensor.js';
import type { FuzzCase, FuzzSpec, Tolerance } from './types.js';

export interface FuzzOptions {
  specs: FuzzSpec[];
  backend: Exclude<BackendName, 'js'>;
  /** Native ISAs to test (default: every supported one). */
  isas?: Isa[];
  seed: number;
  /** Cases per kernel, or a time budget (ms) shared by the kernels. */
  runs?: number;
  timeMs?: number;
  /** Where failing cases are written. */
  outDir: string;
  onProgress?: (kernel: string, cases: number) => void;
}

export interface FuzzKernelResult {
  kernel: string;
  cases: number;
  ms: number;
  /** Set when a mismatch was found: what differed, the shrunk case's file and how to replay it. */
  failure?: { message: string; file: string; seed: number; path?: string };
  skipped?: string;
}

const cloneInputs = (inputs: GoldenInputs): GoldenInputs =>
  Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { ...t, shape: [...t.shape], data: t.data.slice() as StoredTensor['data'] }]));

const stored = (t: Tensor<AnyArray>): StoredTensor => ({
  dtype: t.data instanceof Float32Array ? 'F32' : t.data instanceof Int32Array ? 'I32' : 'U8', shape: [...t.shape], data: t.data,
});

/** Runs one case on the reference and on every variant of the backend; returns the first mismatch. */
async function checkCase(spec: FuzzSpec, c: FuzzCase, backend: BackendName, isas: Isa[]): Promise<string | undefined> {
  const adapter = goldenAdapters[spec.kernel];
  const want = await adapter.run(cloneInputs(c.inputs), c.params, 'js');
  const tol = spec.tolerance?.(c, want) ?? {};
  const variants: (Isa | undefined)[] = backend === 'native' ? isas : [undefined];
  for (const isa of variants) {
    if (isa) setIsa(isa);
    let got: GoldenOutputs;
    try {
      got = await adapter.run(cloneInputs(c.inputs), c.params, backend);
    } catch (e) {
      return `${backend}${isa ? `/${isa}` : ''} threw ${(e as Error).name}: ${(e as Error).message}`;
    }
    for (const [name, w] of Object.entries(want)) {
      const err = compareOutput(`out.${name}`, got[name], stored(w), tol[`out.${name}`]);
      if (err) return `${backend}${isa ? `/${isa}` : ''}: ${err}`;
    }
  }
  return undefined;
}

/** Writes a case as a golden file, outputs from the JS reference. */
async function writeCase(spec: FuzzSpec, c: FuzzCase, file: string, extra: Record<string, string>): Promise<void> {
  const want = await goldenAdapters[spec.kernel].run(cloneInputs(c.inputs), c.params, 'js');
  const tensors: Record<string, StoredTensor | Tensor<AnyArray>> = {};
  for (const [k, t] of Object.entries(c.inputs)) tensors[`in.${k}`] = t;
  for (const [k, t] of Object.entries(want)) tensors[`out.${k}`] = t;
  const tol: Tolerance = spec.tolerance?.(c, want) ?? {};
  writeSafetensors(file, tensors, { kernel: spec.kernel, params: JSON.stringify(c.params), tolerance: JSON.stringify(tol), ...extra });
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzKernelResult[]> {
  const isas = supportedIsas().filter((i) => !o.isas || o.isas.includes(i));
  const savedIsa = supportedIsas().length ? getIsa() : undefined;
  const results: FuzzKernelResult[] = [];
  const runnable = o.specs.filter((s) => goldenAdapters[s.kernel]);
  try {
    for (const spec of o.specs) {
      const api = camel(spec.kernel);
      if (!goldenAdapters[spec.kernel]) {
        results.push({ kernel: spec.kernel, cases: 0, ms: 0, skipped: 'no golden adapter' });
        continue;
      }
      if (!backendsFor(api).includes(o.backend)) {
        results.push({ kernel: spec.kernel, cases: 0, ms: 0, skipped: `not available on ${o.backend}` });
        continue;
      }
      let cases = 0;
      let lastMessage = '';
      const start = Date.now();
      const property = fc.asyncProperty(spec.arbitrary(), async (c) => {
        const err = await checkCase(spec, c, o.backend, isas);
        cases++;
        o.onProgress?.(spec.kernel, cases);
        if (err) {
          lastMessage = err;
          throw new Error(err);
        }
      });
      const timed = o.timeMs !== undefined;
      const details = await fc.check(property, {
        seed: o.seed,
        numRuns: timed ? 1_000_000_000 : (o.runs ?? 100),
        interruptAfterTimeLimit: timed ? Math.max(1, Math.floor(o.timeMs! / runnable.length)) : undefined,
        markInterruptAsFailure: false,
        endOnFailure: false,
      });
      const result: FuzzKernelResult = { kernel: spec.kernel, cases, ms: Date.now() - start };
      if (details.failed && details.counterexample) {
        mkdirSync(o.outDir, { recursive: true });
        const file = join(o.outDir, `${spec.kernel}.fuzz-${o.seed}.safetensors`);
        const c = details.counterexample[0] as FuzzCase;
        const message = (await checkCase(spec, c, o.backend, isas)) ?? lastMessage;
        await writeCase(spec, c, file, { fuzz_seed: String(details.seed), fuzz_path: details.counterexamplePath ?? '', fuzz_backend: o.backend, fuzz_failure: message });
        result.failure = { message, file, seed: details.seed, path: details.counterexamplePath ?? undefined };
      }
      results.push(result);
    }
  } finally {
    if (savedIsa) setIsa(savedIsa);
  }
  return results;
}
