/**
 * Golden-case adapters: each maps a case file's `in.*` tensors and `params` (SPEC "Golden case files")
 * onto the public API and returns the outputs by name. Kernel families add theirs to `goldenAdapters`.
 */
import type { BackendName } from '../backend.js';
import { restride, denseStride, type PackedBits } from '../bits.js';
import { encodeWeights, hammingGemm, hashLinear, signProject } from '../kernels/lsh.js';
import type { StoredTensor } from '../safetensors.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { hawkAdapters } from './hawk.js';
import { mamba2Adapters } from './mamba2.js';
import { retnetAdapters } from './retnet.js';
import { xlstmAdapters } from './xlstm.js';

export type GoldenInputs = Record<string, StoredTensor>;
export type GoldenOutputs = Record<string, Tensor<AnyArray>>;

export interface GoldenAdapter {
  run(inputs: GoldenInputs, params: Record<string, any>, backend: BackendName): GoldenOutputs | Promise<GoldenOutputs>;
}

/** The input as a float32 tensor (golden inputs are F32 unless noted). */
export const f32 = (t: StoredTensor): Tensor => ({ data: t.data as Float32Array, shape: t.shape });
export const i32 = (t: StoredTensor): Tensor<Int32Array> => ({ data: t.data as Int32Array, shape: t.shape });
export const u8 = (t: StoredTensor): Tensor<Uint8Array> => ({ data: t.data as Uint8Array, shape: t.shape });
/** An optional input. */
export const opt = <T>(t: StoredTensor | undefined, f: (t: StoredTensor) => T): T | undefined => (t ? f(t) : undefined);

const codesIn = (t: StoredTensor, bits: number): PackedBits => ({ data: t.data as Uint8Array, rows: t.shape[0], bits, stride: t.shape[1] });
const codesOut = (c: PackedBits): Tensor<Uint8Array> => {
  const dense = restride(c, denseStride(c.bits));
  return { data: dense.data, shape: [c.rows, dense.stride] };
};

const lshAdapters: Record<string, GoldenAdapter> = {
  sign_project: {
    run(inp, _params, backend) {
      const r = signProject(f32(inp.x), f32(inp.proj), { backend });
      return { codes: codesOut(r.codes), norms: { data: r.norms, shape: [r.norms.length] } };
    },
  },
  hamming_gemm: {
    run(inp, params, backend) {
      const K = params.hash_length as number;
      return { dist: hammingGemm(codesIn(inp.a, K), codesIn(inp.b, K), { backend }) };
    },
  },
  hash_linear: {
    run(inp, params, backend) {
      const config = {
        inputTileSize: params.input_tile_size, outputTileSize: params.output_tile_size, hashLength: params.hash_length,
        estimator: params.estimator ?? 'angle', eps: params.eps,
      };
      const w = encodeWeights(f32(inp.weight), f32(inp.proj), config, { backend });
      return { y: hashLinear(f32(inp.x), w, { backend, bias: opt(inp.bias, f32) }) };
    },
  },
};

export const goldenAdapters: Record<string, GoldenAdapter> = {
  ...lshAdapters,
  ...retnetAdapters,
  ...xlstmAdapters,
  ...mamba2Adapters,
  ...hawkAdapters,
};
