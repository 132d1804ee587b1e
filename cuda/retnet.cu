// RetNet kernels: rotary (theta shift) and the recurrent retention step with rotary fused.
#include "device_math.cuh"
#include "retnet.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

// theta = float(pos) * angle[d] as one float multiply; sincosf is the accurate one (no fast-math).
struct Rotation {
  float c, s;
};
__device__ __forceinline__ Rotation rotation(int32_t pos, float angle) {
  Rotation r;
  sincosf(__fmul_rn(static_cast<float>(pos), angle), &r.s, &r.c);
  return r;
}

// Element d of the rotated (scale * x): x*cos + rot(x)*sin with rot(x)[2i] = -x[2i+1], rot(x)[2i+1] = x[2i].
__device__ __forceinline__ float rotate(const float* x, int64_t d, Rotation r, float scale) {
  const float xd = x[d] * scale;
  const float rot = (d % 2 == 0) ? -(x[d + 1] * scale) : x[d - 1] * scale;
  return xd * r.c + rot * r.s;
}

__global__ void rotary_kernel(RotaryArgs a) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.BT * a.H * a.Dh) return;
  const int64_t d = idx % a.Dh, row = idx / (a.H * a.Dh);
  a.y[idx] = rotate(a.x + (idx - d), d, rotation(a.positions[row], a.angle[d]), 1.0f);
}

// Warps split Dk (up to 16 values each for Dk <= 256, so the column stays in registers); lane = one Dv column.
constexpr int kRetWarps = 16;

// Grid (ceil(Dv/32), H, B). Thread (warp w, lane) holds S[dk, dv] for dk = w + 16u, dv = 32*bx + lane.
template <int VPT>
__global__ void __launch_bounds__(32 * kRetWarps) retention_kernel(RetentionStepArgs a) {
  extern __shared__ float smem[];
  float* qs = smem;               // [Dk] rotated q
  float* ks = smem + a.Dk;        // [Dk] rotated, scaled k
  float* red = smem + 2 * a.Dk;   // [warps][32] partial outputs
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t dv = static_cast<int64_t>(blockIdx.x) * 32 + lane;
  const int64_t h = blockIdx.y, b = blockIdx.z;
  const int slot = a.slots[b];
  const bool col = dv < a.Dv;
  if (slot < 0) {
    if (warp == 0 && col) zero_padding_outputs(a.o, b, a.T, a.H * a.Dv, h * a.Dv + dv);
    return;
  }
  float* S = a.S + (static_cast<int64_t>(slot) * a.H + h) * a.Dk * a.Dv;
  float s[VPT];
  load_column<VPT, kRetWarps>(s, S, a.Dk, a.Dv, warp, dv);
  const float gamma = a.decay[h];
  float scale = a.scales[static_cast<int64_t>(slot) * a.H + h];
  const int32_t pos0 = a.offsets[slot];
  for (int64_t t = 0; t < a.T; ++t) {
    const int64_t bth = (b * a.T + t) * a.H + h;
    const float* q = a.q + bth * a.Dk;
    const float* k = a.k + bth * a.Dk;
    const int32_t pos = pos0 + static_cast<int32_t>(t);
    for (int64_t d = threadIdx.x; d < a.Dk; d += blockDim.x) {
      if (a.angle) {
        const Rotation r = rotation(pos, a.angle[d]);  // q and k share theta
        qs[d] = rotate(q, d, r, 1.0f);
        ks[d] = rotate(k, d, r, a.k_scale);
      } else {
        qs[d] = q[d];
        ks[d] = k[d] * a.k_scale;
      }
    }
    __syncthreads();
    const float vv = col ? a.v[bth * a.Dv + dv] : 0.0f;
    float partial = 0.0f;
#pragma unroll
    for (int u = 0; u < VPT; ++u) {
      const int64_t dk = warp + kRetWarps * u;
      if (dk < a.Dk) {
        s[u] = gamma * s[u] + ks[dk] * vv;
        partial = fmaf(qs[dk], s[u], partial);
      }
    }
    scale = scale * gamma + 1.0f;
    red[warp * 32 + lane] = partial;
    __syncthreads();
    if (warp == 0 && col) {
      float sum = 0.0f;
#pragma unroll
      for (int w = 0; w < kRetWarps; ++w) sum += red[w * 32 + lane];
      a.o[bth * a.Dv + dv] = sum / sqrtf(scale);
    }
    __syncthreads();  // qs, ks and red are rewritten by the next step
  }
  store_column<VPT, kRetWarps>(s, S, a.Dk, a.Dv, warp, dv);
}

// After the main kernel (same stream): scales and offsets, which every column block read at its start.
// The scale recurrence repeats the main kernel's float operations, so both see the same values.
__global__ void retention_finish_kernel(RetentionStepArgs a) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.B * a.H) return;
  const int64_t b = idx / a.H, h = idx % a.H;
  const int slot = a.slots[b];
  if (slot < 0) return;
  const float gamma = a.decay[h];
  float& scale = a.scales[static_cast<int64_t>(slot) * a.H + h];
  float s = scale;
  for (int64_t t = 0; t < a.T; ++t) s = s * gamma + 1.0f;
  scale = s;
  if (h == 0) a.offsets[slot] += static_cast<int32_t>(a.T);
}

}  // namespace

void rotary(const RotaryArgs& a, cudaStream_t stream) {
  const int64_t n = a.BT * a.H * a.Dh, blocks = ceil_div(n, 256);
  check_grid("rotary", blocks, 1, 1);
  rotary_kernel<<<blocks, 256, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("rotary_kernel");
}

void retention_step(const RetentionStepArgs& a, cudaStream_t stream) {
  const int64_t gx = ceil_div(a.Dv, 32);
  check_grid("retention_step", gx, a.H, a.B);
  check_grid("retention_step", ceil_div(a.B * a.H, 256), 1, 1);
  const size_t shared = (2 * a.Dk + kRetWarps * 32) * sizeof(float);
  dispatch_vpt<16>(ceil_div(a.Dk, kRetWarps), "retention_step: the CUDA kernel supports Dk <= 256", [&](auto vpt) {
    retention_kernel<decltype(vpt)::value><<<dim3(gx, a.H, a.B), 32 * kRetWarps, shared, stream>>>(a);
  });
  HASHMAC_CUDA_LAUNCHED("retention_kernel");
  retention_finish_kernel<<<ceil_div(a.B * a.H, 256), 256, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("retention_finish_kernel");
}

}  // namespace hashmac::cuda
