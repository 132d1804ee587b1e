// Mamba2 micro-kernels, compiled once per ISA (see simd_target.h). Each loop body is a template over
// V = vec::vf (full vectors) or V = float (the tail), so vector and tail code cannot drift apart. The
// state of a (slot, head) or (slot, channel block) is loaded once, carried through every step of the
// call in registers or L1, and stored once.
#include "simd_target.h"
#include "mamba2_isa.h"
#include "vec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

namespace hashmac {
namespace HASHMAC_TARGET {
namespace {

// Hints the cache lines of floats [from, from + n) after p, which may lie past the end of the buffer (the
// next task's block): a prefetch never faults, and the address is formed as an integer, not as a pointer
// past the end.
inline void prefetch(const float* p, int64_t from, int64_t n) {
  const uintptr_t base = reinterpret_cast<uintptr_t>(p) + static_cast<uintptr_t>(from) * sizeof(float);
  for (int64_t e = 0; e < n; e += 16) __builtin_prefetch(reinterpret_cast<const void*>(base + e * sizeof(float)));
}

using vec::lanes_of;
using vec::load;
using vec::splat;
using vec::store;
using vec::vf;
constexpr int kLanes = vec::kLanes;

// ---- Mamba2 selective state update ------------------------------------------------------------------

// What one state row (batch row b, head h, head dim p) reads at step t: element [t * step] of each.
struct SsuRow {
  const float* B;      // B[b, 0, g, :]
  const float* C;
  int64_t bc_step;     // groups * dstate
  const float* x;      // x[b, 0, h, p]
  int64_t x_step;      // heads * head_dim
  const float* dt;     // effective dt of (t, p), stride `step`
  const float* decay;  // exp(A[h] * dt) of (t, p) when A is per head
  float* acc;          // output sums of (t, p)
  int64_t step;        // head_dim
  int64_t steps;
};

// Sum of K vectors as a balanced tree: log2(K) dependent adds instead of K.
template <class V, int K>
inline V tree_sum(V* v) {
  for (int w = K / 2; w >= 1; w /= 2) {
#pragma GCC unroll 8
    for (int i = 0; i < w; ++i) v[i] += v[i + w];
  }
  return v[0];
}

// K vectors of one state row from element n0, held in registers across all steps (K is a power of 2).
// kFullA: A is [H, P, N], so every element has its own decay exp(A*dt); else one decay per (step, p).
template <class V, int K, bool kFullA>
__attribute__((always_inline)) inline void ssu_chunk(float* s_row, const float* a_row, int64_t n0, const SsuRow& r) {
  constexpr int L = lanes_of<V>;
  V s[K], prod[K];
#pragma GCC unroll 8
  for (int i = 0; i < K; ++i) s[i] = load<V>(s_row + n0 + i * L);
  for (int64_t t = 0; t < r.steps; ++t) {
    const float dt = r.dt[t * r.step];
    // 0 + (dt*x): a -0 product is broadcast as +0, as this kernel always has (keeps results bit-identical).
    const V coef = splat<V>(0.0f + dt * r.x[t * r.x_step]);
    const float* Bt = r.B + t * r.bc_step + n0;
    const float* Ct = r.C + t * r.bc_step + n0;
#pragma GCC unroll 8
    for (int i = 0; i < K; ++i) {
      const V decay = kFullA ? vec::exp(load<V>(a_row + n0 + i * L) * dt) : splat<V>(r.decay[t * r.step]);
      s[i] = s[i] * decay + coef * load<V>(Bt + i * L);
      prod[i] = s[i] * load<V>(Ct + i * L);
    }
    r.acc[t * r.step] += vec::hsum(tree_sum<V, K>(prod));
  }
#pragma GCC unroll 8
  for (int i = 0; i < K; ++i) store<V>(s_row + n0 + i * L, s[i]);
}

// Every row p of one (slot, head) state block, in chunks of K vectors, then single vectors, then floats.
// How far ahead of the row in hand its state is prefetched: about what one core has in flight from DRAM
// (~100 ns x ~50 GB/s). The hardware prefetcher alone leaves the rows' loads waiting: 8 KB ahead measured
// 0.91-0.96x the wall time at T = 1 and 0.77-1.01x at T = 8 on two threads, 0.99x / 0.81x on one
// (interleaved A/B; 4 KB: 0.95x / 0.85x, 16 KB: 1.0x / 0.79x).
constexpr int64_t kSsuAheadBytes = 8192;

template <bool kFullA>
void ssu_rows(const SsuArgs& a, int64_t h, float* state, const SsuRow& first) {
  constexpr int K = 8;
  const int64_t P = a.head_dim, N = a.dstate;
  for (int64_t p = 0; p < P; ++p) {
    SsuRow r = first;
    r.x += p;
    r.dt += p;
    r.decay += p;
    r.acc += p;
    float* s_row = state + p * N;
    // The row kSsuAheadBytes down (past the block's end into the next task's: a prefetch never faults).
    prefetch(s_row, std::max<int64_t>(N, kSsuAheadBytes / int64_t{sizeof(float)}), N);
    const float* a_row = kFullA ? a.A + (h * P + p) * N : nullptr;
    int64_t n = 0;
    for (; n + K * kLanes <= N; n += K * kLanes) ssu_chunk<vf, K, kFullA>(s_row, a_row, n, r);
    for (; n + kLanes <= N; n += kLanes) ssu_chunk<vf, 1, kFullA>(s_row, a_row, n, r);
    for (; n < N; ++n) ssu_chunk<float, 1, kFullA>(s_row, a_row, n, r);
  }
}

// Effective dt (bias, softplus) and, when A is per head, the decay exp(A*dt) of every (step, p). With dt
// and its bias tied over p they are computed once per step: the transcendentals would otherwise cost as
// much as the state update itself.
void ssu_dt(const SsuArgs& a, int64_t b, int64_t h, float* dts, float* decay) {
  const int64_t H = a.heads, P = a.head_dim, T = a.steps;
  const bool tied = !a.dt_per_dim && !(a.dt_bias && a.bias_per_dim);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t bth = (b * T + t) * H + h;
    for (int64_t p = 0; p < (tied ? 1 : P); ++p) {
      float d = a.dt[a.dt_per_dim ? bth * P + p : bth];
      if (a.dt_bias) d += a.dt_bias[a.bias_per_dim ? h * P + p : h];
      if (a.dt_softplus) d = d <= 20.0f ? std::log1p(std::exp(d)) : d;
      dts[t * P + p] = d;
      decay[t * P + p] = a.a_full ? 0.0f : std::exp(a.A[h] * d);
    }
    if (tied) {
      std::fill(dts + t * P + 1, dts + (t + 1) * P, dts[t * P]);
      std::fill(decay + t * P + 1, decay + (t + 1) * P, decay[t * P]);
    }
  }
}

// out = acc + D*x, gated by z*sigmoid(z), for lanes [p, p + lanes) of one step.
template <class V>
inline void ssu_out(const SsuArgs& a, int64_t h, int64_t i, int64_t p, const float* acc) {
  V y = load<V>(acc + p);
  if (a.D) y += (a.d_per_dim ? load<V>(a.D + h * a.head_dim + p) : splat<V>(0.0f + a.D[h])) * load<V>(a.x + i);  // 0 + D: as coef above
  if (a.z) {
    const V z = load<V>(a.z + i);
    y = y * z * vec::sigmoid(z);
  }
  store<V>(a.out + i, y);
}

void ssu_head(const SsuArgs& a, int64_t b, int64_t h, float* scratch) {
  const int64_t H = a.heads, P = a.head_dim, N = a.dstate, T = a.steps, G = a.groups;
  const int64_t g = h / (H / G);
  float* dts = scratch;
  float* decay = scratch + T * P;
  float* acc = scratch + 2 * T * P;
  ssu_dt(a, b, h, dts, decay);
  std::fill(acc, acc + T * P, 0.0f);
  float* state = a.state + (static_cast<int64_t>(a.slots[b]) * H + h) * P * N;
  const SsuRow first{a.B + (b * T * G + g) * N, a.C + (b * T * G + g) * N, G * N, a.x + (b * T * H + h) * P, H * P,
                     dts, decay, acc, P, T};
  if (a.a_full) {
    ssu_rows<true>(a, h, state, first);
  } else {
    ssu_rows<false>(a, h, state, first);
  }
  for (int64_t t = 0; t < T; ++t) {
    const int64_t i0 = ((b * T + t) * H + h) * P;
    int64_t p = 0;
    for (; p + kLanes <= P; p += kLanes) ssu_out<vf>(a, h, i0 + p, p, acc + t * P);
    for (; p < P; ++p) ssu_out<float>(a, h, i0 + p, p, acc + t * P);
  }
}

// ---- causal conv1d update -------------------------------------------------------------------------

// The window concat(state, x) of a channel block is handled as rows of channels: rows [0, L) are the
// state, deinterleaved into scratch so that every step is vector work over channels; rows [L, L + T) are
// the steps of x, read where they are.

// Output of channels [c, c + lanes) at one step; `first` is the window row of the first tap.
template <class V>
inline void conv_out(const ConvArgs& a, const float* wt, const float* const* first, int64_t cg, int64_t c, float* out) {
  V y = a.bias ? load<V>(a.bias + cg) : splat<V>(0.0f);
  for (int64_t j = 0; j < a.width; ++j) y += load<V>(wt + j * a.channels + cg) * load<V>(first[j] + c);
  if (a.silu) y = y * vec::sigmoid(y);
  store<V>(out + c, y);
}

// kL > 0 fixes the state length at compile time: the (de)interleaving loops then vectorize.
template <int kL>
void window_in(const float* __restrict state, int64_t length, int64_t cn, float* __restrict xs) {
  const int64_t L = kL ? kL : length;
  for (int64_t c = 0; c < cn; ++c)
    for (int64_t l = 0; l < L; ++l) xs[l * cn + c] = state[c * L + l];
}

template <int kL>
void window_out(float* __restrict state, int64_t length, int64_t cn, const float* const* rows) {
  const int64_t L = kL ? kL : length;
  for (int64_t c = 0; c < cn; ++c)
    for (int64_t l = 0; l < L; ++l) state[c * L + l] = rows[l][c];
}

template <int kL>
void conv_steps(const ConvArgs& a, int64_t b, int64_t c0, int64_t cn, const float* wt, float* scratch) {
  const int64_t C = a.channels, L = a.length, W = a.width, T = a.steps;
  float* state = a.conv_state + (static_cast<int64_t>(a.slots[b]) * C + c0) * L;
  thread_local std::vector<const float*> row_buf;  // grows only: steady-state calls allocate nothing
  if (row_buf.size() < static_cast<size_t>(L + T)) row_buf.resize(static_cast<size_t>(L + T));
  const float** rows = row_buf.data();
  // The next channel block of this row is most likely this thread's next task: start its loads now.
  prefetch(state, cn * L, cn * L);
  for (int64_t t = 0; t < T; ++t) prefetch(a.x + (b * T + t) * C + c0, cn, cn);
  window_in<kL>(state, L, cn, scratch);
  for (int64_t l = 0; l < L; ++l) rows[l] = scratch + l * cn;
  for (int64_t t = 0; t < T; ++t) rows[L + t] = a.x + (b * T + t) * C + c0;
  for (int64_t t = 0; t < T; ++t) {
    float* out = a.out + (b * T + t) * C + c0;
    const float* const* first = rows + t + L + 1 - W;
    int64_t c = 0;
    for (; c + kLanes <= cn; c += kLanes) conv_out<vf>(a, wt, first, c0 + c, c, out);
    for (; c < cn; ++c) conv_out<float>(a, wt, first, c0 + c, c, out);
  }
  window_out<kL>(state, L, cn, rows + T);  // the new state: the window's last L rows
}

// A compile-time vector of lane indices f(0), ..., f(kLanes - 1): constant shuffle masks let the compiler
// pick the best permute instructions of each ISA.
template <class F, int... I>
constexpr vec::vi lane_indices(F f, std::integer_sequence<int, I...>) { return vec::vi{f(I)...}; }
template <class F>
constexpr vec::vi lane_indices(F f) { return lane_indices(f, std::make_integer_sequence<int, kLanes>{}); }

// Two-source shuffle by a constant mask (lane k < kLanes from a, else from b). GCC turns
// __builtin_shuffle into the ISA's permutes (vpermt2ps on AVX-512); clang (the sanitizer build) lacks it
// and gets a lane loop with the same result.
inline vf shuffle2(vf a, vf b, vec::vi mask) {
#if defined(__clang__)
  vf r;
  for (int i = 0; i < kLanes; ++i) r[i] = mask[i] < kLanes ? a[mask[i]] : b[mask[i] - kLanes];
  return r;
#else
  return __builtin_shuffle(a, b, mask);
#endif
}

// Row l (of 3) of kLanes channels whose rows are interleaved over v0, v1, v2: float k = 3i + l is row l of
// channel i; the first shuffle takes the lanes found in v0 and v1, the second those in v2.
template <int l>
inline vf split3(vf v0, vf v1, vf v2) {
  constexpr int K = kLanes;
  constexpr vec::vi from_ab = lane_indices([](int i) { return 3 * i + l < 2 * K ? 3 * i + l : 0; });
  constexpr vec::vi from_c = lane_indices([](int i) { return 3 * i + l < 2 * K ? i : K + 3 * i + l - 2 * K; });
  return shuffle2(shuffle2(v0, v1, from_ab), v2, from_c);
}

// Vector v (of 3) of the interleaved rows r0, r1, r2: float k = v * kLanes + j is row k % 3 of channel k / 3.
template <int v>
inline vf merge3(vf r0, vf r1, vf r2) {
  constexpr int K = kLanes;
  constexpr vec::vi from_01 = lane_indices([](int j) {
    const int k = v * K + j;
    return k % 3 == 0 ? k / 3 : (k % 3 == 1 ? K + k / 3 : 0);
  });
  constexpr vec::vi from_2 = lane_indices([](int j) {
    const int k = v * K + j;
    return k % 3 == 2 ? K + k / 3 : j;
  });
  return shuffle2(shuffle2(r0, r1, from_01), r2, from_2);
}

// The hackathon shape, length 3 and width 4, in one pass over the state: the state of kLanes channels
// from cg is 3 full vectors of interleaved floats, split into one vector per window row by two-source
// shuffles (vpermt2ps on AVX-512), carried through the steps in registers and interleaved back the same
// way. Only channels [cg + lo, cg + hi) are written back: a partial group still computes full vectors, so
// every channel's result is the same wherever the groups start. kStream: outputs by non-temporal stores.
template <bool kStream>
inline void conv_group(const ConvArgs& a, int64_t b, int64_t cg, const float* wt, int lo = 0, int hi = kLanes) {
  const int64_t C = a.channels, T = a.steps;
  float* st = a.conv_state + (static_cast<int64_t>(a.slots[b]) * C + cg) * 3;
  constexpr int64_t kAhead = 8 * kLanes;  // channels: the loads of later groups start early
  prefetch(st, 3 * kAhead, 3 * kLanes);
  for (int64_t t = 0; t < T; ++t) prefetch(a.x + (b * T + t) * C + cg, kAhead, kLanes);
  const vf v0 = load<vf>(st), v1 = load<vf>(st + kLanes), v2 = load<vf>(st + 2 * kLanes);
  vf r[3] = {split3<0>(v0, v1, v2), split3<1>(v0, v1, v2), split3<2>(v0, v1, v2)};
  const vf w0 = load<vf>(wt + cg), w1 = load<vf>(wt + C + cg), w2 = load<vf>(wt + 2 * C + cg), w3 = load<vf>(wt + 3 * C + cg);
  const vf bias = a.bias ? load<vf>(a.bias + cg) : splat<vf>(0.0f);
  for (int64_t t = 0; t < T; ++t) {
    const vf x = load<vf>(a.x + (b * T + t) * C + cg);
    vf y = bias + w0 * r[0] + w1 * r[1] + w2 * r[2] + w3 * x;
    if (a.silu) y = y * vec::sigmoid(y);
    float* out = a.out + (b * T + t) * C + cg;
    if constexpr (kStream) {
      vec::stream(out, y);
    } else {
      vec::store_lanes(out, y, lo, hi);
    }
    r[0] = r[1];
    r[1] = r[2];
    r[2] = x;
  }
  const vf merged[3] = {merge3<0>(r[0], r[1], r[2]), merge3<1>(r[0], r[1], r[2]), merge3<2>(r[0], r[1], r[2])};
  std::memcpy(st + 3 * lo, reinterpret_cast<const float*>(merged) + 3 * lo, sizeof(float) * 3 * static_cast<size_t>(hi - lo));
}

void conv_block(const ConvArgs& a, int64_t b, int64_t c0, int64_t cn, const float* wt, float* scratch) {
  if (a.length == 3 && a.width == 4 && cn >= kLanes) {
    int64_t c = c0;
    const int64_t end = c0 + cn;
    if (a.stream_out && a.channels % kLanes == 0 && cn >= 2 * kLanes) {
      // Channels up to the first vector-aligned output in a partial group, then streamed full groups.
      int head = 0;
      while (!vec::vector_aligned(a.out + b * a.steps * a.channels + c + head)) ++head;
      if (head > 0) conv_group<false>(a, b, c, wt, 0, head);
      for (c += head; c + kLanes <= end; c += kLanes) conv_group<true>(a, b, c, wt);
      vec::stream_fence();
    }
    for (; c + kLanes <= end; c += kLanes) conv_group<false>(a, b, c, wt);
    // The last channels: the group ending at `end`, of which only they are stored.
    if (c < end) conv_group<false>(a, b, end - kLanes, wt, static_cast<int>(kLanes - (end - c)));
    return;
  }
  switch (a.length) {
    case 1: return conv_steps<1>(a, b, c0, cn, wt, scratch);
    case 2: return conv_steps<2>(a, b, c0, cn, wt, scratch);
    case 3: return conv_steps<3>(a, b, c0, cn, wt, scratch);
    case 4: return conv_steps<4>(a, b, c0, cn, wt, scratch);
    default: return conv_steps<0>(a, b, c0, cn, wt, scratch);
  }
}

}  // namespace

const Mamba2MicroKernels mamba2_micro = {ssu_head, conv_block};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
