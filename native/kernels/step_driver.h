// What the drivers of the state-step kernels (mamba2.cc, hawk.cc, retnet.cc, xlstm.cc) share: per-thread
// buffers that only grow, zero outputs for padding rows, and when an output is large enough to be written
// past the caches.
#pragma once
#include <algorithm>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "isa.h"
#include "parallel.h"

namespace hashmac {
namespace step_driver {

// Outputs at least this large (half a 32 MB L3) are streamed past the caches: they would be evicted
// before anyone reads them, and a normal store first reads every line it writes.
constexpr int64_t kStreamOutBytes = int64_t{16} << 20;

inline bool stream_out(int64_t floats) { return floats * static_cast<int64_t>(sizeof(float)) >= kStreamOutBytes; }

// Padding rows (slots[b] < 0) output zeros; their state is never read.
inline void zero_padding(const int32_t* slots, int64_t batch, float* out, int64_t row) {
  for (int64_t b = 0; b < batch; ++b)
    if (slots[b] < 0) std::fill(out + b * row, out + (b + 1) * row, 0.0f);
}

// Consecutive tasks a thread claims at once (parallel_for's grain): about one L2 of memory traffic per
// claim, so that the claim's shared atomic and the prefetchers' restart at a new address are paid rarely,
// yet at least kClaimsPerThread claims per thread, so that a thread slowed by another process on shared
// cores is made up for by the others.
inline int64_t claim_grain(int64_t tasks, int threads, int64_t bytes_per_task) {
  constexpr int64_t kClaimsPerThread = 8;
  const int64_t by_bytes = ceil_div(cpu_caches().l2, std::max<int64_t>(1, bytes_per_task));
  const int64_t by_balance = std::max<int64_t>(1, tasks / (kClaimsPerThread * std::max(1, threads)));
  return std::min(by_bytes, by_balance);
}

inline void zero_rows(float* out, int64_t count) { std::memset(out, 0, static_cast<size_t>(count) * sizeof(float)); }

// Per-thread buffers that only grow, so steady-state calls allocate nothing. Slot 0 is a task's scratch,
// slot 1 a per-call table of the calling thread (which also runs tasks, so the two must differ).
inline float* thread_buffer(int which, size_t n) {
  thread_local std::vector<float> bufs[2];
  if (bufs[which].size() < n) bufs[which].resize(n);
  return bufs[which].data();
}
inline float* scratch(size_t n) { return thread_buffer(0, n); }
inline float* call_table(size_t n) { return thread_buffer(1, n); }

}  // namespace step_driver
}  // namespace hashmac
