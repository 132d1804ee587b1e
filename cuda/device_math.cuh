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
// `f` receives a std::integral_constant<int, V>; `what` explains the limit when `need` exceeds 32.
template <typename F>
void dispatch_vpt(int64_t need, const char* what, F&& f) {
  if (need <= 1) f(std::integral_constant<int, 1>{});
  else if (need <= 2) f(std::integral_constant<int, 2>{});
  else if (need <= 4) f(std::integral_constant<int, 4>{});
  else if (need <= 8) f(std::integral_constant<int, 8>{});
  else if (need <= 16) f(std::integral_constant<int, 16>{});
  else if (need <= 32) f(std::integral_constant<int, 32>{});
  else throw std::range_error(what);
}

}  // namespace hashmac::cuda
