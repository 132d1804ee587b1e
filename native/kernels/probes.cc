// Probe driver: starts the threads together, runs each probe's loop in chunks until the time is up, and
// turns the work done into a rate. The threads are plain std::threads rather than the kernel pool so a
// probe always runs on exactly the requested number of threads, whoever else is using the pool.
#include "probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace hashmac {
namespace {

using Clock = std::chrono::steady_clock;

const ProbeKernels& kernels(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return avx512::probe_kernels;
    case Isa::kAvx2: return avx2::probe_kernels;
    default: return scalar::probe_kernels;
  }
}

// 64 dependent single-cycle integer adds per call: the loop runs at one add per core clock cycle.
uint64_t add_chain(int64_t iters) {
  uint64_t x = 0;
  for (int64_t n = 0; n < iters; ++n) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HASHMAC_ADD8 "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
    __asm__ volatile(HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8 HASHMAC_ADD8
                     : "+r"(x));
#undef HASHMAC_ADD8
#else
    for (int i = 0; i < 64; ++i) {
      x += 1;
      __asm__ volatile("" : "+r"(x));
    }
#endif
  }
  return x;
}

std::atomic<uint64_t> sink{0};  // keeps every probe's result observable

// One thread's share: units of work done. `chunk` runs a fixed amount of work and returns its units.
template <typename Chunk>
double run_for(double seconds, Chunk chunk) {
  double units = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  do units += chunk(); while (Clock::now() < end);
  return units;
}

}  // namespace

ProbeResult run_probe(Probe probe, const Exec& ex, double seconds, int64_t bytes) {
  const int threads = std::max(1, ex.threads);
  const ProbeKernels& k = kernels(ex.isa);
  // The memory probes work on one slice per thread of buffers much larger than the caches.
  const int64_t slice = std::max<int64_t>(4096, bytes / threads) & ~int64_t{255};  // whole 64-float blocks
  std::vector<char> src, dst;
  if (probe == Probe::kBandwidth) {
    src.assign(static_cast<size_t>(slice * threads), 1);
    dst.assign(static_cast<size_t>(slice * threads), 0);
  }
  // The update probe's floats, 64-byte aligned; x = x/2 + 1 converges to 2, so values stay normal.
  std::vector<float> buffer;
  float* floats = nullptr;
  if (probe == Probe::kUpdate) {
    buffer.assign(static_cast<size_t>(slice * threads / 4 + 16), 1.0f);
    floats = buffer.data() + (16 - (reinterpret_cast<uintptr_t>(buffer.data()) / 4) % 16) % 16;
  }
  std::vector<double> units(static_cast<size_t>(threads), 0.0);
  std::atomic<int> ready{0};
  auto body = [&](int t) {
    ready.fetch_add(1);
    while (ready.load() < threads) std::this_thread::yield();  // start together: every core under load
    const uint64_t seed = 0x12345 + static_cast<uint64_t>(t);
    uint64_t keep = 0;
    double u = 0;
    switch (probe) {
      case Probe::kClock:
        u = run_for(seconds, [&] { keep += add_chain(1 << 16); return 64.0 * (1 << 16); });
        break;
      case Probe::kPopcount:
        u = run_for(seconds, [&] { keep += k.popcount(1 << 14, seed + keep); return k.popcount_bits * (1 << 14); });
        break;
      case Probe::kHamming:
        u = run_for(seconds, [&] { keep += k.xor_popcount_add(1 << 14, seed + keep); return k.hamming_bits * (1 << 14); });
        break;
      case Probe::kFma:
        u = run_for(seconds, [&] {
          keep += static_cast<uint64_t>(k.fma(1 << 14, 1e-3f * static_cast<float>(keep & 7)) != 0.0f);
          return k.fma_flops * (1 << 14);
        });
        break;
      case Probe::kBandwidth: {
        char* s = src.data() + slice * t;
        char* d = dst.data() + slice * t;
        u = run_for(seconds, [&] {
          std::memcpy(d, s, static_cast<size_t>(slice));
          keep += static_cast<unsigned char>(d[slice / 2]);
          return 2.0 * static_cast<double>(slice);  // read + write
        });
        break;
      }
      case Probe::kUpdate: {
        float* p = floats + slice / 4 * t;
        u = run_for(seconds, [&] {
          k.update_in_place(p, slice / 4, 0.5f, 1.0f);
          keep += static_cast<uint64_t>(p[slice / 8] > 1.0f);
          return 2.0 * static_cast<double>(slice);  // read + write
        });
        break;
      }
    }
    units[static_cast<size_t>(t)] = u;
    sink.fetch_add(keep, std::memory_order_relaxed);
  };
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(body, t);
  body(0);
  for (auto& th : workers) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double total = 0;
  for (double u : units) total += u;
  return ProbeResult{total / elapsed, elapsed, threads};
}

}  // namespace hashmac
