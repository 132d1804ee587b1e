// Node-API entry points of the CUDA dense ops (cuda/ops.h): the CPU addon's arguments; arrays may be
// DeviceBuffers; every length is re-checked here.
#include "../ops.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// linear(x, weight, bias|null, y, M, K, N)
CudaJob parse_linear(CudaArgs& r) {
  const int64_t M = r.integer(4, "M", 1), K = r.integer(5, "K", 1), N = r.integer(6, "N", 1);
  const int x = r.in<float>(0, "x", r.product({M, K}));
  const int w = r.in<float>(1, "weight", r.product({N, K}));
  const int bias = r.optional_in<float>(2, "bias", N);
  const int y = r.out<float>(3, "y", r.product({M, N}));
  return [=](CallData& c) { linear(LinearArgs{c.ptr<float>(x), c.ptr<float>(w), c.ptr<float>(bias), c.ptr<float>(y), M, K, N}, c.stream()); };
}

// normRows(x, weight|null, bias|null, y, rows, D, groups, eps, center)
CudaJob parse_norm_rows(CudaArgs& r) {
  NormArgs a{};
  a.rows = r.integer(4, "rows", 1);
  a.D = r.integer(5, "D", 1);
  a.groups = r.integer(6, "groups", 1);
  if (a.D % a.groups) throw r.range_error("groups must divide D");
  a.eps = static_cast<float>(r.number(7, "eps"));
  a.center = r.boolean(8, "center");
  const int64_t n = r.product({a.rows, a.D});
  const int x = r.in<float>(0, "x", n);
  const int weight = r.optional_in<float>(1, "weight", a.D);
  const int bias = r.optional_in<float>(2, "bias", a.D);
  const int y = r.out<float>(3, "y", n);
  return [=](CallData& c) mutable {
    a.x = c.ptr<float>(x);
    a.weight = c.ptr<float>(weight);
    a.bias = c.ptr<float>(bias);
    a.y = c.ptr<float>(y);
    norm_rows(a, c.stream());
  };
}

// activation(x, y, n, kind): kind 0 silu, 1 gelu, 2 relu
CudaJob parse_activation(CudaArgs& r) {
  const int64_t n = r.integer(2, "n", 1), kind = r.integer(3, "kind", 0);
  if (kind > 2) throw r.range_error("kind: expected 0 (silu), 1 (gelu) or 2 (relu)");
  const int x = r.in<float>(0, "x", n);
  const int y = r.out<float>(1, "y", n);
  return [=](CallData& c) { activation(static_cast<Activation>(kind), c.ptr<float>(x), c.ptr<float>(y), n, c.stream()); };
}

}  // namespace

void init_ops(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "linear", parse_linear);
  export_cuda_kernel(env, exports, "normRows", parse_norm_rows);
  export_cuda_kernel(env, exports, "activation", parse_activation);
}

}  // namespace hashmac::cuda
