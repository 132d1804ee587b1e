import type { KernelTable } from '../backend.js';
export const recurrentANative: KernelTable = {};
