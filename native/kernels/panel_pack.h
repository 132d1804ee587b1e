// Packed panels: the layout the shared float32 micro-kernel (panel_fma.h) reads its right operand in.
// Used by the LSH sign projection (projection rows) and by `linear` (weight rows).
#pragma once
#include <cstddef>
#include <cstdint>

#include "isa.h"

namespace hashmac {

// Width of a packed panel: 32 output columns.
constexpr int kPanel = 32;

// The packer, compiled once per ISA (panel_pack_simd.cc): its transpose runs on 8x8 blocks of vectors
// where the ISA has them. Every ISA writes the same values (it only moves floats).
struct PanelPackKernels {
  // Rows [32p, 32p+32) of src ([rows, depth], row stride ld) transposed into panel[d*32 + c]. Rows past
  // `rows` are zero, so their columns compute to exactly 0.
  void (*pack_panel)(const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel);
};

HASHMAC_MICRO_KERNELS(PanelPackKernels, panel_pack_micro)

inline void pack_panel(Isa isa, const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel) {
  panel_pack_micro(isa).pack_panel(src, ld, rows, depth, p, panel);
}

// The packed panels of one call, kept per calling thread and grown on demand, so repeated calls (a
// model's layers, step after step) neither allocate nor fault in fresh pages. Worker threads of the
// pool read it during the call; the caller must not start another packing call before its own ends.
float* packing_scratch(size_t floats);

}  // namespace hashmac
