// Node-API entry points of the LSH family. The TypeScript layer (lib/native/lsh.ts) validates shapes
// and passes sizes explicitly; these readers re-check every buffer length so no call can read or write
// out of bounds even when the addon is called directly.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "../kernels/lsh.h"

#include "binding.h"

namespace hashmac {
namespace {

// signProject(x, proj, codes, norms|null, M, D, K, codeStride)
Job parse_sign_project(ArgReader& r, const Exec& ex) {
  const int64_t M = r.integer(4, "M", 1), D = r.integer(5, "D", 1), K = r.integer(6, "K", 1);
  const int64_t stride = r.integer(7, "codeStride", ceil_div(K, 8));
  SignProjectArgs a{};
  a.x = r.array<float>(0, "x", r.product({M, D}));
  a.proj = r.array<float>(1, "proj", r.product({K, D}));
  a.codes = r.array<uint8_t>(2, "codes", r.product({M, stride}));
  a.norms = r.optional_array<float>(3, "norms", M);
  a.ldx = D;
  a.ldp = D;
  a.M = M;
  a.D = D;
  a.K = K;
  a.code_stride = stride;
  a.norm_eps = 0.0f;
  return [ex, a] { sign_project(ex, {a}); };
}

// The two code operands every Hamming entry point takes: a (argument 0) and b (argument 1), with M, N,
// words, strideA and strideB (strides in bytes, multiples of 8) from argument `first` on.
HammingArgs read_code_operands(ArgReader& r, size_t first) {
  const int64_t M = r.integer(first, "M", 1), N = r.integer(first + 1, "N", 1), words = r.integer(first + 2, "words", 1);
  const int64_t sa = r.integer(first + 3, "strideA", words * 8), sb = r.integer(first + 4, "strideB", words * 8);
  if (sa % 8 || sb % 8) throw r.range_error("strides must be multiples of 8 bytes");
  HammingArgs h{};
  h.a = reinterpret_cast<const uint64_t*>(r.array<uint8_t>(0, "a", r.product({M, sa})));
  h.b = reinterpret_cast<const uint64_t*>(r.array<uint8_t>(1, "b", r.product({N, sb})));
  h.lda = sa / 8;
  h.ldb = sb / 8;
  h.M = M;
  h.N = N;
  h.words = words;
  return h;
}

// hammingGemm(a, b, dist, M, N, words, strideA, strideB): int32 dist (T = int32_t) or, as
// hammingGemmU16, uint16 dist (T = uint16_t; codes shorter than 65536 bits, so no distance overflows).
template <class T>
Job parse_hamming_gemm(ArgReader& r, const Exec& ex) {
  HammingArgs h = read_code_operands(r, 3);
  if (std::is_same<T, uint16_t>::value && h.words * 64 >= 65536) throw r.range_error("words: uint16 results need codes of fewer than 65536 bits");
  T* dist = r.array<T>(2, "dist", r.product({h.M, h.N}));
  if constexpr (std::is_same<T, uint16_t>::value) h.dist16 = dist;
  else h.dist = dist;
  h.ldd = h.N;
  return [ex, h] { hamming_gemm(ex, h); };
}

// hammingKnn(a, b, indices, distances, M, N, words, strideA, strideB, k, maxDistance)
Job parse_hamming_knn(ArgReader& r, const Exec& ex) {
  const HammingArgs c = read_code_operands(r, 4);
  const int64_t k = r.integer(9, "k", 1);
  if (c.N > INT32_MAX || k > INT32_MAX) throw r.range_error("N and k must fit int32 indices");
  HammingKnnArgs h{c.a, c.lda, c.b, c.ldb, c.M, c.N, c.words, k, 0, nullptr, nullptr};
  h.max_distance = static_cast<int32_t>(std::min<int64_t>(r.integer(10, "maxDistance", 0), c.words * 64));
  h.indices = r.array<int32_t>(2, "indices", r.product({c.M, k}));
  h.distances = r.array<int32_t>(3, "distances", r.product({c.M, k}));
  return [ex, h] { hamming_knn(ex, h); };
}

// encodeWeights(weight, proj, codes, norms, N, D, Ti, To, K, eps, codeStride)
Job parse_encode_weights(ArgReader& r, const Exec& ex) {
  EncodeWeightsArgs e{};
  e.N = r.integer(4, "N", 1);
  e.D = r.integer(5, "D", 1);
  e.Ti = r.integer(6, "inputTileSize", 1);
  e.To = r.integer(7, "outputTileSize", 1);
  e.K = r.integer(8, "hashLength", 1);
  e.eps = static_cast<float>(r.number(9, "eps"));
  e.code_stride = r.integer(10, "codeStride", ceil_div(e.K, 8));
  const int64_t nI = ceil_div(e.D, e.Ti), nJ = ceil_div(e.N, e.To);
  e.weight = r.array<float>(0, "weight", r.product({e.N, e.D}));
  e.proj = r.array<float>(1, "proj", r.product({nI, nJ, e.K, e.Ti}));
  e.codes = r.array<uint8_t>(2, "codes", r.product({nI, e.N, e.code_stride}));
  e.norms = r.array<float>(3, "norms", r.product({nI, e.N}));
  return [ex, e] { encode_weights(ex, e); };
}

// hashLinear(x, proj, wcodes, wnorms, bias|null, y, B, D, N, Ti, To, K, wstride, eps, estimator)
Job parse_hash_linear(ArgReader& r, const Exec& ex) {
  HashLinearArgs a{};
  a.B = r.integer(6, "B", 1);
  a.D = r.integer(7, "D", 1);
  a.N = r.integer(8, "N", 1);
  a.Ti = r.integer(9, "inputTileSize", 1);
  a.To = r.integer(10, "outputTileSize", 1);
  a.K = r.integer(11, "hashLength", 1);
  a.wstride = r.integer(12, "weightCodeStride", ceil_div(a.K, 64) * 8);
  if (a.wstride % 8) throw r.range_error("weightCodeStride must be a multiple of 8");
  a.eps = static_cast<float>(r.number(13, "eps"));
  const int64_t est = r.integer(14, "estimator", 0);
  if (est > 1) throw r.range_error("estimator: expected 0 (angle) or 1 (linear)");
  a.estimator = static_cast<Estimator>(est);
  const int64_t nI = ceil_div(a.D, a.Ti), nJ = ceil_div(a.N, a.To);
  a.x = r.array<float>(0, "x", r.product({a.B, a.D}));
  a.proj = r.array<float>(1, "proj", r.product({nI, nJ, a.K, a.Ti}));
  a.wcodes = r.array<uint8_t>(2, "weightCodes", r.product({nI, a.N, a.wstride}));
  a.wnorms = r.array<float>(3, "weightNorms", r.product({nI, a.N}));
  a.bias = r.optional_array<float>(4, "bias", a.N);
  a.y = r.array<float>(5, "y", r.product({a.B, a.N}));
  return [ex, a] { hash_linear(ex, a); };
}

}  // namespace

void init_lsh(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "signProject", parse_sign_project);
  export_kernel(env, exports, "hammingGemm", parse_hamming_gemm<int32_t>);
  export_kernel(env, exports, "hammingGemmU16", parse_hamming_gemm<uint16_t>);
  export_kernel(env, exports, "hammingKnn", parse_hamming_knn);
  export_kernel(env, exports, "encodeWeights", parse_encode_weights);
  export_kernel(env, exports, "hashLinear", parse_hash_linear);
}

}  // namespace hashmac
