// Drivers of the RetNet family: rotary tables, and per-(row, head) tasks for the retention step (the state
// of a head is read and written once per call, all T steps applied while it sits in registers).
#include "retnet.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "parallel.h"
#include "retnet_isa.h"
#include "step_driver.h"

namespace hashmac {

namespace {

using step_driver::scratch;
using step_driver::zero_rows;

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
  const RetnetMicroKernels& mk = retnet_micro(ex.isa);
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
  }, step_driver::claim_grain(B * H, ex.threads, 2 * Dk * Dv * int64_t{sizeof(float)}));
  for (int64_t b = 0; b < B; ++b)
    if (a.slots[b] >= 0) a.offsets[a.slots[b]] = position(a.offsets[a.slots[b]], T);
}

}  // namespace hashmac
