/** Tensor files from one format to the other (chosen by the output's extension), dtype kept or floats cast. */
import { extname } from 'node:path';
import { castFloat, type FloatDType } from '../cast.js';
import { writeSafetensors, type StoredTensor } from '../safetensors.js';
import { readTensorFile } from './index.js';
import { writeTorchFile } from './write.js';

export const TORCH_EXTENSIONS = ['.pt', '.pth', '.th'];

export interface ConvertResult {
  format: 'safetensors' | 'torch';
  tensors: number;
  /** Tensor count per output dtype. */
  dtypes: Record<string, number>;
  metadata: string[];
}

/** The output format an output path asks for, by its extension. */
export function outputFormat(path: string): 'safetensors' | 'torch' {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (TORCH_EXTENSIONS.includes(ext)) return 'torch';
  throw new RangeError(`convert: cannot tell the output format of '${path}' (use .safetensors or ${TORCH_EXTENSIONS.join(', ')})`);
}

export function convertTensorFile(input: string, output: string, o: { dtype?: FloatDType } = {}): ConvertResult {
  const format = outputFormat(output);
  const file = readTensorFile(input);
  const tensors: Record<string, StoredTensor> = {};
  const dtypes: Record<string, number> = {};
  for (const [name, t] of file.tensors) {
    const out = o.dtype ? castFloat(t, o.dtype) : t;
    tensors[name] = out;
    dtypes[out.dtype] = (dtypes[out.dtype] ?? 0) + 1;
  }
  if (format === 'safetensors') writeSafetensors(output, tensors, file.metadata);
  else writeTorchFile(output, tensors, file.metadata);
  return { format, tensors: file.tensors.size, dtypes, metadata: Object.keys(file.metadata) };
}
