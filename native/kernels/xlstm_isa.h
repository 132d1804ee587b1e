// Per-ISA micro-kernels of the xLSTM family (defined in xlstm_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "decay_outer_isa.h"
#include "isa.h"

namespace hashmac {

struct XlstmMicroKernels {
  // The mLSTM matrix memory C of one (row, head) over T steps (decay_outer_isa.h).
  DecayOuterReadout decay_outer_readout;
  // sLSTM recurrence: out[g*nr + r] = sum_j gate_rows[g][j] * y[r][j] for the 4 gates and nr <= gate_rows_max
  // state rows, over `depth` values.
  void (*gate_dots)(const float* const* gate_rows, const float* const* y, int nr, int64_t depth, float* out);
  int gate_rows_max;
  // sLSTM cells of `count` consecutive entries (SPEC section 8): pre-activation of gate g, entry e is
  // wx[g*gate_stride + e] + rec[g*rec_stride + e] (+ bias[g*gate_stride + e]); c, n, m are updated in
  // place and the new y written to y[e].
  void (*slstm_cells)(const float* rec, int64_t rec_stride, const float* wx, const float* bias, int64_t gate_stride,
                      float eps, float* c, float* n, float* m, float* y, int64_t count);
};

HASHMAC_MICRO_KERNELS(XlstmMicroKernels, xlstm_micro)

}  // namespace hashmac
