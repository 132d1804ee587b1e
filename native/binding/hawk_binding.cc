// Node-API entry points of the Hawk family: each reads the plan with the shared reader (plans/hawk.h).
#include "plans/hawk.h"

#include "binding.h"

namespace hashmac {

void init_hawk(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "rglruStep", plan_parser<RglruArgs>(read_rglru_step<ArgReader>, rglru_step));
  export_kernel(env, exports, "blockLinear", plan_parser<BlockLinearArgs>(read_block_linear<ArgReader>, block_linear));
}

}  // namespace hashmac
