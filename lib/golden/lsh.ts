/** Golden adapters of the LSH kernels (SPEC §1-3): case inputs → public API. */
import { restride, denseStride, type PackedBits } from '../bits.js';
import { encodeWeights, hammingGemm, hammingKnn, hashLinear, signProject } from '../kernels/lsh.js';
import type { StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { f32, opt, type GoldenAdapter } from './inputs.js';

const codesIn = (t: StoredTensor, bits: number): PackedBits => ({ data: t.data as Uint8Array, rows: t.shape[0], bits, stride: t.shape[1] });
const codesOut = (c: PackedBits): Tensor<Uint8Array> => {
  const dense = restride(c, denseStride(c.bits));
  return { data: dense.data, shape: [c.rows, dense.stride] };
};

export const lshAdapters: Record<string, GoldenAdapter> = {
  sign_project: {
    run(inp, _params, backend) {
      const r = signProject(f32(inp.x), f32(inp.proj), { backend });
      return { codes: codesOut(r.codes), norms: { data: r.norms, shape: [r.norms.length] } };
    },
  },
  hamming_gemm: {
    run(inp, params, backend) {
      const K = params.hash_length as number;
      const resultType = (params.result_type ?? 'int32') as 'int32' | 'uint16';
      const d = hammingGemm(codesIn(inp.a, K), codesIn(inp.b, K), { backend, resultType });
      // Stored as int32 whatever the result type: widening is exact, so the same golden files apply.
      return { dist: { data: d.data instanceof Int32Array ? d.data : Int32Array.from(d.data), shape: d.shape } };
    },
  },
  hamming_knn: {
    run(inp, params, backend) {
      const K = params.hash_length as number;
      const r = hammingKnn(codesIn(inp.a, K), codesIn(inp.b, K), params.k as number, { backend, maxDistance: params.max_distance as number | undefined });
      return { indices: r.indices, distances: r.distances };
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
