// Instruction-set levels. Every SIMD kernel is compiled once per level (its *_simd.cc file is built
// three times with different -m flags and HASHMAC_TARGET), and the level is picked at run time, so the
// addon loads on any x86-64 CPU and uses the best path the CPU has.
#pragma once
#include <cstdint>

namespace hashmac {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// "scalar": portable C++ at the x86-64 baseline (SSE2, software popcount);
// "avx2": AVX2 + FMA + POPCNT; "avx512": AVX-512 F/BW/DQ/VL + VPOPCNTDQ.
const char* isa_name(Isa isa);
bool parse_isa(const char* name, Isa* out);
bool isa_supported(Isa isa);
Isa best_isa();

// Data cache sizes of one core, in bytes, read once from CPUID (AMD leaf 0x8000001D, Intel leaf 4),
// else from /sys, else typical sizes. Kernels size their blocks from these at run time rather than
// from constants tuned on one processor.
struct CpuCaches {
  int64_t l1d, l2, l3;
};
const CpuCaches& cpu_caches();

// The copy of a per-ISA micro-kernel table (one per build of a *_simd.cc file) to run for `isa`.
// Off x86-64 only the portable copy is ever used.
template <class Table>
const Table& pick_isa(Isa isa, const Table& scalar, const Table& avx2, const Table& avx512) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::kAvx512) return avx512;
  if (isa == Isa::kAvx2) return avx2;
#endif
  (void)isa, (void)avx2, (void)avx512;
  return scalar;
}

// Declares a family's per-ISA micro-kernel tables (each *_simd.cc build defines `name` in its ISA's
// namespace) and `name(isa)`, the table to run for an ISA.
#define HASHMAC_MICRO_KERNELS(Table, name)                                                            \
  namespace scalar { extern const Table name; }                                                       \
  namespace avx2 { extern const Table name; }                                                         \
  namespace avx512 { extern const Table name; }                                                       \
  inline const Table& name(Isa isa) { return pick_isa(isa, scalar::name, avx2::name, avx512::name); }

// What every kernel driver receives: the ISA to run and how many threads it may use.
struct Exec {
  Isa isa;
  int threads;
};

}  // namespace hashmac
