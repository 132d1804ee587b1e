// The ops plans (lib/kernels/ops-plans.ts) as the kernels' args structs, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include "../../kernels/ops.h"

namespace hashmac {

template <class R>
void read_linear(R& r, LinearArgs& a) {
  a.M = r.integer("M", 1);
  a.K = r.integer("K", 1);
  a.N = r.integer("N", 1);
  r.in(a.x, "x", r.product({a.M, a.K}));
  r.in(a.w, "weight", r.product({a.N, a.K}));
  r.optional_in(a.bias, "bias", a.N);
  r.out(a.y, "y", r.product({a.M, a.N}));
}

template <class R>
void read_norm_rows(R& r, NormArgs& a) {
  a.rows = r.integer("rows", 1);
  a.D = r.integer("D", 1);
  a.groups = r.integer("groups", 1);
  if (a.D % a.groups) throw r.range_error("groups must divide D");
  a.eps = r.real("eps");
  a.center = r.boolean("center");
  r.in(a.x, "x", r.product({a.rows, a.D}));
  r.optional_in(a.weight, "weight", a.D);
  r.optional_in(a.bias, "bias", a.D);
  r.out(a.y, "y", r.product({a.rows, a.D}));
}

// y = f(x) elementwise over n values; `kind` names f.
struct ActivationCall {
  Activation kind;
  const float* x;
  float* y;
  int64_t n;
};

template <class R>
void read_activation(R& r, ActivationCall& a) {
  a.kind = static_cast<Activation>(r.word("kind", {"silu", "gelu", "relu"}));
  a.n = r.integer("n", 1);
  r.in(a.x, "x", a.n);
  r.out(a.y, "y", a.n);
}

}  // namespace hashmac
