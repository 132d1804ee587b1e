// The signature of the decayed outer-product state update with read-out (decay_outer.h), an entry of the
// retnet and xlstm micro-kernel tables: T steps on one state matrix M [rows, cols] (row stride ld),
// which is read once and written once:
//   M = f[t] * M + key_t (x) val_t;   out_t[c] += sum_r query_t[r] * M[r, c]
// with key_t = key + t*k_stride, query_t = query + t*q_stride, val_t = val + t*v_stride,
// out_t = out + t*o_stride. The retention state S and the mLSTM matrix memory C are such matrices.
#pragma once
#include <cstdint>

namespace hashmac {

using DecayOuterReadout = void (*)(float* M, int64_t ld, int64_t rows, int64_t cols, int64_t T, const float* f,
                                   const float* key, int64_t k_stride, const float* query, int64_t q_stride,
                                   const float* val, int64_t v_stride, float* out, int64_t o_stride);

}  // namespace hashmac
