// What the drivers of the state-step kernels (mamba2.cc, hawk.cc, retnet.cc, xlstm.cc) share: per-thread
// buffers that only grow, zero outputs for padding rows, and when an output is large enough to be written
// past the caches.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

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

// Consecutive tasks a thread claims at once (parallel_for's grain): `claim_bytes` of memory traffic per
// claim, so that the claim's shared atomic and the prefetchers' restart at a new address are paid rarely
// and each core streams long contiguous runs of the pool, yet at least kClaimsPerThread claims per thread,
// so that a thread slowed by another process on shared cores is made up for by the others. The default,
// a quarter of the L3, measured 0.66-0.97x the wall time of one-L2 claims on the memory-bound drivers
// (docs/state-kernels-performance.md).
inline int64_t claim_grain(int64_t tasks, int threads, int64_t bytes_per_task, int64_t claim_bytes = cpu_caches().l3 / 4) {
  constexpr int64_t kClaimsPerThread = 8;
  const int64_t by_bytes = ceil_div(claim_bytes, std::max<int64_t>(1, bytes_per_task));
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

// A task's scratch on transparent huge pages where the OS offers them (Linux, THP "madvise" or
// "always"): 2 MiB aligned and grown in whole 2 MiB pages. For scratch a task sweeps over and over (the
// sLSTM's gathered y rows and gate sums): in 4 KiB pages those were ~100 pages per sweep, more than the
// L1 DTLB holds, and a sweep paid a TLB refill per page (expensive in a VM with nested paging); the
// micro-kernel ran 10% faster on huge pages (152 -> 168 GFLOP/s per core).
inline float* huge_scratch(size_t n) {
  constexpr size_t kHuge = size_t{2} << 20;
  struct Buffer {
    std::unique_ptr<float, void (*)(void*)> data{nullptr, std::free};
    size_t floats = 0;
  };
  thread_local Buffer buf;
  if (buf.floats < n) {
    const size_t bytes = (n * sizeof(float) + kHuge - 1) / kHuge * kHuge;
    // Allocated before the old buffer is let go: a failure leaves the buffer (and its size) as it was.
    float* grown = static_cast<float*>(std::aligned_alloc(kHuge, bytes));
    if (!grown) throw std::bad_alloc();
    buf.data.reset(grown);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(buf.data.get(), bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages where refused
#endif
    buf.floats = bytes / sizeof(float);
  }
  return buf.data.get();
}
inline float* call_table(size_t n) { return thread_buffer(1, n); }

}  // namespace step_driver
}  // namespace hashmac
