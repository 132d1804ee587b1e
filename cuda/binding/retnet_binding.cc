// Node-API entry points of the CUDA RetNet kernels (cuda/retnet.h). Arrays may be DeviceBuffers; every
// length and every slot is re-checked here.
#include "../retnet.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// rotary(x, positions, angle, y, R, H, Dh)
CudaJob parse_rotary(CudaArgs& r) {
  const int64_t R = r.integer(4, "R", 1), H = r.integer(5, "H", 1), Dh = r.integer(6, "Dh", 2);
  if (Dh % 2) throw r.range_error("Dh must be even");
  const int x = r.in<float>(0, "x", r.product({R, H, Dh}));
  const int pos = r.in<int32_t>(1, "positions", R);
  const int angle = r.in<float>(2, "angle", Dh);
  const int y = r.out<float>(3, "y", r.product({R, H, Dh}));
  return [=](CallData& c) {
    rotary(RotaryArgs{c.ptr<float>(x), c.ptr<int32_t>(pos), c.ptr<float>(angle), R, H, Dh, c.ptr<float>(y)}, c.stream());
  };
}

// retentionStep(S, scales, offsets, q, k, v, decay, angle|null, slots, o, Sl, batch, T, H, Dk, Dv, kScale)
CudaJob parse_retention_step(CudaArgs& r) {
  RetentionStepArgs a{};
  const int64_t Sl = r.integer(10, "poolSize", 1);
  a.B = r.integer(11, "batch", 1);
  a.T = r.integer(12, "T", 1);
  a.H = r.integer(13, "H", 1);
  a.Dk = r.integer(14, "Dk", 1);
  a.Dv = r.integer(15, "Dv", 1);
  a.k_scale = static_cast<float>(r.number(16, "kScale"));
  if (a.Dk > 256) throw r.range_error("the CUDA kernel supports Dk <= 256");
  const int64_t BT = r.product({a.B, a.T});
  const int S = r.inout<float>(0, "S", r.product({Sl, a.H, a.Dk, a.Dv}));
  const int scales = r.inout<float>(1, "scales", r.product({Sl, a.H}));
  const int offsets = r.inout<int32_t>(2, "offsets", Sl);
  const int q = r.in<float>(3, "q", r.product({BT, a.H, a.Dk}));
  const int k = r.in<float>(4, "k", r.product({BT, a.H, a.Dk}));
  const int v = r.in<float>(5, "v", r.product({BT, a.H, a.Dv}));
  const int decay = r.in<float>(6, "decay", a.H);
  const int angle = r.optional_in<float>(7, "angle", a.Dk);
  if (angle >= 0 && a.Dk % 2) throw r.range_error("Dk must be even for rotary");
  const int slots = r.slots(8, a.B, Sl);
  const int o = r.out<float>(9, "o", r.product({BT, a.H, a.Dv}));
  return [=](CallData& c) mutable {
    a.S = c.ptr<float>(S);
    a.scales = c.ptr<float>(scales);
    a.offsets = c.ptr<int32_t>(offsets);
    a.q = c.ptr<float>(q);
    a.k = c.ptr<float>(k);
    a.v = c.ptr<float>(v);
    a.decay = c.ptr<float>(decay);
    a.angle = c.ptr<float>(angle);
    a.slots = c.ptr<int32_t>(slots);
    a.o = c.ptr<float>(o);
    retention_step(a, c.stream());
  };
}

}  // namespace

void init_retnet(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "rotary", parse_rotary);
  export_cuda_kernel(env, exports, "retentionStep", parse_retention_step);
}

}  // namespace hashmac::cuda
