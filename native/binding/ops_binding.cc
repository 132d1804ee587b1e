// Node-API entry points of the ops family. lib/native/ops.ts passes validated plans with explicit
// sizes; these readers re-check every buffer length so the addon cannot be made to read or write out
// of bounds when called directly.
#include "../kernels/ops.h"

#include "binding.h"

namespace hashmac {
namespace {

// linear(x, weight, bias|null, y, M, K, N)
Job parse_linear(ArgReader& r, const Exec& ex) {
  LinearArgs a{};
  a.M = r.integer(4, "M", 1);
  a.K = r.integer(5, "K", 1);
  a.N = r.integer(6, "N", 1);
  a.x = r.array<float>(0, "x", r.product({a.M, a.K}));
  a.w = r.array<float>(1, "weight", r.product({a.N, a.K}));
  a.bias = r.optional_array<float>(2, "bias", a.N);
  a.y = r.array<float>(3, "y", r.product({a.M, a.N}));
  return [ex, a] { linear(ex, a); };
}

// normRows(x, weight|null, bias|null, y, rows, D, groups, eps, center)
Job parse_norm_rows(ArgReader& r, const Exec& ex) {
  NormArgs a{};
  a.rows = r.integer(4, "rows", 1);
  a.D = r.integer(5, "D", 1);
  a.groups = r.integer(6, "groups", 1);
  if (a.D % a.groups) throw r.range_error("groups must divide D");
  a.eps = static_cast<float>(r.number(7, "eps"));
  a.center = r.boolean(8, "center");
  a.x = r.array<float>(0, "x", r.product({a.rows, a.D}));
  a.weight = r.optional_array<float>(1, "weight", a.D);
  a.bias = r.optional_array<float>(2, "bias", a.D);
  a.y = r.array<float>(3, "y", r.product({a.rows, a.D}));
  return [ex, a] { norm_rows(ex, a); };
}

// activation(x, y, n, kind) with kind 0 = silu, 1 = gelu, 2 = relu
Job parse_activation(ArgReader& r, const Exec& ex) {
  const int64_t n = r.integer(2, "n", 1);
  const int64_t kind = r.integer(3, "kind", 0);
  if (kind > 2) throw r.range_error("kind: expected 0 (silu), 1 (gelu) or 2 (relu)");
  const float* x = r.array<float>(0, "x", n);
  float* y = r.array<float>(1, "y", n);
  const Activation f = static_cast<Activation>(kind);
  return [ex, f, x, y, n] { activation(ex, f, x, y, n); };
}

}  // namespace

void init_ops(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "linear", parse_linear);
  export_kernel(env, exports, "normRows", parse_norm_rows);
  export_kernel(env, exports, "activation", parse_activation);
}

}  // namespace hashmac
