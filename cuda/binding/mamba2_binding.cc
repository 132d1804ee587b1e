// Node-API entry points of the CUDA Mamba2 step kernels (cuda/mamba2.h). Arrays may be DeviceBuffers;
// every length and every slot is re-checked here.
#include "../mamba2.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// selectiveStateUpdate(state, x, dt, A, B, C, D|null, z|null, dtBias|null, slots, out,
//                      S, H, P, N, G, batch, T, dtPerP, aFull, dPerP, dtBiasPerP, dtSoftplus)
CudaJob parse_selective_state_update(CudaArgs& r) {
  SsuArgs s{};
  s.pool = r.integer(11, "poolSize", 1);
  s.heads = r.integer(12, "heads", 1);
  s.head_dim = r.integer(13, "headDim", 1);
  s.dstate = r.integer(14, "dState", 1);
  s.groups = r.integer(15, "groups", 1);
  s.batch = r.integer(16, "batch", 1);
  s.steps = r.integer(17, "steps", 1);
  if (s.heads % s.groups) throw r.range_error("H must be a multiple of G");
  if (s.dstate > 1024) throw r.range_error("the CUDA kernel supports N <= 1024");
  s.dt_per_dim = r.boolean(18, "dtPerP");
  s.a_full = r.boolean(19, "aFull");
  s.d_per_dim = r.boolean(20, "dPerP");
  s.bias_per_dim = r.boolean(21, "dtBiasPerP");
  s.dt_softplus = r.boolean(22, "dtSoftplus");
  const int64_t BT = r.product({s.batch, s.steps});
  const int state = r.inout<float>(0, "state", r.product({s.pool, s.heads, s.head_dim, s.dstate}));
  const int x = r.in<float>(1, "x", r.product({BT, s.heads, s.head_dim}));
  const int dt = r.in<float>(2, "dt", r.product({BT, s.heads, s.dt_per_dim ? s.head_dim : 1}));
  const int A = r.in<float>(3, "A", s.a_full ? r.product({s.heads, s.head_dim, s.dstate}) : s.heads);
  const int Bm = r.in<float>(4, "B", r.product({BT, s.groups, s.dstate}));
  const int Cm = r.in<float>(5, "C", r.product({BT, s.groups, s.dstate}));
  const int D = r.optional_in<float>(6, "D", s.d_per_dim ? r.product({s.heads, s.head_dim}) : s.heads);
  const int z = r.optional_in<float>(7, "z", r.product({BT, s.heads, s.head_dim}));
  const int dt_bias = r.optional_in<float>(8, "dtBias", s.bias_per_dim ? r.product({s.heads, s.head_dim}) : s.heads);
  const int slots = r.slots(9, s.batch, s.pool);
  const int out = r.out<float>(10, "out", r.product({BT, s.heads, s.head_dim}));
  return [=](CallData& c) mutable {
    s.state = c.ptr<float>(state);
    s.x = c.ptr<float>(x);
    s.dt = c.ptr<float>(dt);
    s.A = c.ptr<float>(A);
    s.B = c.ptr<float>(Bm);
    s.C = c.ptr<float>(Cm);
    s.D = c.ptr<float>(D);
    s.z = c.ptr<float>(z);
    s.dt_bias = c.ptr<float>(dt_bias);
    s.slots = c.ptr<int32_t>(slots);
    s.out = c.ptr<float>(out);
    selective_state_update(s, c.stream());
  };
}

// causalConv1dUpdate(convState, x, weight, bias|null, slots, out, S, C, L, W, batch, T, silu)
CudaJob parse_causal_conv1d_update(CudaArgs& r) {
  ConvArgs a{};
  a.pool = r.integer(6, "poolSize", 1);
  a.channels = r.integer(7, "channels", 1);
  a.length = r.integer(8, "length", 1);
  a.width = r.integer(9, "width", 1);
  a.batch = r.integer(10, "batch", 1);
  a.steps = r.integer(11, "steps", 1);
  if (a.length < a.width - 1) throw r.range_error("the state length L must be at least W - 1");
  a.silu = r.boolean(12, "silu");
  const int64_t BT = r.product({a.batch, a.steps});
  const int state = r.inout<float>(0, "convState", r.product({a.pool, a.channels, a.length}));
  const int x = r.in<float>(1, "x", r.product({BT, a.channels}));
  const int weight = r.in<float>(2, "weight", r.product({a.channels, a.width}));
  const int bias = r.optional_in<float>(3, "bias", a.channels);
  const int slots = r.slots(4, a.batch, a.pool);
  const int out = r.out<float>(5, "out", r.product({BT, a.channels}));
  return [=](CallData& c) mutable {
    a.x = c.ptr<float>(x);
    a.conv_state = c.ptr<float>(state);
    a.weight = c.ptr<float>(weight);
    a.bias = c.ptr<float>(bias);
    a.slots = c.ptr<int32_t>(slots);
    a.out = c.ptr<float>(out);
    causal_conv1d_update(a, c.stream());
  };
}

}  // namespace

void init_mamba2(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "selectiveStateUpdate", parse_selective_state_update);
  export_cuda_kernel(env, exports, "causalConv1dUpdate", parse_causal_conv1d_update);
}

}  // namespace hashmac::cuda
