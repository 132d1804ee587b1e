// Node-API entry points of the CUDA Mamba2 step kernels (cuda/mamba2.h): the plans are read by the
// shared readers (native/binding/plans/mamba2.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/mamba2.h"
#include "../mamba2.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_selective_state_update(CudaArgs& r) {
  auto a = r.args<SsuArgs>();
  read_selective_state_update(r, *a);
  if (a->dstate > 1024) throw r.range_error("dState: the CUDA kernel supports at most 1024");
  return [a](CallData& c) { selective_state_update(*a, c.stream()); };
}

CudaJob parse_causal_conv1d_update(CudaArgs& r) {
  auto a = r.args<ConvArgs>();
  read_causal_conv1d_update(r, *a);
  return [a](CallData& c) { causal_conv1d_update(*a, c.stream()); };
}

}  // namespace

void init_mamba2(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "selectiveStateUpdate", parse_selective_state_update);
  export_cuda_kernel(env, exports, "causalConv1dUpdate", parse_causal_conv1d_update);
}

}  // namespace hashmac::cuda
