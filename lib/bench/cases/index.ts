/**
 * Every benchmark case: each module in this folder (one per kernel family, e.g. lsh.ts, mamba2.ts) that
 * exports `cases: BenchCase[]` is loaded, so a family adds its benchmarks by adding one file here. The
 * same modules serve `npm run bench` (from sources) and `hashmac bench` (from dist/ in an installed package).
 */
import { loadExports } from '../../modules.js';
import type { BenchCase } from '../types.js';

export const allCases = (): BenchCase[] => loadExports<BenchCase>(__dirname, 'cases');
