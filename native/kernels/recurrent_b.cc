// Drivers of the recurrent-b family: rotary tables, per-(row, head) tasks for retention and mLSTM (the
// state of a head is read and written once per call, all T steps applied while it sits in registers),
// and per-step tasks over (head, block of entries) for the sLSTM, whose recurrent weights are shared by
// every row and so are reused across the whole batch.
#include "recurrent_b.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "parallel.h"
#include "recurrent_b_isa.h"

namespace hashmac {

const RecurrentBMicroKernels& recurrent_b_micro(Isa isa) {
  return pick_isa(isa, scalar::recurrent_b_micro, avx2::recurrent_b_micro, avx512::recurrent_b_micro);
}

namespace {

// Per-thread scratch, grown as needed: kernels allocate nothing per call once warm.
float* scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// The position of step t of a slot whose offset is `offset` (int32 arithmetic wraps like the JS pool).
int32_t position(int32_t offset, int64_t t) {
  return static_cast<int32_t>(static_cast<uint32_t>(offset) + static_cast<uint32_t>(t));
}

// cos and sin of theta[d] = float(float(pos) * angle[d]) (SPEC section 6: one float32 multiply, accurate
// sin/cos of that float32 value).
void trig_table(int32_t pos, const float* angle, int64_t Dh, float* cs, float* sn) {
  const float p = static_cast<float>(pos);
  for (int64_t d = 0; d < Dh; ++d) {
    // RetNet's angles come in equal pairs: the same bits give the same theta and the same values.
    if (d > 0 && std::memcmp(angle + d, angle + d - 1, sizeof(float)) == 0) {
      cs[d] = cs[d - 1];
      sn[d] = sn[d - 1];
      continue;
    }
    const float theta = p * angle[d];
    cs[d] = std::cos(theta);
    sn[d] = std::sin(theta);
  }
}

// y = (x*scale)*cos + rotate_every_two(x*scale)*sin over one head of Dh (even) values.
void rotate(const float* x, float scale, const float* cs, const float* sn, int64_t Dh, float* y) {
  for (int64_t d = 0; d < Dh; d += 2) {
    const float x0 = x[d] * scale, x1 = x[d + 1] * scale;
    y[d] = x0 * cs[d] - x1 * sn[d];
    y[d + 1] = x1 * cs[d + 1] + x0 * sn[d + 1];
  }
}

float log_sigmoid(float x) { return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x))); }

void zero_rows(float* out, int64_t count) { std::memset(out, 0, static_cast<size_t>(count) * sizeof(float)); }

}  // namespace

void rotary(const Exec& ex, const RotaryArgs& a) {
  parallel_for(a.BT, ex.threads, [&](int64_t bt) {
    float* cs = scratch(static_cast<size_t>(2 * a.Dh));
    float* sn = cs + a.Dh;
    trig_table(a.positions[bt], a.angle, a.Dh, cs, sn);
    for (int64_t h = 0; h < a.H; ++h) {
      const int64_t off = (bt * a.H + h) * a.Dh;
      rotate(a.x + off, 1.0f, cs, sn, a.Dh, a.y + off);
    }
  });
}

void retention_step(const Exec& ex, const RetentionStepArgs& a) {
  const RecurrentBMicroKernels& mk = recurrent_b_micro(ex.isa);
  const int64_t B = a.B, T = a.T, H = a.H, Dk = a.Dk, Dv = a.Dv;
  // cos/sin of every (row, step), shared by the row's heads: [B*T][cos Dk | sin Dk].
  std::vector<float> trig(a.angle ? static_cast<size_t>(B * T * 2 * Dk) : 0);
  if (a.angle) {
    parallel_for(B * T, ex.threads, [&](int64_t bt) {
      const int32_t slot = a.slots[bt / T];
      if (slot < 0) return;
      float* cs = trig.data() + bt * 2 * Dk;
      trig_table(position(a.offsets[slot], bt % T), a.angle, Dk, cs, cs + Dk);
    });
  }
  parallel_for(B * H, ex.threads, [&](int64_t task) {
    const int64_t b = task / H, h = task % H;
    const int32_t slot = a.slots[b];
    float* o = a.o + (b * T * H + h) * Dv;  // step t at o + t*H*Dv
    for (int64_t t = 0; t < T; ++t) zero_rows(o + t * H * Dv, Dv);
    if (slot < 0) return;
    // Rotated queries and scaled, rotated keys of all T steps, and the decay of each step.
    float* query = scratch(static_cast<size_t>(2 * T * Dk + 2 * T));
    float* key = query + T * Dk;
    float* f = key + T * Dk;
    float* root = f + T;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t x0 = ((b * T + t) * H + h) * Dk;
      if (a.angle) {
        const float* cs = trig.data() + (b * T + t) * 2 * Dk;
        rotate(a.q + x0, 1.0f, cs, cs + Dk, Dk, query + t * Dk);
        rotate(a.k + x0, a.k_scale, cs, cs + Dk, Dk, key + t * Dk);
      } else {
        for (int64_t d = 0; d < Dk; ++d) {
          query[t * Dk + d] = a.q[x0 + d];
          key[t * Dk + d] = a.k[x0 + d] * a.k_scale;
        }
      }
    }
    const float gamma = a.decay[h];
    float& scale = a.scales[slot * H + h];
    for (int64_t t = 0; t < T; ++t) {
      f[t] = gamma;
      scale = scale * gamma + 1.0f;
      root[t] = std::sqrt(scale);
    }
    mk.decay_outer_readout(a.S + (slot * H + h) * Dk * Dv, Dv, Dk, Dv, T, f, key, Dk, query, Dk,
                           a.v + (b * T * H + h) * Dv, H * Dv, o, H * Dv);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < Dv; ++j) o[t * H * Dv + j] /= root[t];
  });
  for (int64_t b = 0; b < B; ++b)
    if (a.slots[b] >= 0) a.offsets[a.slots[b]] = position(a.offsets[a.slots[b]], T);
}

void mlstm_step(const Exec& ex, const MlstmStepArgs& a) {
  const RecurrentBMicroKernels& mk = recurrent_b_micro(ex.isa);
  const int64_t T = a.T, NH = a.NH, DK = a.DK, DV = a.DV;
  const float k_scale = 1.0f / std::sqrt(static_cast<float>(DK));
  parallel_for(a.B * NH, ex.threads, [&](int64_t task) {
    const int64_t b = task / NH, h = task % NH;
    const int32_t slot = a.slots[b];
    float* out = a.h + (b * T * NH + h) * DV;  // step t at out + t*NH*DV
    for (int64_t t = 0; t < T; ++t) zero_rows(out + t * NH * DV, DV);
    if (slot < 0) return;
    float* key = scratch(static_cast<size_t>(T * DK + 2 * T));
    float* f = key + T * DK;
    float* den = f + T;
    float* n = a.n + (slot * NH + h) * DK;
    float& m = a.m[slot * NH + h];
    // Gates, the normaliser n and the denominators, step by step (O(T*DK) against the O(T*DK*DV) state).
    for (int64_t t = 0; t < T; ++t) {
      const int64_t g = (b * T + t) * NH + h;
      const float lf = log_sigmoid(a.f_pre[g]);
      const float m_new = std::max(a.i_pre[g], m + lf);
      const float i = std::exp(a.i_pre[g] - m_new);
      f[t] = std::exp(lf + m - m_new);
      m = m_new;
      const float* k = a.k + g * DK;
      const float* q = a.q + g * DK;
      float* kt = key + t * DK;
      float qn = 0.0f;
      for (int64_t d = 0; d < DK; ++d) {
        kt[d] = i * (k[d] * k_scale);
        n[d] = f[t] * n[d] + kt[d];
        qn += q[d] * n[d];
      }
      den[t] = std::max(std::fabs(qn), std::exp(-m_new)) + a.eps;
    }
    mk.decay_outer_readout(a.C + (slot * NH + h) * DK * DV, DV, DK, DV, T, f, key, DK, a.q + (b * T * NH + h) * DK,
                           NH * DK, a.v + (b * T * NH + h) * DV, NH * DV, out, NH * DV);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < DV; ++j) out[t * NH * DV + j] /= den[t];
  });
}

namespace {

constexpr int64_t kSlstmBlock = 16;  // entries (x 4 gates) of R per task: 4*16*DH floats, reused by every row
constexpr int kMaxGateRows = 8;

}  // namespace

void slstm_step(const Exec& ex, const SlstmStepArgs& a) {
  const RecurrentBMicroKernels& mk = recurrent_b_micro(ex.isa);
  const int64_t T = a.T, NH = a.NH, DH = a.DH, W = NH * DH;
  std::vector<int64_t> active;
  for (int64_t b = 0; b < a.B; ++b) {
    if (a.slots[b] >= 0) active.push_back(b);
    else zero_rows(a.h + b * T * W, T * W);
  }
  const int64_t blocks = (DH + kSlstmBlock - 1) / kSlstmBlock;
  const int rows_max = std::min(mk.gate_rows_max, kMaxGateRows);
  // Step t needs every entry of y from step t-1, so the steps are separate parallel passes; y of step t
  // goes to the output, and the pool's y is replaced after the last step.
  for (int64_t t = 0; t < T; ++t) {
    parallel_for(NH * blocks, ex.threads, [&](int64_t task) {
      const int64_t h = task / blocks, k0 = (task % blocks) * kSlstmBlock, k1 = std::min(DH, k0 + kSlstmBlock);
      const float* ys[kMaxGateRows];
      float dots[4 * kMaxGateRows];
      float rec[kMaxGateRows][4][kSlstmBlock];  // recurrent part of each gate, per row and entry
      const int64_t e0 = h * DH + k0;
      for (size_t r0 = 0; r0 < active.size(); r0 += rows_max) {
        const int nr = static_cast<int>(std::min<size_t>(rows_max, active.size() - r0));
        for (int r = 0; r < nr; ++r) {
          const int64_t b = active[r0 + r];
          ys[r] = (t == 0 ? a.y + a.slots[b] * W : a.h + (b * T + t - 1) * W) + h * DH;
        }
        for (int64_t k = k0; k < k1; ++k) {
          const float* gates[4];
          for (int g = 0; g < 4; ++g) gates[g] = a.R + ((g * NH + h) * DH + k) * DH;
          mk.gate_dots(gates, ys, nr, DH, dots);
          for (int g = 0; g < 4; ++g)
            for (int r = 0; r < nr; ++r) rec[r][g][k - k0] = dots[g * nr + r];
        }
        for (int r = 0; r < nr; ++r) {
          const int64_t b = active[r0 + r], st = a.slots[b] * W + e0;
          mk.slstm_cells(&rec[r][0][0], kSlstmBlock, a.wx + (b * T + t) * 4 * W + e0, a.r_bias ? a.r_bias + e0 : nullptr, W,
                         a.eps, a.c + st, a.n + st, a.m + st, a.h + (b * T + t) * W + e0, k1 - k0);
        }
      }
    });
  }
  for (int64_t b : active) std::memcpy(a.y + a.slots[b] * W, a.h + (b * T + T - 1) * W, static_cast<size_t>(W) * sizeof(float));
}

}  // namespace hashmac
