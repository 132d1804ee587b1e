// Node-API entry points of the RetNet family. lib/native/retnet.ts passes validated plans with explicit
// sizes; these readers re-check every buffer length and every slot so that no call can read or write out
// of bounds even when the addon is called directly.

#include "../kernels/retnet.h"
#include "binding.h"

namespace hashmac {
namespace {

// rotary(x, positions, angle, y, BT, H, Dh)
Job parse_rotary(ArgReader& r, const Exec& ex) {
  RotaryArgs a{};
  a.BT = r.integer(4, "BT", 1);
  a.H = r.integer(5, "H", 1);
  a.Dh = r.integer(6, "Dh", 2);
  if (a.Dh % 2) throw r.range_error("Dh: expected an even size");
  a.x = r.array<float>(0, "x", r.product({a.BT, a.H, a.Dh}));
  a.positions = r.array<int32_t>(1, "positions", a.BT);
  a.angle = r.array<float>(2, "angle", a.Dh);
  a.y = r.array<float>(3, "y", r.product({a.BT, a.H, a.Dh}));
  return [ex, a] { rotary(ex, a); };
}

// retentionStep(S, scales, offsets, q, k, v, decay, angle|null, slots, o, poolSize, B, T, H, Dk, Dv, kScale)
Job parse_retention_step(ArgReader& r, const Exec& ex) {
  RetentionStepArgs a{};
  const int64_t pool = r.integer(10, "poolSize", 1);
  a.B = r.integer(11, "B", 1);
  a.T = r.integer(12, "T", 1);
  a.H = r.integer(13, "H", 1);
  a.Dk = r.integer(14, "Dk", 1);
  a.Dv = r.integer(15, "Dv", 1);
  a.k_scale = static_cast<float>(r.number(16, "kScale"));
  a.S = r.array<float>(0, "S", r.product({pool, a.H, a.Dk, a.Dv}));
  a.scales = r.array<float>(1, "scales", r.product({pool, a.H}));
  a.offsets = r.array<int32_t>(2, "offsets", pool);
  a.q = r.array<float>(3, "q", r.product({a.B, a.T, a.H, a.Dk}));
  a.k = r.array<float>(4, "k", r.product({a.B, a.T, a.H, a.Dk}));
  a.v = r.array<float>(5, "v", r.product({a.B, a.T, a.H, a.Dv}));
  a.decay = r.array<float>(6, "decay", a.H);
  a.angle = r.optional_array<float>(7, "angle", a.Dk);
  if (a.angle && a.Dk % 2) throw r.range_error("Dk: rotary needs an even key size");
  a.slots = r.slots(8, a.B, pool);
  a.o = r.array<float>(9, "o", r.product({a.B, a.T, a.H, a.Dv}));
  return [ex, a] { retention_step(ex, a); };
}

}  // namespace

void init_retnet(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "rotary", parse_rotary);
  export_kernel(env, exports, "retentionStep", parse_retention_step);
}

}  // namespace hashmac
