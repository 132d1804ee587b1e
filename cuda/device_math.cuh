// Device helpers shared by the recurrent kernels: accurate (non-fast-math) activations and warp sums.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace hashmac::cuda {

__device__ __forceinline__ float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(1 + e^x) without overflow: x itself once e^x dwarfs 1.
__device__ __forceinline__ float softplusf_(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), finite for every finite x.
__device__ __forceinline__ float logsigmoidf_(float x) { return fminf(x, 0.0f) - log1pf(expf(-fabsf(x))); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Dispatches a kernel template on a per-thread register count (1..32, a power of two) covering `need`.
// A padding row (slot < 0) of a state kernel: zeros in its T outputs out[(b*T + t)*row_len + col].
__device__ __forceinline__ void zero_padding_outputs(float* out, int64_t b, int64_t T, int64_t row_len, int64_t col) {
  for (int64_t t = 0; t < T; ++t) out[(b * T + t) * row_len + col] = 0.0f;
}

// Column `col` of a [rows, cols] state matrix split over the warps of a block: warp w holds rows
// w, w + WARPS, ... in registers (zeros past the end or when the column is out of range).
template <int VPT, int WARPS>
__device__ __forceinline__ void load_column(float (&s)[VPT], const float* m, int64_t rows, int64_t cols, int warp, int64_t col) {
#pragma unroll
  for (int u = 0; u < VPT; ++u) {
    const int64_t r = warp + WARPS * u;
    s[u] = (col < cols && r < rows) ? m[r * cols + col] : 0.0f;
  }
}

template <int VPT, int WARPS>
__device__ __forceinline__ void store_column(const float (&s)[VPT], float* m, int64_t rows, int64_t cols, int warp, int64_t col) {
#pragma unroll
  for (int u = 0; u < VPT; ++u) {
    const int64_t r = warp + WARPS * u;
    if (col < cols && r < rows) m[r * cols + col] = s[u];
  }
}

// `f` receives a std::integral_constant<int, V>, V the smallest power of two >= need (1..MAX);
// `what` explains the limit when need exceeds MAX.
template <int MAX, int V = 1, typename F>
void dispatch_vpt(int64_t need, const char* what, F&& f) {
  if constexpr (V > MAX) {
    throw std::range_error(what);
  } else {
    if (need <= V) f(std::integral_constant<int, V>{});
    else dispatch_vpt<MAX, 2 * V>(need, what, f);
  }
}

}  // namespace hashmac::cuda
