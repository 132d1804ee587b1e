// Node-API entry points of the Mamba2 family. The TypeScript layer (lib/native/mamba2.ts) validates
// shapes and passes sizes explicitly; these readers re-check every buffer length and every slot, so no
// call can read or write out of bounds (or race on one pool row) even when the addon is called directly.
#include "../kernels/mamba2.h"

#include "binding.h"

namespace hashmac {
namespace {

// selectiveStateUpdate(state, x, dt, A, B, C, D|null, z|null, dtBias|null, slots, out,
//                      pool, heads, headDim, dState, groups, batch, steps,
//                      dtPerDim, aFull, dPerDim, biasPerDim, dtSoftplus)
Job parse_ssu(ArgReader& r, const Exec& ex) {
  SsuArgs a{};
  a.pool = r.integer(11, "pool", 1);
  a.heads = r.integer(12, "heads", 1);
  a.head_dim = r.integer(13, "headDim", 1);
  a.dstate = r.integer(14, "dState", 1);
  a.groups = r.integer(15, "groups", 1);
  a.batch = r.integer(16, "batch", 1);
  a.steps = r.integer(17, "steps", 1);
  if (a.heads % a.groups) throw r.range_error("groups must divide heads");
  a.dt_per_dim = r.boolean(18, "dtPerDim");
  a.a_full = r.boolean(19, "aFull");
  a.d_per_dim = r.boolean(20, "dPerDim");
  a.bias_per_dim = r.boolean(21, "biasPerDim");
  a.dt_softplus = r.boolean(22, "dtSoftplus");
  const int64_t H = a.heads, P = a.head_dim, N = a.dstate, rows = r.product({a.batch, a.steps});
  a.state = r.array<float>(0, "state", r.product({a.pool, H, P, N}));
  a.x = r.array<float>(1, "x", r.product({rows, H, P}));
  a.dt = r.array<float>(2, "dt", r.product({rows, H, a.dt_per_dim ? P : 1}));
  a.A = r.array<float>(3, "A", a.a_full ? r.product({H, P, N}) : H);
  a.B = r.array<float>(4, "B", r.product({rows, a.groups, N}));
  a.C = r.array<float>(5, "C", r.product({rows, a.groups, N}));
  a.D = r.optional_array<float>(6, "D", a.d_per_dim ? r.product({H, P}) : H);
  a.z = r.optional_array<float>(7, "z", r.product({rows, H, P}));
  a.dt_bias = r.optional_array<float>(8, "dtBias", a.bias_per_dim ? r.product({H, P}) : H);
  a.slots = r.slots(9, a.batch, a.pool);
  a.out = r.array<float>(10, "out", r.product({rows, H, P}));
  return [ex, a] { selective_state_update(ex, a); };
}

// causalConv1dUpdate(convState, x, weight, bias|null, slots, out, pool, channels, length, width, batch, steps, silu)
Job parse_conv(ArgReader& r, const Exec& ex) {
  ConvArgs a{};
  a.pool = r.integer(6, "pool", 1);
  a.channels = r.integer(7, "channels", 1);
  a.length = r.integer(8, "length", 1);
  a.width = r.integer(9, "width", 1);
  a.batch = r.integer(10, "batch", 1);
  a.steps = r.integer(11, "steps", 1);
  a.silu = r.boolean(12, "silu");
  if (a.width > a.length + 1) throw r.range_error("width must be <= length + 1");
  const int64_t rows = r.product({a.batch, a.steps});
  a.conv_state = r.array<float>(0, "convState", r.product({a.pool, a.channels, a.length}));
  a.x = r.array<float>(1, "x", r.product({rows, a.channels}));
  a.weight = r.array<float>(2, "weight", r.product({a.channels, a.width}));
  a.bias = r.optional_array<float>(3, "bias", a.channels);
  a.slots = r.slots(4, a.batch, a.pool);
  a.out = r.array<float>(5, "out", r.product({rows, a.channels}));
  return [ex, a] { causal_conv1d_update(ex, a); };
}

}  // namespace

void init_mamba2(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "selectiveStateUpdate", parse_ssu);
  export_kernel(env, exports, "causalConv1dUpdate", parse_conv);
}

}  // namespace hashmac
