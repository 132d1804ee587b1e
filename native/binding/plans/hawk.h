// The Hawk plans (lib/kernels/hawk-plans.ts) as the kernels' args structs, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include "../../kernels/hawk.h"
#include "state_step.h"

namespace hashmac {

template <class R>
void read_rglru_step(R& r, RglruArgs& a) {
  const int64_t rows = read_step_shape(r, a.slots, a.pool, a.batch, a.steps);
  a.width = r.integer("width", 1);
  a.c = r.real("c");
  a.softplus_a = r.word("aParam", {"direct", "softplus"}) == 1;
  const int64_t n = r.product({rows, a.width});
  r.pool(a.h, "h", a.width);
  r.in(a.x, "x", n);
  r.in(a.gate_x, "gateX", n);
  r.in(a.gate_a, "gateA", n);
  r.in(a.a, "a", a.width);
  r.optional_in(a.reset, "reset", rows);
  r.out(a.out, "out", n);
}

template <class R>
void read_block_linear(R& r, BlockLinearArgs& a) {
  a.rows = r.integer("rows", 1);
  a.blocks = r.integer("blocks", 1);
  a.block_in = r.integer("blockIn", 1);
  a.block_out = r.integer("blockOut", 1);
  r.in(a.x, "x", r.product({a.rows, a.blocks, a.block_in}));
  r.in(a.weight, "weight", r.product({a.blocks, a.block_out, a.block_in}));
  r.optional_in(a.bias, "bias", r.product({a.blocks, a.block_out}));
  r.out(a.y, "y", r.product({a.rows, a.blocks, a.block_out}));
}

}  // namespace hashmac
