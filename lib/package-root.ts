/** Package root: this file sits at lib/ (sources) or dist/ (build), one level down. */
import { join } from 'node:path';

export const PACKAGE_ROOT = join(__dirname, '..');
