/** The BenchCase type moved to lib/bench/types.ts (cases ship with the package for `hashmac bench`). */
export * from '../lib/bench/types.js';
