// Mamba2 step kernels: selective state update and the causal depthwise conv1d update.
#include "device_math.cuh"
#include "runtime.h"
#include "mamba2.h"

namespace hashmac::cuda {
namespace {

constexpr int kSsmWarps = 4;  // one warp per head row p; lane + 32v holds state column n

// Grid (ceil(P/4), H, B). The warp keeps its row state[slot, h, p, :] in registers for all T steps.
template <int VPT>
__global__ void __launch_bounds__(32 * kSsmWarps) selective_state_kernel(SsuArgs a) {
  const int lane = threadIdx.x % 32;
  const int64_t p = static_cast<int64_t>(blockIdx.x) * kSsmWarps + threadIdx.x / 32;
  const int64_t h = blockIdx.y, b = blockIdx.z;
  if (p >= a.head_dim) return;
  const int slot = a.slots[b];
  const int64_t g = h / (a.heads / a.groups);
  if (slot < 0) {
    if (lane == 0) zero_padding_outputs(a.out, b, a.steps, a.heads * a.head_dim, h * a.head_dim + p);
    return;
  }
  float* state = a.state + ((static_cast<int64_t>(slot) * a.heads + h) * a.head_dim + p) * a.dstate;
  float s[VPT];
#pragma unroll
  for (int v = 0; v < VPT; ++v) {
    const int64_t n = lane + 32 * v;
    s[v] = n < a.dstate ? state[n] : 0.0f;
  }
  const float bias = a.dt_bias ? a.dt_bias[a.bias_per_dim ? h * a.head_dim + p : h] : 0.0f;
  const float d_skip = a.D ? a.D[a.d_per_dim ? h * a.head_dim + p : h] : 0.0f;
  const float a_head = a.a_full ? 0.0f : a.A[h];
  for (int64_t t = 0; t < a.steps; ++t) {
    const int64_t bth = (b * a.steps + t) * a.heads + h;
    float dt = (a.dt_per_dim ? a.dt[bth * a.head_dim + p] : a.dt[bth]) + bias;
    if (a.dt_softplus) dt = softplusf_(dt);
    const float x = a.x[bth * a.head_dim + p];
    const float* Bt = a.B + ((b * a.steps + t) * a.groups + g) * a.dstate;
    const float* Ct = a.C + ((b * a.steps + t) * a.groups + g) * a.dstate;
    // Per-head A (Mamba2): one exp per step for the whole row; A[H, P, N]: one per element.
    const float decay_head = a.a_full ? 0.0f : expf(a_head * dt);
    float partial = 0.0f;
#pragma unroll
    for (int v = 0; v < VPT; ++v) {
      const int64_t n = lane + 32 * v;
      if (n < a.dstate) {
        const float decay = a.a_full ? expf(a.A[(h * a.head_dim + p) * a.dstate + n] * dt) : decay_head;
        s[v] = s[v] * decay + dt * Bt[n] * x;
        partial = fmaf(s[v], Ct[n], partial);
      }
    }
    const float y = warp_sum(partial);
    if (lane == 0) {
      float out = y + d_skip * x;
      if (a.z) {
        const float zv = a.z[bth * a.head_dim + p];
        out *= zv * sigmoidf_(zv);
      }
      a.out[bth * a.head_dim + p] = out;
    }
  }
#pragma unroll
  for (int v = 0; v < VPT; ++v) {
    const int64_t n = lane + 32 * v;
    if (n < a.dstate) state[n] = s[v];
  }
}

// One thread per (b, c): xs = concat(state row, x[b, :, c]) over time; out[t] from the W-wide window
// ending at L + t; the new state is xs[T : T + L]. Written in increasing order, each position is read
// before it is overwritten (position l takes xs[T + l] with T + l > l).
__global__ void causal_conv1d_kernel(ConvArgs a) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.batch * a.channels) return;
  const int64_t b = idx / a.channels, c = idx % a.channels;
  const int slot = a.slots[b];
  if (slot < 0) {
    zero_padding_outputs(a.out, b, a.steps, a.channels, c);
    return;
  }
  float* st = a.conv_state + (static_cast<int64_t>(slot) * a.channels + c) * a.length;
  const float* w = a.weight + c * a.width;
  auto xs = [&](int64_t pos) { return pos < a.length ? st[pos] : a.x[(b * a.steps + pos - a.length) * a.channels + c]; };
  const float bias = a.bias ? a.bias[c] : 0.0f;
  for (int64_t t = 0; t < a.steps; ++t) {
    float acc = bias;
    const int64_t first = a.length + t + 1 - a.width;
    for (int64_t j = 0; j < a.width; ++j) acc = fmaf(w[j], xs(first + j), acc);
    if (a.silu) acc = acc * sigmoidf_(acc);
    a.out[(b * a.steps + t) * a.channels + c] = acc;
  }
  for (int64_t l = 0; l < a.length; ++l) st[l] = xs(a.steps + l);
}

}  // namespace

void selective_state_update(const SsuArgs& a, cudaStream_t stream) {
  const int64_t gx = ceil_div(a.head_dim, kSsmWarps);
  check_grid("selective_state_update", gx, a.heads, a.batch);
  dispatch_vpt<32>(ceil_div(a.dstate, 32), "selective_state_update: the CUDA kernel supports N <= 1024", [&](auto vpt) {
    selective_state_kernel<decltype(vpt)::value><<<dim3(gx, a.heads, a.batch), 32 * kSsmWarps, 0, stream>>>(a);
  });
  HASHMAC_CUDA_LAUNCHED("selective_state_kernel");
}

void causal_conv1d_update(const ConvArgs& a, cudaStream_t stream) {
  const int64_t threads = 256, blocks = ceil_div(a.batch * a.channels, threads);
  check_grid("causal_conv1d_update", blocks, 1, 1);
  causal_conv1d_kernel<<<blocks, threads, 0, stream>>>(a);
  HASHMAC_CUDA_LAUNCHED("causal_conv1d_kernel");
}

}  // namespace hashmac::cuda
