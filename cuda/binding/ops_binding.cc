// Node-API entry points of the CUDA dense ops (cuda/ops.h): the plans are read by the shared readers
// (native/binding/plans/ops.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/ops.h"
#include "../ops.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_linear(CudaArgs& r) {
  auto a = r.args<LinearArgs>();
  read_linear(r, *a);
  return [a](CallData& c) { linear(*a, c.stream()); };
}

CudaJob parse_norm_rows(CudaArgs& r) {
  auto a = r.args<NormArgs>();
  read_norm_rows(r, *a);
  return [a](CallData& c) { norm_rows(*a, c.stream()); };
}

CudaJob parse_activation(CudaArgs& r) {
  auto a = r.args<ActivationCall>();
  read_activation(r, *a);
  return [a](CallData& c) { activation(a->kind, a->x, a->y, a->n, c.stream()); };
}

}  // namespace

void init_ops(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "linear", parse_linear);
  export_cuda_kernel(env, exports, "normRows", parse_norm_rows);
  export_cuda_kernel(env, exports, "activation", parse_activation);
}

}  // namespace hashmac::cuda
