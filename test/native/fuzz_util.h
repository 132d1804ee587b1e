// Shared helpers of the native libFuzzer harnesses (scripts/fuzz-native.sh builds one binary per
// fuzz_<family>.cc with AddressSanitizer + UndefinedBehaviorSanitizer). Each harness runs a kernel on
// the scalar path and on every SIMD path the CPU has, single- and multi-threaded, and traps on any
// difference; buffers are allocated to their exact size so ASan sees any read or write past the end.
#pragma once
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "../../native/kernels/isa.h"

namespace fuzz {

using hashmac::Exec;
using hashmac::Isa;

// Every (ISA, threads) variant to compare with the scalar single-threaded result.
inline std::vector<Exec> variants() {
  std::vector<Exec> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!hashmac::isa_supported(isa)) continue;
    for (int threads : {1, 2, 3}) out.push_back(Exec{isa, threads});
  }
  return out;
}

// A buffer of exactly n elements placed `skew` bytes into its allocation (unaligned starts, as typed
// arrays in JS may have), with nothing after it.
template <typename T>
struct Buffer {
  std::vector<unsigned char> bytes;
  size_t skew;
  Buffer(size_t n, size_t skew_bytes) : bytes(skew_bytes + n * sizeof(T)), skew(skew_bytes) {}
  T* data() { return reinterpret_cast<T*>(bytes.data() + skew); }
  size_t size() const { return (bytes.size() - skew) / sizeof(T); }
};

// Dyadic values k/16 with k in [-128, 127], times 2^e: products and sums of up to 2^16 terms are exact
// in float32, so every path must give the same bits whatever its summation order.
inline float dyadic(FuzzedDataProvider& in, int e) {
  return std::ldexp(static_cast<float>(in.ConsumeIntegral<int8_t>()) / 16.0f, e);
}

[[noreturn]] inline void fail(const char* kernel, const Exec& ex, const char* what, long index) {
  std::fprintf(stderr, "%s: %s differs from the scalar path on %s with %d threads at %ld\n", kernel, what,
               hashmac::isa_name(ex.isa), ex.threads, index);
  std::abort();
}

// Bitwise equality, NaN equal to NaN.
inline bool same(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace fuzz

namespace fuzz {

// n values in [lo, hi] drawn from the fuzzer's bytes (zeros once the bytes run out).
inline std::vector<float> values(FuzzedDataProvider& in, size_t n, float lo, float hi) {
  std::vector<float> v(n);
  for (auto& x : v) x = in.ConsumeFloatingPointInRange<float>(lo, hi);
  return v;
}

// Distinct pool rows for a batch, some of them padding (-1).
inline std::vector<int32_t> slots(FuzzedDataProvider& in, int64_t batch, int64_t pool) {
  std::vector<int32_t> rows(static_cast<size_t>(pool));
  for (int64_t i = 0; i < pool; ++i) rows[i] = static_cast<int32_t>(i);
  for (int64_t i = pool - 1; i > 0; --i) std::swap(rows[i], rows[in.ConsumeIntegralInRange<int64_t>(0, i)]);
  std::vector<int32_t> out(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) out[b] = in.ConsumeIntegralInRange<int>(0, 4) == 0 ? -1 : rows[b];
  return out;
}

// The batch shape of one state-kernel call: rows, steps, a pool larger than the batch by up to 3 rows,
// and the rows' slots (some padding).
struct StepCall {
  int64_t batch, steps, pool;
  std::vector<int32_t> slot;
};

inline StepCall step_call(FuzzedDataProvider& in) {
  StepCall c;
  c.batch = in.ConsumeIntegralInRange<int64_t>(1, 6);
  c.steps = in.ConsumeIntegralInRange<int64_t>(1, 3);
  c.pool = c.batch + in.ConsumeIntegralInRange<int64_t>(0, 3);
  c.slot = slots(in, c.batch, c.pool);
  return c;
}

// |got - want| <= atol + rtol * |want| elementwise (NaN equal to NaN), else fail.
inline void expect_close(const char* kernel, const Exec& ex, const char* what, const std::vector<float>& got,
                         const std::vector<float>& want, float atol, float rtol) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (same(got[i], want[i])) continue;
    if (!(std::fabs(got[i] - want[i]) <= atol + rtol * std::fabs(want[i]))) {
      std::fprintf(stderr, "got %.9g want %.9g\n", got[i], want[i]);
      fail(kernel, ex, what, static_cast<long>(i));
    }
  }
}

struct Tol {
  float atol, rtol;
};

// Every variant against the scalar single-threaded path. `run(ex, state, out)` runs the kernel once on a
// fresh copy of `state` (empty for a kernel without one) and an output of out_size floats; both results
// must match the scalar path's within their tolerances.
template <class Run>
void against_scalar(const char* kernel, const char* state_name, const std::vector<float>& state, Tol state_tol,
                    const char* out_name, size_t out_size, Tol out_tol, Run run) {
  std::vector<float> want_state = state, want_out(out_size), got_state, got_out(out_size);
  run(Exec{Isa::kScalar, 1}, want_state.data(), want_out.data());
  for (const Exec& ex : variants()) {
    got_state = state;
    run(ex, got_state.data(), got_out.data());
    if (!state.empty()) expect_close(kernel, ex, state_name, got_state, want_state, state_tol.atol, state_tol.rtol);
    expect_close(kernel, ex, out_name, got_out, want_out, out_tol.atol, out_tol.rtol);
  }
}

// The body of LLVMFuzzerTestOneInput: one of the harness's fuzz functions per input, chosen by its first
// bytes, each reading the rest of the input.
using FuzzFn = void (*)(FuzzedDataProvider&);
inline int fuzz_one_of(const uint8_t* data, size_t size, std::initializer_list<FuzzFn> fns) {
  FuzzedDataProvider in(data, size);
  fns.begin()[in.ConsumeIntegralInRange<size_t>(0, fns.size() - 1)](in);
  return 0;
}

}  // namespace fuzz
