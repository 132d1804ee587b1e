// Node-API entry points of the xLSTM family. lib/native/xlstm.ts passes validated plans with explicit
// sizes; these readers re-check every buffer length and every slot so that no call can read or write out
// of bounds even when the addon is called directly.

#include "../kernels/xlstm.h"
#include "binding.h"

namespace hashmac {
namespace {

// slstmStep(y, c, n, m, wx, R, rBias|null, slots, h, poolSize, B, T, NH, DH, eps)
Job parse_slstm_step(ArgReader& r, const Exec& ex) {
  SlstmStepArgs a{};
  const int64_t pool = r.integer(9, "poolSize", 1);
  a.B = r.integer(10, "B", 1);
  a.T = r.integer(11, "T", 1);
  a.NH = r.integer(12, "NH", 1);
  a.DH = r.integer(13, "DH", 1);
  a.eps = static_cast<float>(r.number(14, "eps"));
  const int64_t W = r.product({a.NH, a.DH});
  a.y = r.array<float>(0, "y", r.product({pool, W}));
  a.c = r.array<float>(1, "c", r.product({pool, W}));
  a.n = r.array<float>(2, "n", r.product({pool, W}));
  a.m = r.array<float>(3, "m", r.product({pool, W}));
  a.wx = r.array<float>(4, "wx", r.product({a.B, a.T, 4, W}));
  a.R = r.array<float>(5, "R", r.product({4, a.NH, a.DH, a.DH}));
  a.r_bias = r.optional_array<float>(6, "rBias", r.product({4, W}));
  a.slots = r.slots(7, a.B, pool);
  a.h = r.array<float>(8, "h", r.product({a.B, a.T, W}));
  return [ex, a] { slstm_step(ex, a); };
}

// mlstmStep(C, n, m, q, k, v, iPre, fPre, slots, h, poolSize, B, T, NH, DK, DV, eps)
Job parse_mlstm_step(ArgReader& r, const Exec& ex) {
  MlstmStepArgs a{};
  const int64_t pool = r.integer(10, "poolSize", 1);
  a.B = r.integer(11, "B", 1);
  a.T = r.integer(12, "T", 1);
  a.NH = r.integer(13, "NH", 1);
  a.DK = r.integer(14, "DK", 1);
  a.DV = r.integer(15, "DV", 1);
  a.eps = static_cast<float>(r.number(16, "eps"));
  a.C = r.array<float>(0, "C", r.product({pool, a.NH, a.DK, a.DV}));
  a.n = r.array<float>(1, "n", r.product({pool, a.NH, a.DK}));
  a.m = r.array<float>(2, "m", r.product({pool, a.NH}));
  a.q = r.array<float>(3, "q", r.product({a.B, a.T, a.NH, a.DK}));
  a.k = r.array<float>(4, "k", r.product({a.B, a.T, a.NH, a.DK}));
  a.v = r.array<float>(5, "v", r.product({a.B, a.T, a.NH, a.DV}));
  a.i_pre = r.array<float>(6, "iPre", r.product({a.B, a.T, a.NH}));
  a.f_pre = r.array<float>(7, "fPre", r.product({a.B, a.T, a.NH}));
  a.slots = r.slots(8, a.B, pool);
  a.h = r.array<float>(9, "h", r.product({a.B, a.T, a.NH, a.DV}));
  return [ex, a] { mlstm_step(ex, a); };
}

}  // namespace

void init_xlstm(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "slstmStep", parse_slstm_step);
  export_kernel(env, exports, "mlstmStep", parse_mlstm_step);
}

}  // namespace hashmac
