/**
 * Tensor files by content, never by extension: safetensors, `torch.save` zip, `torch.save` legacy. Every
 * weight loader goes through `readTensorFile`, so each accepts all three with the same result shape.
 */
import { readFileSync } from 'node:fs';
import { withFileSource } from '../byte-source.js';
import { parseSafetensors, readSafetensors, type SafetensorsFile } from '../safetensors.js';
import { checkpointTensors } from './checkpoint.js';
import { allowedGlobal, looksLikeLegacyTorch, parseTorchFile, parseTorchSource } from './torch-file.js';
import { unpickle } from './pickle.js';
import { looksLikeZip } from './zip.js';

/** A Uint8Array view of a Buffer: Buffer's `slice` does not copy, and the readers rely on it copying. */
const plainBytes = (b: Uint8Array) => (Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b);

export type TensorFileFormat = 'safetensors' | 'torch-zip' | 'torch-legacy';

/** Which format the bytes are, or undefined when none. */
export function sniffTensorFile(buf: Uint8Array): TensorFileFormat | undefined {
  if (looksLikeZip(buf)) return 'torch-zip';
  if (looksLikeLegacyTorch(buf)) return 'torch-legacy';
  // safetensors: a u64 header length, then the header's JSON object.
  if (buf.byteLength >= 9 && buf[8] === 0x7b) return 'safetensors';
  return undefined;
}

/** The error for bytes that are no tensor file (`head`: the file's first bytes). */
function notATensorFile(head: Uint8Array, size: number, source: string): never {
  if (head.byteLength > 1 && head[0] === 0x80) throw new RangeError(`${source}: a Python pickle but not a torch.save file (no torch magic number); save it with torch.save or safetensors`);
  throw new RangeError(`${source}: neither safetensors nor a PyTorch file (${size} bytes)`);
}

/** Tensors and string metadata of a safetensors or PyTorch file's bytes (checkpoint wrappers unwrapped). */
export function parseTensorFile(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const buf = plainBytes(bytes);
  const format = sniffTensorFile(buf);
  if (format === 'safetensors') return parseSafetensors(buf, source);
  if (format) return checkpointTensors(parseTorchFile(buf, source), source);
  return notATensorFile(buf, buf.byteLength, source);
}

/**
 * Reads a tensor file without a whole-file buffer (files over 2 GiB work): safetensors tensor by tensor,
 * torch files by their directory, pickles and storages, each storage read into the array that keeps it.
 */
export function readTensorFile(path: string): SafetensorsFile {
  return withFileSource(path, (src) => {
    const head = src.read(0, Math.min(src.size, 64));
    const format = sniffTensorFile(head);
    if (format === 'safetensors') return readSafetensors(path);
    if (format) return checkpointTensors(parseTorchSource(src), path);
    return notATensorFile(head, src.size, path);
  });
}

/**
 * A plain pickle (CIFAR's python batches) decoded with the same allow-list: NumPy arrays become
 * NdArray (a StoredTensor), dicts Maps, Python 2 strings Py2String (their dict keys latin-1 strings).
 */
export function parsePickle(bytes: Uint8Array, source = '<buffer>'): unknown {
  const buf = plainBytes(bytes);
  const { value, end } = unpickle(buf, { source, resolveGlobal: allowedGlobal });
  if (end !== buf.byteLength) throw new RangeError(`${source}: ${buf.byteLength - end} bytes after the pickle's STOP`);
  return value;
}

export function readPickle(path: string): unknown {
  return parsePickle(readFileSync(path), path);
}

export { NdArray } from './numpy.js';
export { Py2String, UnpicklingError } from './pickle.js';
export { serializeTorchFile, writeTorchFile } from './write.js';
