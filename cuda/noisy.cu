// The noisy crossbar sign projection: DAC quantisation per row, then one thread per (row, column) with
// the dot product summed in input order (every product and sum rounded separately: __fmul_rn and
// __fadd_rn are never contracted into an FMA), read noise from the counter-based generator, comparator
// offset, and a warp ballot packing 32 columns into one code word.
#include "../native/kernels/noisy_rng.h"
#include "noisy.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

__device__ float dac_levels(int bits) { return bits == 0 ? 1.0f : fmaxf(1.0f, static_cast<float>((1 << (bits - 1)) - 1)); }

// One block per row: q[m, :] = clamp(round(x * L / max|x|), -L, L) (no rounding for bits = 0).
__global__ void quantize_kernel(NoisySignArgs a, float* q) {
  __shared__ float warp_max[32];
  const int64_t m = blockIdx.x;
  const float* x = a.x + m * a.D;
  float amax = 0.0f;  // fmaxf skips NaN, as the reference's `if (|x| > amax)` does
  for (int64_t d = threadIdx.x; d < a.D; d += blockDim.x) amax = fmaxf(amax, fabsf(x[d]));
  for (int o = 16; o > 0; o /= 2) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
  if (threadIdx.x % 32 == 0) warp_max[threadIdx.x / 32] = amax;
  __syncthreads();
  amax = 0.0f;
  for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w) amax = fmaxf(amax, warp_max[w]);
  const float L = dac_levels(a.dac_bits);
  const float s = amax > 0.0f ? __fdiv_rn(L, amax) : 0.0f;
  for (int64_t d = threadIdx.x; d < a.D; d += blockDim.x) {
    const float t = __fmul_rn(x[d], s);
    float v = a.dac_bits == 0 ? t : floorf(__fadd_rn(t, 0.5f));
    v = v > L ? L : (v < -L ? -L : v);
    q[m * a.D + d] = v;
  }
}

// Grid (M, ceil(K/128)); lane k of the block's 128 columns. Bits past K are 0; row padding is zeroed.
__global__ void __launch_bounds__(128) noisy_dot_kernel(NoisySignArgs a, const float* q) {
  const int64_t m = blockIdx.x;
  const int64_t k = static_cast<int64_t>(blockIdx.y) * 128 + threadIdx.x;
  const int lane = threadIdx.x % 32;
  const int64_t k0 = k - lane;
  if (k0 >= a.K) return;  // whole warp past K
  bool bit = false;
  if (k < a.K) {
    const float* qm = q + m * a.D;
    const float* w = a.w + k * a.D;
    float z = 0.0f;
    for (int64_t d = 0; d < a.D; ++d) z = __fadd_rn(z, __fmul_rn(qm[d], w[d]));
    const float inv_l = __fdiv_rn(1.0f, dac_levels(a.dac_bits));
    const uint32_t row_key = noise_row_key(a.key, a.row_offset + static_cast<uint32_t>(m));
    const float noise = a.noise_scale == 0.0f ? 0.0f : __fmul_rn(static_cast<float>(gauss_int(row_key, static_cast<uint32_t>(k))), a.noise_scale);
    const float v = __fadd_rn(__fadd_rn(__fmul_rn(z, inv_l), noise), a.offsets[k]);
    bit = v > 0.0f;
  }
  const uint32_t word = __ballot_sync(0xffffffffu, bit);
  if (lane != 0) return;
  const int64_t dense = (a.K + 7) / 8;
  uint8_t* row = a.codes + m * a.code_stride;
  for (int byte = 0; byte < 4; ++byte)
    if (k0 / 8 + byte < dense) row[k0 / 8 + byte] = static_cast<uint8_t>(word >> (8 * byte));
  if (k0 + 32 >= a.K)
    for (int64_t b = dense; b < a.code_stride; ++b) row[b] = 0;
}

}  // namespace

void noisy_sign_project(const NoisySignArgs& a, cudaStream_t stream) {
  const int64_t gy = ceil_div(a.K, 128);
  check_grid("noisySignProject", a.M, gy, 1);
  float* q = nullptr;
  HASHMAC_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&q), static_cast<size_t>(a.M * a.D) * sizeof(float), stream));
  quantize_kernel<<<a.M, 256, 0, stream>>>(a, q);
  HASHMAC_CUDA_LAUNCHED("quantize_kernel");
  noisy_dot_kernel<<<dim3(a.M, gy), 128, 0, stream>>>(a, q);
  HASHMAC_CUDA_LAUNCHED("noisy_dot_kernel");
  HASHMAC_CUDA_CHECK(cudaFreeAsync(q, stream));
}

}  // namespace hashmac::cuda
