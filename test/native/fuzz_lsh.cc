// libFuzzer harness of the LSH family: sign projection, Hamming GEMM (int32 and uint16), the k-NN
// epilogue, weight encoding and the hash
// layer, every SIMD path and thread count against the scalar single-threaded path (see fuzz_util.h).
#include <algorithm>

#include "../../native/kernels/lsh.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

void store(uint64_t* p, uint64_t v) { std::memcpy(p, &v, sizeof v); }

void fuzz_hamming(FuzzedDataProvider& in) {
  const int64_t M = in.ConsumeIntegralInRange<int64_t>(1, 70), N = in.ConsumeIntegralInRange<int64_t>(1, 70);
  const int64_t words = in.ConsumeIntegralInRange<int64_t>(1, 12);
  const int64_t lda = words + in.ConsumeIntegralInRange<int64_t>(0, 2), ldb = words + in.ConsumeIntegralInRange<int64_t>(0, 2);
  const size_t skew = in.ConsumeIntegralInRange<size_t>(0, 7);
  Buffer<uint64_t> a(M * lda, skew), b(N * ldb, 7 - skew);
  // Rows may start at any byte address: fill through memcpy, as the kernels read through load_u64.
  for (size_t i = 0; i < a.size(); ++i) store(a.data() + i, in.ConsumeIntegral<uint64_t>());
  for (size_t i = 0; i < b.size(); ++i) store(b.data() + i, in.ConsumeBool() ? ~uint64_t{0} : in.ConsumeIntegral<uint64_t>());
  std::vector<int32_t> want(M * N), got(M * N);
  HammingArgs h{a.data(), lda, b.data(), ldb, M, N, words, want.data(), N};
  hamming_gemm(Exec{Isa::kScalar, 1}, h);
  for (const Exec& ex : variants()) {
    h.dist = got.data();
    hamming_gemm(ex, h);
    for (int64_t i = 0; i < M * N; ++i)
      if (got[i] != want[i]) fail("hamming_gemm", ex, "dist", static_cast<long>(i));
  }
  // uint16 results at any element offset: the int32 distances narrowed.
  const size_t off = in.ConsumeIntegralInRange<size_t>(0, 31);
  std::vector<uint16_t> narrow(M * N + off);
  h.dist16 = narrow.data() + off;
  for (const Exec& ex : variants()) {
    hamming_gemm(ex, h);
    for (int64_t i = 0; i < M * N; ++i)
      if (h.dist16[i] != want[i]) fail("hamming_gemm_u16", ex, "dist", static_cast<long>(i));
  }
}

// The k-NN epilogue against a selection over the scalar distance matrix; duplicate rows of b make ties.
void fuzz_knn(FuzzedDataProvider& in) {
  const int64_t M = in.ConsumeIntegralInRange<int64_t>(1, 40), N = in.ConsumeIntegralInRange<int64_t>(1, 120);
  const int64_t words = in.ConsumeIntegralInRange<int64_t>(1, 4), k = in.ConsumeIntegralInRange<int64_t>(1, 50);
  const int32_t maxd = in.ConsumeIntegralInRange<int32_t>(0, static_cast<int32_t>(words * 64));
  std::vector<uint64_t> a(M * words), b(N * words);
  for (auto& v : a) v = in.ConsumeIntegral<uint64_t>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t w = 0; w < words; ++w) b[n * words + w] = n && in.ConsumeBool() ? b[(n - 1) * words + w] : in.ConsumeIntegral<uint64_t>();
  std::vector<int32_t> dist(M * N);
  hamming_gemm(Exec{Isa::kScalar, 1}, HammingArgs{a.data(), words, b.data(), words, M, N, words, dist.data(), N});
  std::vector<int32_t> want_i(M * k, -1), want_d(M * k, -1);
  for (int64_t m = 0; m < M; ++m) {
    std::vector<int64_t> order;
    for (int64_t n = 0; n < N; ++n)
      if (dist[m * N + n] <= maxd) order.push_back(n);
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return dist[m * N + x] < dist[m * N + y]; });
    for (int64_t j = 0; j < k && j < static_cast<int64_t>(order.size()); ++j) {
      want_i[m * k + j] = static_cast<int32_t>(order[j]);
      want_d[m * k + j] = dist[m * N + order[j]];
    }
  }
  std::vector<int32_t> got_i(M * k), got_d(M * k);
  for (const Exec& ex : variants()) {
    hamming_knn(ex, HammingKnnArgs{a.data(), words, b.data(), words, M, N, words, k, maxd, got_i.data(), got_d.data()});
    for (int64_t i = 0; i < M * k; ++i) {
      if (got_i[i] != want_i[i]) fail("hamming_knn", ex, "indices", static_cast<long>(i));
      if (got_d[i] != want_d[i]) fail("hamming_knn", ex, "distances", static_cast<long>(i));
    }
  }
}

void fuzz_sign(FuzzedDataProvider& in) {
  const int64_t M = in.ConsumeIntegralInRange<int64_t>(1, 40), D = in.ConsumeIntegralInRange<int64_t>(1, 100);
  const int64_t K = in.ConsumeIntegralInRange<int64_t>(1, 140);
  const int64_t ldx = D + in.ConsumeIntegralInRange<int64_t>(0, 3), ldp = D + in.ConsumeIntegralInRange<int64_t>(0, 3);
  const int64_t stride = (K + 7) / 8 + in.ConsumeIntegralInRange<int64_t>(0, 9);
  const int ex = in.ConsumeIntegralInRange<int>(-30, 30);
  const bool specials = in.ConsumeBool();
  Buffer<float> x(M * ldx, 4 * in.ConsumeIntegralInRange<size_t>(0, 3)), p(K * ldp, 0);
  for (size_t i = 0; i < x.size(); ++i) x.data()[i] = dyadic(in, ex);
  for (size_t i = 0; i < p.size(); ++i) p.data()[i] = dyadic(in, 0);
  if (specials) {
    const float values[] = {NAN, INFINITY, -INFINITY, -0.0f};
    for (int s = 0; s < 3; ++s) x.data()[in.ConsumeIntegralInRange<size_t>(0, x.size() - 1)] = values[in.ConsumeIntegralInRange<int>(0, 3)];
  }
  std::vector<uint8_t> want(M * stride, 0xAA), got(M * stride);
  std::vector<float> wnorm(M), gnorm(M);
  SignProjectArgs s{x.data(), ldx, p.data(), ldp, M, D, K, want.data(), stride, wnorm.data(), 0.0f};
  sign_project(Exec{Isa::kScalar, 1}, {s});
  for (const Exec& e : variants()) {
    std::fill(got.begin(), got.end(), 0x55);  // padding must be overwritten with zeros
    s.codes = got.data();
    s.norms = gnorm.data();
    sign_project(e, {s});
    for (int64_t i = 0; i < M * stride; ++i)
      if (got[i] != want[i]) fail("sign_project", e, "codes", static_cast<long>(i));
    for (int64_t i = 0; i < M; ++i)
      if (!same(gnorm[i], wnorm[i])) fail("sign_project", e, "norms", static_cast<long>(i));
  }
}

void fuzz_hash_linear(FuzzedDataProvider& in) {
  const int64_t Ti = in.ConsumeIntegralInRange<int64_t>(1, 40), To = in.ConsumeIntegralInRange<int64_t>(1, 20);
  const int64_t K = in.ConsumeIntegralInRange<int64_t>(1, 100), B = in.ConsumeIntegralInRange<int64_t>(1, 70);
  const int64_t nI = in.ConsumeIntegralInRange<int64_t>(1, 3), nJ = in.ConsumeIntegralInRange<int64_t>(1, 3);
  const int64_t D = (nI - 1) * Ti + in.ConsumeIntegralInRange<int64_t>(1, Ti);
  const int64_t N = (nJ - 1) * To + in.ConsumeIntegralInRange<int64_t>(1, To);
  const int64_t words = (K + 63) / 64, wstride = words * 8;
  const bool bias = in.ConsumeBool();
  const Estimator est = in.ConsumeBool() ? Estimator::kAngle : Estimator::kLinear;
  const float eps = 1.1920929e-07f;
  Buffer<float> x(B * D, 0), w(N * D, 0), p(nI * nJ * K * Ti, 0), bs(N, 0);
  for (size_t i = 0; i < x.size(); ++i) x.data()[i] = dyadic(in, 0);
  for (size_t i = 0; i < w.size(); ++i) w.data()[i] = dyadic(in, 0);
  for (size_t i = 0; i < p.size(); ++i) p.data()[i] = dyadic(in, 0);
  for (size_t i = 0; i < bs.size(); ++i) bs.data()[i] = dyadic(in, 0);
  std::vector<uint8_t> wcodes(nI * N * wstride), gcodes(nI * N * wstride);
  std::vector<float> wnorms(nI * N), gnorms(nI * N);
  EncodeWeightsArgs e{w.data(), N, D, p.data(), Ti, To, K, eps, wcodes.data(), wstride, wnorms.data()};
  encode_weights(Exec{Isa::kScalar, 1}, e);
  std::vector<float> want(B * N), got(B * N);
  HashLinearArgs h{x.data(), B, D, N, p.data(), Ti, To, K, wcodes.data(), wstride, wnorms.data(),
                   bias ? bs.data() : nullptr, eps, est, want.data()};
  hash_linear(Exec{Isa::kScalar, 1}, h);
  for (const Exec& ex : variants()) {
    e.codes = gcodes.data();
    e.norms = gnorms.data();
    encode_weights(ex, e);
    for (size_t i = 0; i < gcodes.size(); ++i)
      if (gcodes[i] != wcodes[i]) fail("encode_weights", ex, "codes", static_cast<long>(i));
    for (size_t i = 0; i < gnorms.size(); ++i)
      if (!same(gnorms[i], wnorms[i])) fail("encode_weights", ex, "norms", static_cast<long>(i));
    h.y = got.data();
    hash_linear(ex, h);
    for (int64_t i = 0; i < B * N; ++i)
      if (!same(got[i], want[i])) fail("hash_linear", ex, "y", static_cast<long>(i));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fuzz_one_of(data, size, {fuzz_hamming, fuzz_knn, fuzz_sign, fuzz_hash_linear}); }
