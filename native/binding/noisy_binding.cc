// Node-API entry point of the noisy sign projection: reads the plan with the shared reader (plans/noisy.h).
#include "plans/noisy.h"

#include "binding.h"

namespace hashmac {

void init_noisy(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "noisySignProject", plan_parser<NoisySignArgs>(read_noisy_sign_project<ArgReader>, noisy_sign_project));
}

}  // namespace hashmac
