// The Mamba2 plans (lib/kernels/mamba2-plans.ts) as the kernels' args structs, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include "../../kernels/mamba2.h"
#include "state_step.h"

namespace hashmac {

template <class R>
void read_selective_state_update(R& r, SsuArgs& a) {
  const int64_t rows = read_step_shape(r, a.slots, a.pool, a.batch, a.steps);
  a.heads = r.integer("heads", 1);
  a.head_dim = r.integer("headDim", 1);
  a.dstate = r.integer("dState", 1);
  a.groups = r.integer("groups", 1);
  if (a.heads % a.groups) throw r.range_error("groups must divide heads");
  a.dt_per_dim = r.boolean("dtPerDim");
  a.a_full = r.boolean("aFull");
  a.d_per_dim = r.boolean("dPerDim");
  a.bias_per_dim = r.boolean("biasPerDim");
  a.dt_softplus = r.boolean("dtSoftplus");
  const int64_t H = a.heads, P = a.head_dim, N = a.dstate;
  r.pool(a.state, "state", r.product({H, P, N}));
  r.in(a.x, "x", r.product({rows, H, P}));
  r.in(a.dt, "dt", r.product({rows, H, a.dt_per_dim ? P : 1}));
  r.in(a.A, "A", a.a_full ? r.product({H, P, N}) : H);
  r.in(a.B, "B", r.product({rows, a.groups, N}));
  r.in(a.C, "C", r.product({rows, a.groups, N}));
  r.optional_in(a.D, "D", a.d_per_dim ? r.product({H, P}) : H);
  r.optional_in(a.z, "z", r.product({rows, H, P}));
  r.optional_in(a.dt_bias, "dtBias", a.bias_per_dim ? r.product({H, P}) : H);
  r.out(a.out, "out", r.product({rows, H, P}));
}

template <class R>
void read_causal_conv1d_update(R& r, ConvArgs& a) {
  const int64_t rows = read_step_shape(r, a.slots, a.pool, a.batch, a.steps);
  a.channels = r.integer("channels", 1);
  a.length = r.integer("length", 1);
  a.width = r.integer("width", 1);
  a.silu = r.word("activation", {"none", "silu"}) == 1;
  if (a.width > a.length + 1) throw r.range_error("width must be <= length + 1");
  r.pool(a.conv_state, "convState", r.product({a.channels, a.length}));
  r.in(a.x, "x", r.product({rows, a.channels}));
  r.in(a.weight, "weight", r.product({a.channels, a.width}));
  r.optional_in(a.bias, "bias", a.channels);
  r.out(a.out, "out", r.product({rows, a.channels}));
}

}  // namespace hashmac
