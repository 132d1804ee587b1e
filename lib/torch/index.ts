/**
 * Tensor files by content, never by extension: safetensors, `torch.save` zip, `torch.save` legacy. Every
 * weight loader goes through `readTensorFile`, so each accepts all three with the same result shape.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { parseSafetensors, readSafetensors, type SafetensorsFile } from '../safetensors.js';
import { checkpointTensors } from './checkpoint.js';
import { allowedGlobal, looksLikeLegacyTorch, parseTorchFile } from './torch-file.js';
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

/** Tensors and string metadata of a safetensors or PyTorch file's bytes (checkpoint wrappers unwrapped). */
export function parseTensorFile(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const buf = plainBytes(bytes);
  const format = sniffTensorFile(buf);
  if (format === 'safetensors') return parseSafetensors(buf, source);
  if (format) return checkpointTensors(parseTorchFile(buf, source), source);
  if (buf.byteLength > 1 && buf[0] === 0x80) throw new RangeError(`${source}: a Python pickle but not a torch.save file (no torch magic number); save it with torch.save or safetensors`);
  throw new RangeError(`${source}: neither safetensors nor a PyTorch file (${buf.byteLength} bytes)`);
}

/** Reads a tensor file; safetensors is streamed tensor by tensor (files over 2 GiB work), torch files are read whole. */
export function readTensorFile(path: string): SafetensorsFile {
  const head = new Uint8Array(64);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (sniffTensorFile(head.subarray(0, n)) === 'safetensors') return readSafetensors(path);
  return parseTensorFile(readFileSync(path), path);
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
