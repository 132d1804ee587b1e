// Drivers of the xLSTM family: per-(row, head) tasks for the mLSTM (the state of a head is read and
// written once per call, all T steps applied while it sits in registers), and per-step tasks over (head,
// block of entries) for the sLSTM, whose recurrent weights are shared by every row and so are reused
// across the whole batch.
#include "xlstm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "parallel.h"
#include "step_driver.h"
#include "xlstm_isa.h"

namespace hashmac {

namespace {

using step_driver::scratch;
using step_driver::zero_rows;

float log_sigmoid(float x) { return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x))); }

}  // namespace

void mlstm_step(const Exec& ex, const MlstmStepArgs& a) {
  const XlstmMicroKernels& mk = xlstm_micro(ex.isa);
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
  const XlstmMicroKernels& mk = xlstm_micro(ex.isa);
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
