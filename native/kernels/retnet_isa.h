// Per-ISA micro-kernels of the RetNet family (defined in retnet_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct RetnetMicroKernels {
  // T steps of a decayed outer-product state with a read-out, on one state matrix M [rows, cols]
  // (row stride ld), which is read once and written once:
  //   M = f[t] * M + key_t (x) val_t;   out_t[c] += sum_r query_t[r] * M[r, c]
  // with key_t = key + t*k_stride, query_t = query + t*q_stride, val_t = val + t*v_stride,
  // out_t = out + t*o_stride (decay_outer.h; the mLSTM uses the same kernel).
  void (*decay_outer_readout)(float* M, int64_t ld, int64_t rows, int64_t cols, int64_t T, const float* f,
                              const float* key, int64_t k_stride, const float* query, int64_t q_stride,
                              const float* val, int64_t v_stride, float* out, int64_t o_stride);
};

namespace scalar { extern const RetnetMicroKernels retnet_micro; }
namespace avx2 { extern const RetnetMicroKernels retnet_micro; }
namespace avx512 { extern const RetnetMicroKernels retnet_micro; }

const RetnetMicroKernels& retnet_micro(Isa isa);

}  // namespace hashmac
