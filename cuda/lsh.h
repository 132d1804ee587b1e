// CUDA launchers of the LSH family (SPEC section 1-3). The hash layer and weight encoding take the
// argument structs of the CPU kernels (native/kernels/lsh.h), here holding device pointers. Every
// launcher enqueues on `stream` and returns without waiting; scratch memory is stream-ordered.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "../native/kernels/lsh.h"

namespace hashmac::cuda {

using hashmac::EncodeWeightsArgs;
using hashmac::Estimator;
using hashmac::HashLinearArgs;

// Sign bits of tiles of x under tiles of a projection, one GEMM per (input tile i, output tile j) pair,
// with the sign test and bit packing fused into the epilogue. Covers the three uses:
//   signProject:   nI = nJ = 1, Ti = D, rows_per_j = 0 (every row uses the one projection)
//   encodeWeights: rows are weight rows; row r uses projection (i, r / To): rows_per_j = To
//   hashLinear x:  every row uses every projection j: rows_per_j = 0
// Output code row of (i, j, r): i*code_rows_i + j*code_rows_j + r.
struct SignTilesArgs {
  const float* x;        // [R, ldx]; tile i covers columns [i*Ti, min(D, (i+1)*Ti))
  int64_t ldx;
  int64_t R, D, Ti, nI, nJ, K;
  const float* proj;     // [nI, nJ, K, Ti]; columns past a partial tile's width are ignored
  int64_t rows_per_j;
  uint8_t* codes;        // rows of code_stride bytes; bytes past ceil(K/8) are zeroed
  int64_t code_stride;
  int64_t code_rows_i, code_rows_j;
  float* norms;          // [nI, R]: ||x tile row|| + norm_eps (from j == 0), or nullptr
  float norm_eps;
};
// kFp32: FMA on the CUDA cores. kTf32x3: 3xTF32 on the tensor cores (sm_80+; else FP32). Both keep the
// sign bits within SPEC's 1e-4 margin; plain TF32 or BF16 would not (see lsh.cu).
enum class SignPrecision : int { kFp32 = 0, kTf32x3 = 1 };
void sign_tiles(const SignTilesArgs& a, SignPrecision precision, cudaStream_t stream);

// dist[m*ldd + n] = popcount(a[m] ^ b[n]) over `words` 32-bit words.
struct HammingArgs {
  const uint32_t* a;     // [M] rows of lda words
  int64_t lda;
  const uint32_t* b;     // [N] rows of ldb words
  int64_t ldb;
  int64_t M, N, words;
  int32_t* dist;
  int64_t ldd;
};
// kPopc: XOR + __popc on the CUDA cores. kTensorCore: b1 MMA (m16n8k256, AND + popc, the only form sm_90
// has) with dist = popc(a) + popc(b) - 2 popc(a & b). Which is faster is measured by scripts/gpu-check.sh.
enum class HammingAlgo : int { kPopc = 0, kTensorCore = 1 };
void hamming_gemm(const HammingArgs& h, HammingAlgo algo, cudaStream_t stream);

// Hashes x per tile pair (sign_tiles), then one fused pass: y[b,n] = sum_i xn*wn*est(popcount) + bias.
void hash_linear(const HashLinearArgs& a, SignPrecision precision, cudaStream_t stream);

void encode_weights(const EncodeWeightsArgs& e, SignPrecision precision, cudaStream_t stream);

}  // namespace hashmac::cuda
