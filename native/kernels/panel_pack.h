// Packed panels: the layout the shared float32 micro-kernel (panel_fma.h) reads its right operand in.
// Used by the LSH sign projection (projection rows) and by `linear` (weight rows).
#pragma once
#include <cstdint>

namespace hashmac {

// Width of a packed panel: 32 output columns.
constexpr int kPanel = 32;

// Rows [32p, 32p+32) of src ([rows, depth], row stride ld) transposed into panel[d*32 + c]. Rows past
// `rows` are zero, so their columns compute to exactly 0.
void pack_panel(const float* src, int64_t ld, int64_t rows, int64_t depth, int64_t p, float* panel);

}  // namespace hashmac
