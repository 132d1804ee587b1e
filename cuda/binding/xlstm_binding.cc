// Node-API entry points of the CUDA xLSTM cells (cuda/xlstm.h): the plans are read by the shared
// readers (native/binding/plans/xlstm.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/xlstm.h"
#include "../xlstm.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_slstm_step(CudaArgs& r) {
  auto a = r.args<SlstmStepArgs>();
  read_slstm_step(r, *a);
  if (a->DH > 4096) throw r.range_error("headDim: the CUDA kernel supports at most 4096");
  return [a](CallData& c) { slstm_step(*a, c.stream()); };
}

CudaJob parse_mlstm_step(CudaArgs& r) {
  auto a = r.args<MlstmStepArgs>();
  read_mlstm_step(r, *a);
  if (a->DK > 256) throw r.range_error("keyDim: the CUDA kernel supports at most 256");
  return [a](CallData& c) { mlstm_step(*a, c.stream()); };
}

}  // namespace

void init_xlstm(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "slstmStep", parse_slstm_step);
  export_cuda_kernel(env, exports, "mlstmStep", parse_mlstm_step);
}

}  // namespace hashmac::cuda
