// Node-API entry points of the RetNet family: each reads the plan with the shared reader (plans/retnet.h).
#include "plans/retnet.h"

#include "binding.h"

namespace hashmac {

void init_retnet(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "rotary", plan_parser<RotaryArgs>(read_rotary<ArgReader>, rotary));
  export_kernel(env, exports, "retentionStep", plan_parser<RetentionStepArgs>(read_retention_step<ArgReader>, retention_step));
}

}  // namespace hashmac
