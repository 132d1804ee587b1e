// Machine-limit probes for the benchmark harness: small loops that run one resource flat out (the core
// clock, the popcount units, the FMA units, memory) on every thread at once, so a benchmark can report
// each kernel as a fraction of what this machine actually delivers under load, measured in the same run.
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

// Per-ISA inner loops (probes_simd.cc, compiled once per ISA). Each runs `iters` iterations and returns a
// value that depends on every instruction, so the compiler cannot drop the work.
struct ProbeKernels {
  uint64_t (*popcount)(int64_t iters, uint64_t seed);          // independent popcount chains
  uint64_t (*xor_popcount_add)(int64_t iters, uint64_t seed);  // the Hamming inner loop: acc += popcnt(a ^ b)
  float (*fma)(int64_t iters, float seed);                      // independent FMA accumulators
  // x[i] = x[i] * a + b over n floats in place (n a multiple of 64, p 64-byte aligned)
  void (*update_in_place)(float* p, int64_t n, float a, float b);
  double popcount_bits;   // bits counted per iteration
  double hamming_bits;    // bits XORed, counted and accumulated per iteration
  double fma_flops;       // floating-point operations per iteration (an FMA counts 2)
};

namespace scalar { extern const ProbeKernels probe_kernels; }
namespace avx2 { extern const ProbeKernels probe_kernels; }
namespace avx512 { extern const ProbeKernels probe_kernels; }

enum class Probe { kClock, kPopcount, kHamming, kFma, kBandwidth, kUpdate };

struct ProbeResult {
  double rate;     // units per second over all threads (Hz, bit-ops/s, FLOP/s or bytes/s)
  double seconds;  // wall time of the measurement
  int threads;
};

// Runs `probe` on `threads` threads started together for about `seconds`; `bytes` sizes the buffers of the
// memory probes (split over the threads): kBandwidth copies between two such buffers, kUpdate reads and
// rewrites one in place (the access pattern of a state pool update).
ProbeResult run_probe(Probe probe, const Exec& ex, double seconds, int64_t bytes);

}  // namespace hashmac
