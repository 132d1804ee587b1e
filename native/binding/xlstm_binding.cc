// Node-API entry points of the xLSTM family: each reads the plan with the shared reader (plans/xlstm.h).
#include "plans/xlstm.h"

#include "binding.h"

namespace hashmac {

void init_xlstm(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "slstmStep", plan_parser<SlstmStepArgs>(read_slstm_step<ArgReader>, slstm_step));
  export_kernel(env, exports, "mlstmStep", plan_parser<MlstmStepArgs>(read_mlstm_step<ArgReader>, mlstm_step));
}

}  // namespace hashmac
