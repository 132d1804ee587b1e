/**
 * Hostile attempts, shared by the tests (test/hostile-*.test.ts) and the figures script
 * (scripts/hostile-figures.ts). An attempt feeds one malformed file, record, request, connection or
 * command line to the code and reports what happened; `classify` turns that into the table's columns:
 * crash (refused with an unclear error: not naming the file/field, or a raw JS error), hang (no answer
 * within the time limit), wrong acceptance (the input was taken), data lost (state, a file or a
 * temporary was changed or left behind).
 */

export type Category = 'safetensors files' | 'saved states' | 'stream records' | 'engine requests' | 'killed saves' | 'network' | 'CLI' | 'golden cases';

export interface Outcome {
  /** The input was refused. */
  rejected: boolean;
  /** The refusal said what was wrong and where (file, field, request id, option). */
  clear: boolean;
  /** Something that existed before changed, or a temporary file stayed behind. */
  lost?: boolean;
  /** The attempt's own process did not finish in time (a CLI command killed at its limit). */
  hung?: boolean;
  detail: string;
}

export interface Attempt {
  category: Category;
  name: string;
  /** Time limit in ms (default 10 s); past it the attempt counts as a hang. */
  timeoutMs?: number;
  run(): Outcome | Promise<Outcome>;
}

/** Runs `fn` expecting an Error whose message matches `names` (the file, field, id or option it must name). */
export async function refusal(fn: () => unknown, names: RegExp): Promise<Outcome> {
  try {
    await fn();
  } catch (e) {
    const ok = e instanceof Error && names.test(e.message) && !/Cannot (read|convert)|undefined|is not a function|Invalid typed array length/.test(e.message);
    return { rejected: true, clear: ok, detail: e instanceof Error ? `${e.constructor.name}: ${e.message}` : `threw ${String(e)}` };
  }
  return { rejected: false, clear: false, detail: 'accepted' };
}

export type Verdict = 'refused' | 'crash' | 'hang' | 'wrong acceptance' | 'data lost';

export interface Tally {
  attempts: number;
  crashes: number;
  hangs: number;
  wrongAcceptances: number;
  dataLost: number;
  /** One line per attempt that was not cleanly refused. */
  problems: string[];
}

/** Runs one attempt under its time limit. */
export async function judge(a: Attempt): Promise<{ verdicts: Verdict[]; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), a.timeoutMs ?? 10_000)));
  let o: Outcome | 'hang';
  try {
    o = await Promise.race([Promise.resolve().then(() => a.run()), hang]);
  } catch (e) {
    o = { rejected: true, clear: false, detail: `attempt itself threw: ${(e as Error).stack ?? e}` };
  } finally {
    clearTimeout(timer);
  }
  if (o === 'hang') return { verdicts: ['hang'], detail: `no answer within ${a.timeoutMs ?? 10_000} ms` };
  if (o.hung) return { verdicts: ['hang'], detail: o.detail };
  const verdicts: Verdict[] = [];
  if (!o.rejected) verdicts.push('wrong acceptance');
  else if (!o.clear) verdicts.push('crash');
  if (o.lost) verdicts.push('data lost');
  if (verdicts.length === 0) verdicts.push('refused');
  return { verdicts, detail: o.detail };
}

export async function tally(attempts: readonly Attempt[], log?: (line: string) => void): Promise<Map<Category, Tally>> {
  const out = new Map<Category, Tally>();
  for (const a of attempts) {
    const t = out.get(a.category) ?? { attempts: 0, crashes: 0, hangs: 0, wrongAcceptances: 0, dataLost: 0, problems: [] };
    out.set(a.category, t);
    const { verdicts, detail } = await judge(a);
    t.attempts++;
    for (const v of verdicts) {
      if (v === 'crash') t.crashes++;
      if (v === 'hang') t.hangs++;
      if (v === 'wrong acceptance') t.wrongAcceptances++;
      if (v === 'data lost') t.dataLost++;
    }
    if (verdicts[0] !== 'refused') t.problems.push(`${a.name}: ${verdicts.join(', ')} (${detail})`);
    log?.(`${verdicts.join(',').padEnd(16)} ${a.category} / ${a.name}: ${detail.split('\n')[0].slice(0, 160)}`);
  }
  return out;
}
