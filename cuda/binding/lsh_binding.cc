// Node-API entry points of the CUDA LSH kernels (cuda/lsh.h): the plans are read by the shared readers
// (native/binding/plans/lsh.h); signProject and hammingGemm are laid out here for the GPU kernels
// (32-bit code words). Arrays may be DeviceBuffers.
#include "../../native/binding/plans/lsh.h"
#include "../lsh.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_sign_project(CudaArgs& r) {
  auto p = r.args<SignProjectCall>();
  read_sign_project(r, *p);
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [p, precision](CallData& c) {
    SignTilesArgs a{p->x, p->D, p->M, p->D, p->D, 1, 1, p->K, p->proj, 0, p->codes, p->stride, 0, 0, p->norms, 0.0f};
    sign_tiles(a, precision, c.stream());
  };
}

CudaJob parse_hamming_gemm(CudaArgs& r) {
  auto p = r.args<HammingCall>();
  read_hamming_gemm(r, *p);
  const auto algo = static_cast<HammingAlgo>(cuda_env(r.env()).hamming_algo);
  return [p, algo](CallData& c) {
    HammingArgs h{reinterpret_cast<const uint32_t*>(p->a), p->stride_a / 4, reinterpret_cast<const uint32_t*>(p->b), p->stride_b / 4,
                  p->M, p->N, 2 * p->words, p->dist, p->N};
    hamming_gemm(h, algo, c.stream());
  };
}

CudaJob parse_encode_weights(CudaArgs& r) {
  auto e = r.args<EncodeWeightsArgs>();
  read_encode_weights(r, *e);
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [e, precision](CallData& c) { encode_weights(*e, precision, c.stream()); };
}

CudaJob parse_hash_linear(CudaArgs& r) {
  auto a = r.args<HashLinearArgs>();
  read_hash_linear(r, *a);
  const auto precision = static_cast<SignPrecision>(cuda_env(r.env()).sign_precision);
  return [a, precision](CallData& c) { hash_linear(*a, precision, c.stream()); };
}

}  // namespace

void init_lsh(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "signProject", parse_sign_project);
  export_cuda_kernel(env, exports, "hammingGemm", parse_hamming_gemm);
  export_cuda_kernel(env, exports, "encodeWeights", parse_encode_weights);
  export_cuda_kernel(env, exports, "hashLinear", parse_hash_linear);
}

}  // namespace hashmac::cuda
