// Node-API entry point of the CUDA noisy sign projection (cuda/noisy.h): the plan is read by the shared
// reader (native/binding/plans/noisy.h); arrays may be DeviceBuffers.
#include "../../native/binding/plans/noisy.h"
#include "../noisy.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

CudaJob parse_noisy_sign_project(CudaArgs& r) {
  auto a = r.args<NoisySignArgs>();
  read_noisy_sign_project(r, *a);
  return [a](CallData& c) { noisy_sign_project(*a, c.stream()); };
}

}  // namespace

void init_noisy(Napi::Env env, Napi::Object exports) { export_cuda_kernel(env, exports, "noisySignProject", parse_noisy_sign_project); }

}  // namespace hashmac::cuda
