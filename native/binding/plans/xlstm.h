// The xLSTM plans (lib/kernels/xlstm-plans.ts) as the kernels' args structs, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h. The plans' word-named sizes
// (batch, steps, heads, headDim, keyDim, valueDim) fill the structs' SPEC letters (B, T, NH, DH, DK, DV).
#pragma once
#include "../../kernels/xlstm.h"

namespace hashmac {

template <class R>
void read_slstm_step(R& r, SlstmStepArgs& a) {
  const int64_t pool = r.integer("poolSize", 1);
  a.B = r.integer("batch", 1);
  a.T = r.integer("steps", 1);
  a.NH = r.integer("heads", 1);
  a.DH = r.integer("headDim", 1);
  a.eps = r.real("eps");
  const int64_t W = r.product({a.NH, a.DH}), rows = r.product({a.B, a.T});
  r.slots(a.slots, "slots", a.B, pool);
  r.pool(a.y, "y", W);
  r.pool(a.c, "c", W);
  r.pool(a.n, "n", W);
  r.pool(a.m, "m", W);
  r.in(a.wx, "wx", r.product({rows, 4, W}));
  r.in(a.R, "R", r.product({4, a.NH, a.DH, a.DH}));
  r.optional_in(a.r_bias, "rBias", r.product({4, W}));
  r.out(a.h, "h", r.product({rows, W}));
}

template <class R>
void read_mlstm_step(R& r, MlstmStepArgs& a) {
  const int64_t pool = r.integer("poolSize", 1);
  a.B = r.integer("batch", 1);
  a.T = r.integer("steps", 1);
  a.NH = r.integer("heads", 1);
  a.DK = r.integer("keyDim", 1);
  a.DV = r.integer("valueDim", 1);
  a.eps = r.real("eps");
  const int64_t rows = r.product({a.B, a.T});
  r.slots(a.slots, "slots", a.B, pool);
  r.pool(a.C, "C", r.product({a.NH, a.DK, a.DV}));
  r.pool(a.n, "n", r.product({a.NH, a.DK}));
  r.pool(a.m, "m", a.NH);
  r.in(a.q, "q", r.product({rows, a.NH, a.DK}));
  r.in(a.k, "k", r.product({rows, a.NH, a.DK}));
  r.in(a.v, "v", r.product({rows, a.NH, a.DV}));
  r.in(a.i_pre, "iPre", r.product({rows, a.NH}));
  r.in(a.f_pre, "fPre", r.product({rows, a.NH}));
  r.out(a.h, "h", r.product({rows, a.NH, a.DV}));
}

}  // namespace hashmac
