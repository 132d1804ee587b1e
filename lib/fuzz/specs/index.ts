/** Every fuzz spec: each module in this folder exporting `specs: FuzzSpec[]` (one file per kernel family). */
import { loadExports } from '../../modules.js';
import type { FuzzSpec } from '../types.js';

export const allSpecs = (): FuzzSpec[] => loadExports<FuzzSpec>(__dirname, 'specs');
