// Node-API entry points of the CUDA Hawk kernels (cuda/hawk.h). Arrays may be DeviceBuffers; every
// length and every slot is re-checked here.
#include "../hawk.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// rglruStep(h, x, gateX, gateA, a, reset|null, slots, out, S, W, batch, T, c, softplusA)
CudaJob parse_rglru_step(CudaArgs& r) {
  RglruArgs a{};
  a.pool = r.integer(8, "poolSize", 1);
  a.width = r.integer(9, "width", 1);
  a.batch = r.integer(10, "batch", 1);
  a.steps = r.integer(11, "steps", 1);
  a.c = static_cast<float>(r.number(12, "c"));
  a.softplus_a = r.boolean(13, "softplusA");
  const int64_t BTW = r.product({a.batch, a.steps, a.width});
  const int h = r.inout<float>(0, "h", r.product({a.pool, a.width}));
  const int x = r.in<float>(1, "x", BTW);
  const int gx = r.in<float>(2, "gateX", BTW);
  const int ga = r.in<float>(3, "gateA", BTW);
  const int aw = r.in<float>(4, "a", a.width);
  const int reset = r.optional_in<uint8_t>(5, "reset", r.product({a.batch, a.steps}));
  const int slots = r.slots(6, a.batch, a.pool);
  const int out = r.out<float>(7, "out", BTW);
  return [=](CallData& d) mutable {
    a.h = d.ptr<float>(h);
    a.x = d.ptr<float>(x);
    a.gate_x = d.ptr<float>(gx);
    a.gate_a = d.ptr<float>(ga);
    a.a = d.ptr<float>(aw);
    a.reset = d.ptr<uint8_t>(reset);
    a.slots = d.ptr<int32_t>(slots);
    a.out = d.ptr<float>(out);
    rglru_step(a, d.stream());
  };
}

// blockLinear(x, weight, bias|null, y, R, nb, bi, bo)
CudaJob parse_block_linear(CudaArgs& r) {
  const int64_t R = r.integer(4, "R", 1), nb = r.integer(5, "nb", 1), bi = r.integer(6, "bi", 1), bo = r.integer(7, "bo", 1);
  const int x = r.in<float>(0, "x", r.product({R, nb, bi}));
  const int w = r.in<float>(1, "weight", r.product({nb, bo, bi}));
  const int bias = r.optional_in<float>(2, "bias", r.product({nb, bo}));
  const int y = r.out<float>(3, "y", r.product({R, nb, bo}));
  return [=](CallData& d) {
    block_linear(BlockLinearArgs{d.ptr<float>(x), d.ptr<float>(w), d.ptr<float>(bias), R, nb, bi, bo, d.ptr<float>(y)}, d.stream());
  };
}

}  // namespace

void init_hawk(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "rglruStep", parse_rglru_step);
  export_cuda_kernel(env, exports, "blockLinear", parse_block_linear);
}

}  // namespace hashmac::cuda
