// Node-API entry points of the LSH family: each reads the plan with the shared reader (plans/lsh.h);
// signProject and hammingGemm are laid out here for the CPU kernels.
#include "plans/lsh.h"

#include "binding.h"

namespace hashmac {
namespace {

void run_sign_project(const Exec& ex, const SignProjectCall& c) {
  SignProjectArgs a{};
  a.x = c.x;
  a.proj = c.proj;
  a.codes = c.codes;
  a.norms = c.norms;
  a.ldx = a.ldp = a.D = c.D;
  a.M = c.M;
  a.K = c.K;
  a.code_stride = c.stride;
  a.norm_eps = 0.0f;
  sign_project(ex, {a});
}

// The kernels' view of the code operands: 64-bit words, strides in words.
HammingArgs hamming_args(const HammingCodesCall& c) {
  HammingArgs h{};
  h.a = reinterpret_cast<const uint64_t*>(c.a);
  h.b = reinterpret_cast<const uint64_t*>(c.b);
  h.lda = c.stride_a / 8;
  h.ldb = c.stride_b / 8;
  h.M = c.M;
  h.N = c.N;
  h.words = c.words;
  h.ldd = c.N;
  return h;
}

void run_hamming_gemm(const Exec& ex, const HammingCall& c) {
  HammingArgs h = hamming_args(c);
  h.dist = c.dist;
  hamming_gemm(ex, h);
}

void run_hamming_gemm_u16(const Exec& ex, const HammingU16Call& c) {
  HammingArgs h = hamming_args(c);
  h.dist16 = c.dist;
  hamming_gemm(ex, h);
}

void run_hamming_knn(const Exec& ex, const HammingKnnCall& c) {
  const HammingArgs h = hamming_args(c);
  hamming_knn(ex, {h.a, h.lda, h.b, h.ldb, h.M, h.N, h.words, c.k, c.max_distance, c.indices, c.distances});
}

}  // namespace

void init_lsh(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "signProject", plan_parser<SignProjectCall>(read_sign_project<ArgReader>, run_sign_project));
  export_kernel(env, exports, "hammingGemm", plan_parser<HammingCall>(read_hamming_gemm<ArgReader, int32_t>, run_hamming_gemm));
  export_kernel(env, exports, "hammingGemmU16", plan_parser<HammingU16Call>(read_hamming_gemm<ArgReader, uint16_t>, run_hamming_gemm_u16));
  export_kernel(env, exports, "hammingKnn", plan_parser<HammingKnnCall>(read_hamming_knn<ArgReader>, run_hamming_knn));
  export_kernel(env, exports, "encodeWeights", plan_parser<EncodeWeightsArgs>(read_encode_weights<ArgReader>, encode_weights));
  export_kernel(env, exports, "hashLinear", plan_parser<HashLinearArgs>(read_hash_linear<ArgReader>, hash_linear));
}

}  // namespace hashmac
