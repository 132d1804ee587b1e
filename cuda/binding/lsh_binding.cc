// Node-API entry points of the CUDA LSH kernels. Same positional arguments as the CPU addon's
// (native/binding/lsh_binding.cc), so lib/cuda/lsh.ts reuses its argument builders; each array may also
// be a DeviceBuffer. Every length is re-checked here.
#include "../lsh.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// signProject(x, proj, codes, norms|null, M, D, K, codeStride)
CudaJob parse_sign_project(CudaArgs& r) {
  const int64_t M = r.integer(4, "M", 1), D = r.integer(5, "D", 1), K = r.integer(6, "K", 1);
  const int64_t stride = r.integer(7, "codeStride", ceil_div(K, 8));
  const int x = r.in<float>(0, "x", r.product({M, D}));
  const int proj = r.in<float>(1, "proj", r.product({K, D}));
  const int codes = r.out<uint8_t>(2, "codes", r.product({M, stride}));
  const int norms = r.optional_out<float>(3, "norms", M);
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [=](CallData& c) {
    SignTilesArgs a{c.ptr<float>(x), D, M, D, D, 1, 1, K, c.ptr<float>(proj), 0, c.ptr<uint8_t>(codes), stride, 0, 0,
                    c.ptr<float>(norms), 0.0f};
    sign_tiles(a, precision, c.stream());
  };
}

// hammingGemm(a, b, dist, M, N, words, strideA, strideB): words of 64 bits, strides in bytes (multiples of 8)
CudaJob parse_hamming_gemm(CudaArgs& r) {
  const int64_t M = r.integer(3, "M", 1), N = r.integer(4, "N", 1), words = r.integer(5, "words", 1);
  const int64_t sa = r.integer(6, "strideA", words * 8), sb = r.integer(7, "strideB", words * 8);
  if (sa % 8 || sb % 8) throw r.range_error("strides must be multiples of 8 bytes");
  const int a = r.in<uint8_t>(0, "a", r.product({M, sa}));
  const int b = r.in<uint8_t>(1, "b", r.product({N, sb}));
  const int dist = r.out<int32_t>(2, "dist", r.product({M, N}));
  const auto algo = static_cast<HammingAlgo>(cuda_env(r.env()).hamming_algo);
  return [=](CallData& c) {
    HammingArgs h{reinterpret_cast<const uint32_t*>(c.ptr<uint8_t>(a)), sa / 4, reinterpret_cast<const uint32_t*>(c.ptr<uint8_t>(b)),
                  sb / 4, M, N, 2 * words, c.ptr<int32_t>(dist), N};
    hamming_gemm(h, algo, c.stream());
  };
}

// encodeWeights(weight, proj, codes, norms, N, D, Ti, To, K, eps, codeStride)
CudaJob parse_encode_weights(CudaArgs& r) {
  const int64_t N = r.integer(4, "N", 1), D = r.integer(5, "D", 1), Ti = r.integer(6, "inputTileSize", 1);
  const int64_t To = r.integer(7, "outputTileSize", 1), K = r.integer(8, "hashLength", 1);
  const float eps = static_cast<float>(r.number(9, "eps"));
  const int64_t stride = r.integer(10, "codeStride", ceil_div(K, 8));
  const int64_t nI = ceil_div(D, Ti), nJ = ceil_div(N, To);
  const int weight = r.in<float>(0, "weight", r.product({N, D}));
  const int proj = r.in<float>(1, "proj", r.product({nI, nJ, K, Ti}));
  const int codes = r.out<uint8_t>(2, "codes", r.product({nI, N, stride}));
  const int norms = r.out<float>(3, "norms", r.product({nI, N}));
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [=](CallData& c) {
    EncodeWeightsArgs e{c.ptr<float>(weight), N, D, c.ptr<float>(proj), Ti, To, K, eps, c.ptr<uint8_t>(codes), stride, c.ptr<float>(norms)};
    encode_weights(e, precision, c.stream());
  };
}

// hashLinear(x, proj, wcodes, wnorms, bias|null, y, B, D, N, Ti, To, K, wstride, eps, estimator)
CudaJob parse_hash_linear(CudaArgs& r) {
  const int64_t B = r.integer(6, "B", 1), D = r.integer(7, "D", 1), N = r.integer(8, "N", 1);
  const int64_t Ti = r.integer(9, "inputTileSize", 1), To = r.integer(10, "outputTileSize", 1), K = r.integer(11, "hashLength", 1);
  const int64_t wstride = r.integer(12, "weightCodeStride", ceil_div(K, 64) * 8);
  if (wstride % 8) throw r.range_error("weightCodeStride must be a multiple of 8");
  const float eps = static_cast<float>(r.number(13, "eps"));
  const int64_t est = r.integer(14, "estimator", 0);
  if (est > 1) throw r.range_error("estimator: expected 0 (angle) or 1 (linear)");
  const int64_t nI = ceil_div(D, Ti), nJ = ceil_div(N, To);
  const int x = r.in<float>(0, "x", r.product({B, D}));
  const int proj = r.in<float>(1, "proj", r.product({nI, nJ, K, Ti}));
  const int wcodes = r.in<uint8_t>(2, "weightCodes", r.product({nI, N, wstride}));
  const int wnorms = r.in<float>(3, "weightNorms", r.product({nI, N}));
  const int bias = r.optional_in<float>(4, "bias", N);
  const int y = r.out<float>(5, "y", r.product({B, N}));
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [=](CallData& c) {
    HashLinearArgs a{c.ptr<float>(x), B, D, N, c.ptr<float>(proj), Ti, To, K, c.ptr<uint8_t>(wcodes), wstride, c.ptr<float>(wnorms),
                     c.ptr<float>(bias), eps, static_cast<Estimator>(est), c.ptr<float>(y)};
    hash_linear(a, precision, c.stream());
  };
}

}  // namespace

void init_lsh(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "signProject", parse_sign_project);
  export_cuda_kernel(env, exports, "hammingGemm", parse_hamming_gemm);
  export_cuda_kernel(env, exports, "encodeWeights", parse_encode_weights);
  export_cuda_kernel(env, exports, "hashLinear", parse_hash_linear);
}

}  // namespace hashmac::cuda
