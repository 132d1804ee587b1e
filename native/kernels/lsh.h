// The LSH kernel family (SPEC "LSH kernels"): sign projection, Hamming GEMM and the tiled hash layer.
// Plain C++ over raw pointers; the Node-API binding and the CUDA launchers call these.
#pragma once
#include <cstdint>
#include <vector>

#include "isa.h"

namespace hashmac {

// codes[m] = bits (z > 0) of z = x[m] . proj^T; norms[m] = ||x[m]|| + norm_eps (when norms != nullptr).
struct SignProjectArgs {
  const float* x;        // [M, D], row stride ldx floats
  int64_t ldx;
  const float* proj;     // [K, D], row stride ldp floats
  int64_t ldp;
  int64_t M, D, K;
  uint8_t* codes;        // [M] rows of code_stride bytes (>= ceil(K/8)); padding bytes are zeroed
  int64_t code_stride;
  float* norms;          // [M] or nullptr
  float norm_eps;
};

// Runs several independent projections as one parallel job (the hash layer hashes every tile pair).
void sign_project(const Exec& ex, const std::vector<SignProjectArgs>& jobs);

// dist[m*ldd + n] = popcount(a[m] ^ b[n]) over `words` 64-bit words, as int32, or as uint16 into
// dist16 when that is set (the caller guarantees words * 64 < 65536, so every distance fits).
struct HammingArgs {
  const uint64_t* a;     // [M] rows of lda words (rows may start at any byte address)
  int64_t lda;
  const uint64_t* b;     // [N] rows of ldb words
  int64_t ldb;
  int64_t M, N, words;
  int32_t* dist;         // [M, N], row stride ldd
  int64_t ldd;
  uint16_t* dist16 = nullptr;  // [M, N], row stride ldd; replaces dist when set
};
void hamming_gemm(const Exec& ex, const HammingArgs& args);

// The k nearest codes of b for every row of a (SPEC "hamming_knn"): the k smallest (distance, index)
// pairs with distance <= max_distance, ascending; slots past the number found hold index -1 and
// distance -1. The distance matrix is never written: each task keeps its rows' lists while it walks
// the panels of b. The lists depend only on the distances, so every ISA and thread count agrees.
struct HammingKnnArgs {
  const uint64_t* a;     // [M] rows of lda words
  int64_t lda;
  const uint64_t* b;     // [N] rows of ldb words
  int64_t ldb;
  int64_t M, N, words;
  int64_t k;             // >= 1
  int32_t max_distance;  // >= 0
  int32_t* indices;      // [M, k]
  int32_t* distances;    // [M, k]
};
void hamming_knn(const Exec& ex, const HammingKnnArgs& args);

enum class Estimator : int { kAngle = 0, kLinear = 1 };

// The tiled hash layer with pre-encoded weight codes (SPEC section 3).
struct HashLinearArgs {
  const float* x;        // [B, D]
  int64_t B, D, N;
  const float* proj;     // [nI, nJ, K, Ti]
  int64_t Ti, To, K;
  const uint8_t* wcodes; // [nI, N] rows of wstride bytes (a multiple of 8)
  int64_t wstride;
  const float* wnorms;   // [nI, N]: ||w tile row|| + eps
  const float* bias;     // [N] or nullptr
  float eps;
  Estimator estimator;
  float* y;              // [B, N]
};
void hash_linear(const Exec& ex, const HashLinearArgs& args);

// Weight codes and norms of every tile pair: codes[i, n] under proj[i, tile(n)], norms[i, n].
struct EncodeWeightsArgs {
  const float* weight;   // [N, D]
  int64_t N, D;
  const float* proj;     // [nI, nJ, K, Ti]
  int64_t Ti, To, K;
  float eps;
  uint8_t* codes;        // [nI, N] rows of code_stride bytes
  int64_t code_stride;
  float* norms;          // [nI, N]
};
void encode_weights(const Exec& ex, const EncodeWeightsArgs& args);

}  // namespace hashmac
