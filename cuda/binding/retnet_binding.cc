// Node-API entry points of the CUDA RetNet kernels (cuda/retnet.h): the plans are read by the shared
// readers (native/binding/plans/retnet.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/retnet.h"
#include "../retnet.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_rotary(CudaArgs& r) {
  auto a = r.args<RotaryArgs>();
  read_rotary(r, *a);
  return [a](CallData& c) { rotary(*a, c.stream()); };
}

CudaJob parse_retention_step(CudaArgs& r) {
  auto a = r.args<RetentionStepArgs>();
  read_retention_step(r, *a);
  if (a->Dk > 256) throw r.range_error("keyDim: the CUDA kernel supports at most 256");
  return [a](CallData& c) { retention_step(*a, c.stream()); };
}

}  // namespace

void init_retnet(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "rotary", parse_rotary);
  export_cuda_kernel(env, exports, "retentionStep", parse_retention_step);
}

}  // namespace hashmac::cuda
