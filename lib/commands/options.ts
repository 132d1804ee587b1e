/** Option parsers shared by the commands (commander names the option in their errors). */
import { InvalidArgumentError } from 'commander';

/** A comma-separated list of allowed values. */
export const list = <T extends string>(allowed: readonly T[], what: string) => (value: string): T[] => {
  const items = value.split(',').map((s) => s.trim());
  for (const i of items) if (!(allowed as readonly string[]).includes(i)) throw new InvalidArgumentError(`unknown ${what} '${i}' (expected ${allowed.join(', ')})`);
  return items as T[];
};

/** An integer option >= min. */
export const integer = (what: string, min = 0) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what}: expected an integer >= ${min}, got '${value}'`);
  return n;
};

/**
 * Where a command's human-readable lines go: stdout normally; stderr under --json, so that stdout holds
 * only the one JSON object a script parses while progress and notes stay visible on the terminal.
 */
export const textOut = (json?: boolean): ((line: string) => void) => (json ? (l) => console.error(l) : (l) => console.log(l));
