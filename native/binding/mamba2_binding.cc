// Node-API entry points of the Mamba2 family: each reads the plan with the shared reader (plans/mamba2.h).
#include "plans/mamba2.h"

#include "binding.h"

namespace hashmac {

void init_mamba2(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "selectiveStateUpdate", plan_parser<SsuArgs>(read_selective_state_update<ArgReader>, selective_state_update));
  export_kernel(env, exports, "causalConv1dUpdate", plan_parser<ConvArgs>(read_causal_conv1d_update<ArgReader>, causal_conv1d_update));
}

}  // namespace hashmac
