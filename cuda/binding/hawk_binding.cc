// Node-API entry points of the CUDA Hawk kernels (cuda/hawk.h): the plans are read by the shared
// readers (native/binding/plans/hawk.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/hawk.h"
#include "../hawk.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_rglru_step(CudaArgs& r) {
  auto a = r.args<RglruArgs>();
  read_rglru_step(r, *a);
  return [a](CallData& c) { rglru_step(*a, c.stream()); };
}

CudaJob parse_block_linear(CudaArgs& r) {
  auto a = r.args<BlockLinearArgs>();
  read_block_linear(r, *a);
  return [a](CallData& c) { block_linear(*a, c.stream()); };
}

}  // namespace

void init_hawk(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "rglruStep", parse_rglru_step);
  export_cuda_kernel(env, exports, "blockLinear", parse_block_linear);
}

}  // namespace hashmac::cuda
