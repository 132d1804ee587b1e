/**
 * The hackathon's sample streams are not part of the repository: `../shared/fixtures/hackathon` beside a
 * clone (or beside the folder of worktrees), or HASHMAC_HACKATHON_DIR. Empty when none is there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export const HACKATHON_DIR =
  [process.env.HASHMAC_HACKATHON_DIR ?? '', join(ROOT, '..', 'shared', 'fixtures', 'hackathon'), join(ROOT, '..', '..', 'shared', 'fixtures', 'hackathon')]
    .find((d) => d !== '' && existsSync(join(d, 'tiny.parquet'))) ?? '';
