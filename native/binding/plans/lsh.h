// The LSH plans (lib/kernels/lsh-plans.ts) for either addon. encodeWeights and hashLinear fill the
// kernels' args structs (both addons share them); signProject and hammingGemm fill the neutral calls
// below, which each addon lays out for its own kernels (64-bit words on the CPU, 32-bit on the GPU).
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include <algorithm>
#include <cstdint>

#include "../../kernels/lsh.h"
#include "../../kernels/parallel.h"  // ceil_div

namespace hashmac {

struct SignProjectCall {
  const float* x;     // [M, D]
  const float* proj;  // [K, D]
  uint8_t* codes;     // [M] rows of `stride` bytes
  float* norms;       // [M] or nullptr
  int64_t M, D, K, stride;
};

template <class R>
void read_sign_project(R& r, SignProjectCall& a) {
  a.M = r.integer("M", 1);
  a.D = r.integer("D", 1);
  a.K = r.integer("K", 1);
  a.stride = r.integer("stride", ceil_div(a.K, 8));
  r.in(a.x, "x", r.product({a.M, a.D}));
  r.in(a.proj, "proj", r.product({a.K, a.D}));
  r.out(a.codes, "codes", r.product({a.M, a.stride}));
  r.optional_out(a.norms, "norms", a.M);
}

// Codes of `bits` bits in rows of 8-byte multiples (lib/kernels/lsh-plans.ts alignedHammingPlan): the
// operands every Hamming kernel reads.
struct HammingCodesCall {
  const uint8_t* a;  // [M] rows of stride_a bytes
  const uint8_t* b;  // [N] rows of stride_b bytes
  int64_t M, N, bits, words, stride_a, stride_b;  // words of 64 bits
};

template <class R>
void read_hamming_codes(R& r, HammingCodesCall& h) {
  h.M = r.integer("M", 1);
  h.N = r.integer("N", 1);
  h.bits = r.integer("bits", 1);
  h.words = ceil_div(h.bits, 64);
  h.stride_a = r.integer("strideA", h.words * 8);
  h.stride_b = r.integer("strideB", h.words * 8);
  if (h.stride_a % 8 || h.stride_b % 8) throw r.range_error("strides must be multiples of 8 bytes");
  r.in(h.a, "a", r.product({h.M, h.stride_a}));
  r.in(h.b, "b", r.product({h.N, h.stride_b}));
}

// hammingGemm (int32 distances) and hammingGemmU16 (uint16, for codes of at most 65535 bits: a distance
// never exceeds `bits`, padding bits being zero).
template <typename D>
struct HammingDistCall : HammingCodesCall {
  D* dist;  // [M, N]
};
using HammingCall = HammingDistCall<int32_t>;
using HammingU16Call = HammingDistCall<uint16_t>;

template <class R, typename D>
void read_hamming_gemm(R& r, HammingDistCall<D>& h) {
  read_hamming_codes(r, h);
  if (sizeof(D) == 2 && h.bits > 65535) throw r.range_error("bits: uint16 results need codes of at most 65535 bits");
  r.out(h.dist, "dist", r.product({h.M, h.N}));
}

// hammingKnn: the k nearest rows of b for every row of a, within maxDistance (SPEC hamming_knn).
struct HammingKnnCall : HammingCodesCall {
  int64_t k;
  int32_t max_distance;
  int32_t* indices;    // [M, k]
  int32_t* distances;  // [M, k]
};

template <class R>
void read_hamming_knn(R& r, HammingKnnCall& h) {
  read_hamming_codes(r, h);
  h.k = r.integer("k", 1);
  if (h.N > INT32_MAX || h.k > INT32_MAX) throw r.range_error("N and k must fit int32 indices");
  h.max_distance = static_cast<int32_t>(std::min<int64_t>(r.integer("maxDistance", 0), h.bits));
  r.out(h.indices, "indices", r.product({h.M, h.k}));
  r.out(h.distances, "distances", r.product({h.M, h.k}));
}

template <class R>
void read_encode_weights(R& r, EncodeWeightsArgs& e) {
  e.N = r.integer("N", 1);
  e.D = r.integer("D", 1);
  e.Ti = r.integer("inputTileSize", 1);
  e.To = r.integer("outputTileSize", 1);
  e.K = r.integer("hashLength", 1);
  e.eps = r.real("eps");
  e.code_stride = r.integer("stride", ceil_div(e.K, 8));
  const int64_t nI = ceil_div(e.D, e.Ti), nJ = ceil_div(e.N, e.To);
  r.in(e.weight, "weight", r.product({e.N, e.D}));
  r.in(e.proj, "proj", r.product({nI, nJ, e.K, e.Ti}));
  r.out(e.codes, "codes", r.product({nI, e.N, e.code_stride}));
  r.out(e.norms, "norms", r.product({nI, e.N}));
}

template <class R>
void read_hash_linear(R& r, HashLinearArgs& a) {
  a.B = r.integer("B", 1);
  a.D = r.integer("D", 1);
  a.N = r.integer("N", 1);
  a.Ti = r.integer("inputTileSize", 1);
  a.To = r.integer("outputTileSize", 1);
  a.K = r.integer("hashLength", 1);
  a.wstride = r.integer("weightStride", ceil_div(a.K, 64) * 8);
  if (a.wstride % 8) throw r.range_error("weightStride must be a multiple of 8");
  a.eps = r.real("eps");
  a.estimator = static_cast<Estimator>(r.word("estimator", {"angle", "linear"}));
  const int64_t nI = ceil_div(a.D, a.Ti), nJ = ceil_div(a.N, a.To), words = ceil_div(a.K, 64);
  // The input's codes under every tile pair's projection, and the weight code panels (native/kernels/lsh.cc).
  r.scratch(r.product({nI, nJ, a.B, words, 8}) + r.product({nI, ceil_div(a.N, 32) * 32, words, 8}));
  r.in(a.x, "x", r.product({a.B, a.D}));
  r.in(a.proj, "proj", r.product({nI, nJ, a.K, a.Ti}));
  r.in(a.wcodes, "weightCodes", r.product({nI, a.N, a.wstride}));
  r.in(a.wnorms, "weightNorms", r.product({nI, a.N}));
  r.optional_in(a.bias, "bias", a.N);
  r.out(a.y, "y", r.product({a.B, a.N}));
}

}  // namespace hashmac
