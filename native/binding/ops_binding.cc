// Node-API entry points of the ops family: each reads the plan with the shared reader (plans/ops.h).
#include "plans/ops.h"

#include "binding.h"

namespace hashmac {

void init_ops(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "linear", plan_parser<LinearArgs>(read_linear<ArgReader>, linear));
  export_kernel(env, exports, "normRows", plan_parser<NormArgs>(read_norm_rows<ArgReader>, norm_rows));
  export_kernel(env, exports, "activation", plan_parser<ActivationCall>(read_activation<ArgReader>, [](const Exec& ex, const ActivationCall& a) {
    activation(ex, a.kind, a.x, a.y, a.n);
  }));
}

}  // namespace hashmac
