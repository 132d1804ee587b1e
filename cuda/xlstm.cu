// xLSTM cells: sLSTM (recurrent matrix fused, one block per (row, head)) and mLSTM (matrix memory,
// column blocks like the retention kernel).
#include <cmath>

#include "device_math.cuh"
#include "runtime.h"
#include "xlstm.h"

namespace hashmac::cuda {
namespace {

constexpr int kSlstmThreads = 256;

// Grid (NH, B). Shared: y, c, n, m of the head and the 4 gate pre-activations, all [DH].
__global__ void __launch_bounds__(kSlstmThreads) slstm_kernel(SlstmStepArgs a) {
  extern __shared__ float smem[];
  const int64_t DH = a.DH, width = a.NH * a.DH;
  float* ys = smem;
  float* cs = ys + DH;
  float* ns = cs + DH;
  float* ms = ns + DH;
  float* pre = ms + DH;  // [4][DH]
  const int64_t hd = blockIdx.x, b = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = kSlstmThreads / 32;
  const int slot = a.slots[b];
  if (slot < 0) {
    for (int64_t k = threadIdx.x; k < DH; k += blockDim.x) zero_padding_outputs(a.h, b, a.T, width, hd * DH + k);
    return;
  }
  const int64_t base = static_cast<int64_t>(slot) * width + hd * DH;
  for (int64_t k = threadIdx.x; k < DH; k += blockDim.x) {
    ys[k] = a.y[base + k];
    cs[k] = a.c[base + k];
    ns[k] = a.n[base + k];
    ms[k] = a.m[base + k];
  }
  __syncthreads();
  for (int64_t t = 0; t < a.T; ++t) {
    const float* wx = a.wx + (b * a.T + t) * 4 * width;
    // pre[g][k] = wx + sum_j R[g, hd, k, j] * y[j] + r_bias: one warp per (g, k) row, lanes over j.
    for (int64_t row = warp; row < 4 * DH; row += warps) {
      const int64_t g = row / DH, k = row % DH;
      const float* r = a.R + ((g * a.NH + hd) * DH + k) * DH;
      float acc = 0.0f;
      for (int64_t j = lane; j < DH; j += 32) acc = fmaf(r[j], ys[j], acc);
      acc = warp_sum(acc);
      if (lane == 0) pre[row] = wx[g * width + hd * DH + k] + acc + (a.r_bias ? a.r_bias[g * width + hd * DH + k] : 0.0f);
    }
    __syncthreads();
    for (int64_t k = threadIdx.x; k < DH; k += blockDim.x) {
      const float pi = pre[k], pf = pre[DH + k], pz = pre[2 * DH + k], po = pre[3 * DH + k];
      // m = -inf (fresh state): lf = -inf, m' = pi, f = exp(-inf) = 0, so c and n restart cleanly.
      const float lf = ms[k] + logsigmoidf_(pf);
      const float m_new = fmaxf(pi, lf);
      const float ig = expf(pi - m_new), fg = expf(lf - m_new);
      const float c = fg * cs[k] + ig * tanhf(pz);
      const float n = fg * ns[k] + ig;
      const float y = sigmoidf_(po) * c / (n + a.eps);
      cs[k] = c;
      ns[k] = n;
      ms[k] = m_new;
      ys[k] = y;
      a.h[(b * a.T + t) * width + hd * DH + k] = y;
    }
    __syncthreads();
  }
  for (int64_t k = threadIdx.x; k < DH; k += blockDim.x) {
    a.y[base + k] = ys[k];
    a.c[base + k] = cs[k];
    a.n[base + k] = ns[k];
    a.m[base + k] = ms[k];
  }
}

// The mLSTM gate recurrence of one step; shared by the main and finish kernels so both compute the
// same values.
struct MlstmGates {
  float i, f, m;
};
__device__ __forceinline__ MlstmGates mlstm_gates(float i_pre, float f_pre, float m) {
  const float lf = logsigmoidf_(f_pre);
  const float m_new = fmaxf(i_pre, m + lf);
  return {expf(i_pre - m_new), expf(lf + m - m_new), m_new};
}
__device__ __forceinline__ float mlstm_n(float n, const MlstmGates& g, float khat) { return fmaf(g.f, n, g.i * khat); }

constexpr int kMlstmWarps = 16;  // as in retention: up to 16 values of a C column per thread

// Grid (ceil(DV/32), NH, B); thread (warp w, lane) holds C[dk, dv] for dk = w + 16u, dv = 32*bx + lane.
// Every column block keeps its own copy of n and m (they are per head), updated identically.
template <int VPT>
__global__ void __launch_bounds__(32 * kMlstmWarps) mlstm_kernel(MlstmStepArgs a) {
  extern __shared__ float smem[];
  float* qs = smem;             // [DK]
  float* ks = qs + a.DK;        // [DK] k / sqrt(DK)
  float* ns = ks + a.DK;        // [DK]
  float* red = ns + a.DK;       // [warps][32] partial outputs
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t dv = static_cast<int64_t>(blockIdx.x) * 32 + lane;
  const int64_t hd = blockIdx.y, b = blockIdx.z;
  const int slot = a.slots[b];
  const bool col = dv < a.DV;
  if (slot < 0) {
    if (warp == 0 && col) zero_padding_outputs(a.h, b, a.T, a.NH * a.DV, hd * a.DV + dv);
    return;
  }
  const int64_t sh = static_cast<int64_t>(slot) * a.NH + hd;
  float* C = a.C + sh * a.DK * a.DV;
  float c[VPT];
  load_column<VPT, kMlstmWarps>(c, C, a.DK, a.DV, warp, dv);
  for (int64_t d = threadIdx.x; d < a.DK; d += blockDim.x) ns[d] = a.n[sh * a.DK + d];
  float m = a.m[sh];
  const float inv_sqrt_dk = 1.0f / sqrtf(static_cast<float>(a.DK));
  __shared__ float qn;
  for (int64_t t = 0; t < a.T; ++t) {
    const int64_t bth = (b * a.T + t) * a.NH + hd;
    const MlstmGates g = mlstm_gates(a.i_pre[bth], a.f_pre[bth], m);
    m = g.m;
    for (int64_t d = threadIdx.x; d < a.DK; d += blockDim.x) {
      qs[d] = a.q[bth * a.DK + d];
      ks[d] = a.k[bth * a.DK + d] * inv_sqrt_dk;
      ns[d] = mlstm_n(ns[d], g, ks[d]);
    }
    __syncthreads();
    if (warp == 0) {
      float acc = 0.0f;
      for (int64_t d = lane; d < a.DK; d += 32) acc = fmaf(qs[d], ns[d], acc);
      acc = warp_sum(acc);
      if (lane == 0) qn = acc;
    }
    const float vv = col ? a.v[bth * a.DV + dv] : 0.0f;
    float partial = 0.0f;
#pragma unroll
    for (int u = 0; u < VPT; ++u) {
      const int64_t dk = warp + kMlstmWarps * u;
      if (dk < a.DK) {
        c[u] = fmaf(g.f, c[u], g.i * ks[dk] * vv);
        partial = fmaf(qs[dk], c[u], partial);
      }
    }
    red[warp * 32 + lane] = partial;
    __syncthreads();
    if (warp == 0 && col) {
      float sum = 0.0f;
#pragma unroll
      for (int w = 0; w < kMlstmWarps; ++w) sum += red[w * 32 + lane];
      a.h[bth * a.DV + dv] = sum / (fmaxf(fabsf(qn), expf(-m)) + a.eps);
    }
    __syncthreads();
  }
  store_column<VPT, kMlstmWarps>(c, C, a.DK, a.DV, warp, dv);
}

// After the main kernel (same stream): n and m, which every column block read at its start, advanced
// through the T steps with the same functions. One block per (row, head).
__global__ void mlstm_finish_kernel(MlstmStepArgs a) {
  const int64_t hd = blockIdx.x, b = blockIdx.y;
  const int slot = a.slots[b];
  if (slot < 0) return;
  const int64_t sh = static_cast<int64_t>(slot) * a.NH + hd;
  const float inv_sqrt_dk = 1.0f / sqrtf(static_cast<float>(a.DK));
  const float m0 = a.m[sh];
  for (int64_t d = threadIdx.x; d < a.DK; d += blockDim.x) {
    float m = m0, n = a.n[sh * a.DK + d];
    for (int64_t t = 0; t < a.T; ++t) {
      const int64_t bth = (b * a.T + t) * a.NH + hd;
      const MlstmGates g = mlstm_gates(a.i_pre[bth], a.f_pre[bth], m);
      m = g.m;
      n = mlstm_n(n, g, a.k[bth * a.DK + d] * inv_sqrt_dk);
    }
    a.n[sh * a.DK + d] = n;
  }
  __syncthreads();  // every thread read m0 before it is replaced
  if (threadIdx.x == 0) {
    float m = m0;
    for (int64_t t = 0; t < a.T; ++t) {
      const int64_t bth = (b * a.T + t) * a.NH + hd;
      m = mlstm_gates(a.i_pre[bth], a.f_pre[bth], m).m;
    }
    a.m[sh] = m;
  }
}

}  // namespace

void slstm_step(const SlstmStepArgs& a, cudaStream_t stream) {
  check_grid("slstm_step", a.NH, a.B, 1);
  const size_t shared = 8 * a.DH * sizeof(float);
  if (shared > 48 * 1024) {
    HASHMAC_CUDA_CHECK(cudaFuncSetAttribute(slstm_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)));
  }
  slstm_kernel<<<dim3(a.NH, a.B), kSlstmThreads, shared, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("slstm_kernel");
}

void mlstm_step(const MlstmStepArgs& a, cudaStream_t stream) {
  const int64_t gx = ceil_div(a.DV, 32);
  // Both launches are checked before the first: a pool is never left half-updated by a refused launch.
  check_grid("mlstm_step", gx, a.NH, a.B);
  check_grid("mlstm_step", a.NH, a.B, 1);
  const size_t shared = (3 * a.DK + kMlstmWarps * 32) * sizeof(float);
  dispatch_vpt<16>(ceil_div(a.DK, kMlstmWarps), "mlstm_step: the CUDA kernel supports DK <= 256", [&](auto vpt) {
    mlstm_kernel<decltype(vpt)::value><<<dim3(gx, a.NH, a.B), 32 * kMlstmWarps, shared, stream>>>(a);
  });
  HASHMAC_CUDA_LAUNCHED("mlstm_kernel");
  mlstm_finish_kernel<<<dim3(a.NH, a.B), 128, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("mlstm_finish_kernel");
}

}  // namespace hashmac::cuda
