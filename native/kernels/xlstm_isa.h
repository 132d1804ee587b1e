// Per-ISA micro-kernels of the xLSTM family (defined in xlstm_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "decay_outer_isa.h"
#include "isa.h"

namespace hashmac {

struct XlstmMicroKernels {
  // The mLSTM matrix memory C of one (row, head) over T steps (decay_outer_isa.h).
  DecayOuterReadout decay_outer_readout;
  // sLSTM recurrence, one register tile: out[r*ld_row + g*ld_gate + e] = sum_j w[4e + g][j] * y[r][j] for
  // the weight rows of ne <= dot_entries_max entries (4 gate rows each, gate-minor) and nr <= dot_rows_max
  // state rows, over `depth` values. Each dot product's summation order is fixed (lane-wise FMAs, then
  // the lane sum), whatever ne and nr: so a row's results never depend on which rows or entries share its tile.
  void (*gate_dots)(const float* const* w, int ne, const float* const* y, int nr, int64_t depth, float* out, int64_t ld_row,
                    int64_t ld_gate);
  int dot_entries_max;
  int dot_rows_max;
  // sLSTM cells of `count` consecutive entries (SPEC section 8): pre-activation of gate g, entry e is
  // wx[g*gate_stride + e] + rec[g*rec_stride + e] (+ bias[g*gate_stride + e]); c, n, m are updated in
  // place and the new y written to y[e].
  void (*slstm_cells)(const float* rec, int64_t rec_stride, const float* wx, const float* bias, int64_t gate_stride,
                      float eps, float* c, float* n, float* m, float* y, int64_t count);
};

HASHMAC_MICRO_KERNELS(XlstmMicroKernels, xlstm_micro)

}  // namespace hashmac
