// The RetNet plans (lib/kernels/retnet-plans.ts) as the kernels' args structs, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h. The plans' word-named sizes
// (batch, steps, heads, headDim, keyDim, valueDim) fill the structs' SPEC letters (B, T, H, Dh, Dk, Dv).
#pragma once
#include "../../kernels/retnet.h"

namespace hashmac {

template <class R>
void read_rotary(R& r, RotaryArgs& a) {
  a.BT = r.product({r.integer("batch", 1), r.integer("steps", 1)});
  a.H = r.integer("heads", 1);
  a.Dh = r.integer("headDim", 2);
  if (a.Dh % 2) throw r.range_error("headDim: expected an even size");
  r.in(a.x, "x", r.product({a.BT, a.H, a.Dh}));
  r.in(a.positions, "positions", a.BT);
  r.in(a.angle, "angle", a.Dh);
  r.out(a.y, "y", r.product({a.BT, a.H, a.Dh}));
}

template <class R>
void read_retention_step(R& r, RetentionStepArgs& a) {
  const int64_t pool = r.integer("poolSize", 1);
  a.B = r.integer("batch", 1);
  a.T = r.integer("steps", 1);
  a.H = r.integer("heads", 1);
  a.Dk = r.integer("keyDim", 1);
  a.Dv = r.integer("valueDim", 1);
  a.k_scale = r.real("kScale");
  const int64_t rows = r.product({a.B, a.T});
  r.slots(a.slots, "slots", a.B, pool);
  r.pool(a.S, "S", r.product({a.H, a.Dk, a.Dv}));
  r.pool(a.scales, "scales", a.H);
  r.pool(a.offsets, "offsets", 1);
  r.in(a.q, "q", r.product({rows, a.H, a.Dk}));
  r.in(a.k, "k", r.product({rows, a.H, a.Dk}));
  r.in(a.v, "v", r.product({rows, a.H, a.Dv}));
  r.in(a.decay, "decay", a.H);
  r.optional_in(a.angle, "angle", a.Dk);
  if (r.present("angle") && a.Dk % 2) throw r.range_error("keyDim: rotary needs an even key size");
  r.out(a.o, "o", r.product({rows, a.H, a.Dv}));
}

}  // namespace hashmac
