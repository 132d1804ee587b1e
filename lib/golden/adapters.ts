/**
 * Golden-case adapters: each maps a case file's `in.*` tensors and `params` (SPEC "Golden case files")
 * onto the public API and returns the outputs by name. Each kernel family has its own module
 * (lib/golden/<family>.ts); this table gathers them.
 */
import { hawkAdapters } from './hawk.js';
import type { GoldenAdapter } from './inputs.js';
import { lshAdapters } from './lsh.js';
import { mamba2Adapters } from './mamba2.js';
import { retnetAdapters } from './retnet.js';
import { xlstmAdapters } from './xlstm.js';

export type { GoldenAdapter, GoldenInputs, GoldenOutputs } from './inputs.js';

export const goldenAdapters: Record<string, GoldenAdapter> = {
  ...lshAdapters,
  ...retnetAdapters,
  ...xlstmAdapters,
  ...mamba2Adapters,
  ...hawkAdapters,
};
