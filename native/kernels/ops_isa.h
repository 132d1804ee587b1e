// Per-ISA micro-kernels of the ops family (defined in ops_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "isa.h"

namespace hashmac {

struct OpsMicroKernels {
  // y[r*ldy + c] = sum_d x[r*ldx + d] * panel[d*32 + c] (+ add[r*ld_add + c] when add != nullptr) for
  // r < rows, c < cols (<= 32). `add` is the bias (ld_add = 0) or y itself (accumulating depth blocks).
  // The medium-batch path calls it with the roles swapped: weight rows as x, packed rows of x as panel.
  void (*gemm_panel)(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, const float* add,
                     int64_t ld_add, float* y, int64_t ldy, int cols);
  // Few rows, unpacked weights: y[r*ldy + n] = dot(x[r*ldx ..], w[n*ldw ..]) over depth (+ bias[n]) for
  // r < rows, n < cols. Reads w once per group of up to 4 rows (AVX-512; 2 on AVX2, 1 scalar).
  void (*dot_rows)(const float* x, int64_t ldx, int64_t rows, const float* w, int64_t ldw, int64_t cols, int64_t depth,
                   const float* bias, float* y, int64_t ldy);
  // One run of n values: see NormArgs (weight and bias already offset to the run, or nullptr).
  void (*norm_run)(const float* x, int64_t n, float eps, bool center, const float* weight, const float* bias, float* y);
  // y[i] = f(x[i]) for i < n, f by Activation code.
  void (*activation)(int f, const float* x, float* y, int64_t n);
};

HASHMAC_MICRO_KERNELS(OpsMicroKernels, ops_micro)

}  // namespace hashmac
