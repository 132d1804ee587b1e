// The row loops of the few-row dot products y[r, c] = x[r] . w[c] (+ bias[c]) that read the weights in
// place: ops' over float32 weights (ops_simd.cc) and the stream executor's over bfloat16 ones
// (stream_executor_simd.cc). The arithmetic is the caller's: Dots::block<NR, MR>(x, ldx, w, ldw, depth,
// out) computes the MR x NR dot products of MR rows of x with NR rows of w. Compiled once per ISA, in
// that ISA's namespace (simd_target.h), like the callers.
#pragma once
#include <cstdint>
#include <type_traits>

namespace hashmac {
namespace HASHMAC_TARGET {

// MR rows of x against all `cols` rows of w: NR rows of w at a time (more when MR is small, so there
// are always enough independent FMA chains), then the leftover rows one by one.
template <class Dots, int MR, typename W>
void dot_group(const float* x, int64_t ldx, const W* w, int64_t ldw, int64_t cols, int64_t depth, const float* bias, float* y,
               int64_t ldy) {
  constexpr int NR = MR == 1 ? 8 : 4;
  auto block = [&](auto nr, int64_t n) {
    constexpr int R = decltype(nr)::value;
    float out[MR][R];
    Dots::template block<R, MR>(x, ldx, w + n * ldw, ldw, depth, out);
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < R; ++j) y[i * ldy + n + j] = out[i][j] + (bias ? bias[n + j] : 0.0f);
  };
  int64_t n = 0;
  for (; n + NR <= cols; n += NR) block(std::integral_constant<int, NR>{}, n);
  for (; n < cols; ++n) block(std::integral_constant<int, 1>{}, n);
}

// `rows` rows of x against `cols` rows of w: kRows rows of x per pass over w (each weight vector loaded
// feeds that many FMAs), then the leftover rows one by one.
template <class Dots, int kRows, typename W>
void dot_rows_by(const float* x, int64_t ldx, int64_t rows, const W* w, int64_t ldw, int64_t cols, int64_t depth, const float* bias,
                 float* y, int64_t ldy) {
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) dot_group<Dots, kRows>(x + r * ldx, ldx, w, ldw, cols, depth, bias, y + r * ldy, ldy);
  for (; r < rows; ++r) dot_group<Dots, 1>(x + r * ldx, ldx, w, ldw, cols, depth, bias, y + r * ldy, ldy);
}

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
