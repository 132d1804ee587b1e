// Per-ISA micro-kernels of the xLSTM family (defined in xlstm_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct XlstmMicroKernels {
  // T steps of a decayed outer-product state with a read-out, on one state matrix M [rows, cols]
  // (row stride ld), which is read once and written once:
  //   M = f[t] * M + key_t (x) val_t;   out_t[c] += sum_r query_t[r] * M[r, c]
  // with key_t = key + t*k_stride, query_t = query + t*q_stride, val_t = val + t*v_stride,
  // out_t = out + t*o_stride. The mLSTM's matrix memory (and the retention step's, retnet_isa.h).
  void (*decay_outer_readout)(float* M, int64_t ld, int64_t rows, int64_t cols, int64_t T, const float* f,
                              const float* key, int64_t k_stride, const float* query, int64_t q_stride,
                              const float* val, int64_t v_stride, float* out, int64_t o_stride);
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

namespace scalar { extern const XlstmMicroKernels xlstm_micro; }
namespace avx2 { extern const XlstmMicroKernels xlstm_micro; }
namespace avx512 { extern const XlstmMicroKernels xlstm_micro; }

const XlstmMicroKernels& xlstm_micro(Isa isa);

}  // namespace hashmac
