/**
 * From what people `torch.save` to a flat state_dict: a plain state_dict, or a wrapper dict holding it
 * under `state_dict` / `model` / `model_state_dict` / `net` (nested wrappers too), DataParallel's
 * `module.` prefix stripped. Everything beside the tensors is kept as string metadata (strings as they
 * are, other values as JSON, tensors inside them described). A file with no tensor dict, or with
 * tensors in more than one place, is refused with a list of what it holds.
 */
import type { SafetensorsFile, StoredTensor } from '../safetensors.js';
import { NdArray } from './numpy.js';
import { describe, Py2String } from './pickle.js';
import { copyBudget, materialize, TorchTensor, type TorchFile } from './torch-file.js';

const WRAPPERS = ['state_dict', 'model_state_dict', 'model', 'net'];
const MAX_DEPTH = 64;
/** Wrapper dicts nest this deep at most (each level may name several wrappers: the search stays small). */
const MAX_WRAPPING = 4;

const isTensorDict = (v: unknown): v is Map<unknown, unknown> => v instanceof Map && [...v.values()].some((x) => x instanceof TorchTensor);

/** What a value is, in a few words, for the error that lists a file's contents. */
function summary(v: unknown): string {
  if (v instanceof TorchTensor) return `tensor ${v.storage.dtype.code} [${v.shape.join(', ')}]`;
  if (isTensorDict(v)) return `dict of ${v.size} entries with ${[...v.values()].filter((x) => x instanceof TorchTensor).length} tensors`;
  return describe(v);
}

function contents(v: unknown): string {
  if (!(v instanceof Map)) return summary(v);
  return `{ ${[...v.entries()].slice(0, 20).map(([k, x]) => `${String(k)}: ${summary(x)}`).join('; ')}${v.size > 20 ? `; … ${v.size - 20} more` : ''} }`;
}

/** A dict of tensors, or a dict wrapping one under a wrapper key. */
function holdsStateDict(v: unknown, depth: number): boolean {
  if (depth > MAX_WRAPPING || !(v instanceof Map)) return false;
  return isTensorDict(v) || WRAPPERS.some((w) => holdsStateDict(v.get(w), depth + 1));
}

/** Finds the state_dict in an unpickled checkpoint; `outer` collects the entries around it. */
function findStateDict(root: unknown, source: string): { stateDict: Map<unknown, unknown>; outer: [string, unknown][] } {
  const outer: [string, unknown][] = [];
  let node = root;
  for (let depth = 0; depth <= MAX_WRAPPING; depth++) {
    if (!(node instanceof Map)) break;
    const here = node;
    const wrapped = WRAPPERS.filter((w) => holdsStateDict(here.get(w), depth));
    const direct = [...node.values()].some((x) => x instanceof TorchTensor);
    if (direct && wrapped.length === 0) return { stateDict: node, outer };
    if (wrapped.length === 1 && !direct) {
      for (const [k, x] of node) if (k !== wrapped[0]) outer.push([String(k), x]);
      node = node.get(wrapped[0]);
      continue;
    }
    if (wrapped.length > 1 || direct) {
      throw new RangeError(`${source}: ambiguous checkpoint: tensors in more than one place (${direct ? 'top level, ' : ''}${wrapped.join(', ')}); it holds ${contents(node)}`);
    }
    break;
  }
  throw new RangeError(`${source}: no state_dict (a dict of tensors, possibly under ${WRAPPERS.join(' / ')}) in this file; it holds ${contents(node)}`);
}

/** A metadata string: strings as they are, anything else as JSON (tensors described, not dumped). */
function metadataString(v: unknown, source: string, budget: { visits: number }): string {
  if (typeof v === 'string') return v;
  if (v instanceof Py2String) return v.toString();
  return JSON.stringify(toJson(v, 0, source, budget));
}

function toJson(v: unknown, depth: number, source: string, budget: { visits: number }): unknown {
  if (depth > MAX_DEPTH) throw new RangeError(`${source}: a value is nested deeper than ${MAX_DEPTH} levels (or refers to itself)`);
  if (--budget.visits < 0) throw new RangeError(`${source}: its non-tensor entries expand to more values than the file could hold (shared references)`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Py2String) return v.toString();
  if (v instanceof TorchTensor) return `<tensor ${v.storage.dtype.code} [${v.shape.join(', ')}]>`;
  if (v instanceof NdArray) return `<ndarray ${v.dtype} [${v.shape.join(', ')}]>`;
  if (v instanceof Uint8Array) return `<bytes ${v.byteLength}>`;
  if (Array.isArray(v) || v instanceof Set) return [...v].map((x) => toJson(x, depth + 1, source, budget));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x, depth + 1, source, budget)]));
  return `<${describe(v)}>`;
}

/** The flat tensors + metadata of a parsed torch file (the shape `readSafetensors` returns). */
export function checkpointTensors(file: TorchFile, source: string): SafetensorsFile {
  const { stateDict, outer } = findStateDict(file.object, source);
  const entries = [...stateDict.entries()];
  const tensorNames = entries.filter(([, v]) => v instanceof TorchTensor).map(([k]) => k);
  if (!tensorNames.every((k) => typeof k === 'string')) throw new RangeError(`${source}: state_dict has non-string tensor names`);
  const names = tensorNames as string[];
  const strip = names.every((k) => k.startsWith('module.'));
  const tensors = new Map<string, StoredTensor>();
  const metadata: Record<string, string> = {};
  const budget = { left: copyBudget(file.fileBytes) };
  const visits = { visits: 4 * file.fileBytes + 100_000 };
  for (const [k, v] of entries) {
    const name = strip && typeof k === 'string' && k.startsWith('module.') ? k.slice('module.'.length) : String(k);
    if (v instanceof TorchTensor) tensors.set(name, materialize(v, budget, `${source}: tensor '${name}'`));
    else metadata[name] = metadataString(v, source, visits);
  }
  for (const [k, v] of outer) metadata[k] = metadataString(v, source, visits);
  return { tensors, metadata };
}
