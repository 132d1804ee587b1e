// libFuzzer harness of the Hawk family: RG-LRU step and block linear, every SIMD path and thread count
// against the scalar single-threaded path (see fuzz_util.h), with padded slots, pools larger than the
// batch and several steps. The SIMD paths use their own exp approximation, so results are compared
// within a few float32 ulps of the scale.
#include "../../native/kernels/hawk.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

void fuzz_rglru(FuzzedDataProvider& in) {
  const StepCall c = step_call(in);
  RglruArgs a{};
  a.width = in.ConsumeIntegralInRange<int64_t>(1, 1100);
  a.pool = c.pool, a.batch = c.batch, a.steps = c.steps, a.c = 8.0f, a.softplus_a = in.ConsumeBool();
  const int64_t BT = c.batch * c.steps;
  std::vector<float> h = values(in, c.pool * a.width, -2, 2), x = values(in, BT * a.width, -3, 3);
  // gate_a within +-4 keeps a_t away from 1, where 1 - a_t^2 cancels in float32 on every path alike.
  std::vector<float> gx = values(in, BT * a.width, -6, 6), ga = values(in, BT * a.width, -4, 4);
  std::vector<float> av = values(in, a.width, a.softplus_a ? -4.0f : 0.01f, a.softplus_a ? 4.0f : 0.999f);
  std::vector<uint8_t> reset(BT);
  for (auto& r : reset) r = in.ConsumeBool();
  a.x = x.data(), a.gate_x = gx.data(), a.gate_a = ga.data(), a.a = av.data(), a.reset = in.ConsumeBool() ? reset.data() : nullptr;
  a.slots = c.slot.data();
  against_scalar("rglru_step", "h", h, {1e-4f, 1e-3f}, "out", BT * a.width, {1e-4f, 1e-3f}, [&](const Exec& ex, float* st, float* out) {
    a.h = st, a.out = out;
    rglru_step(ex, a);
  });
}

void fuzz_block_linear(FuzzedDataProvider& in) {
  BlockLinearArgs a{};
  a.rows = in.ConsumeIntegralInRange<int64_t>(1, 40), a.blocks = in.ConsumeIntegralInRange<int64_t>(1, 6);
  a.block_in = in.ConsumeIntegralInRange<int64_t>(1, 70), a.block_out = in.ConsumeIntegralInRange<int64_t>(1, 40);
  std::vector<float> x = values(in, a.rows * a.blocks * a.block_in, -2, 2), w = values(in, a.blocks * a.block_out * a.block_in, -1, 1);
  std::vector<float> bias = values(in, a.blocks * a.block_out, -1, 1);
  a.x = x.data(), a.weight = w.data(), a.bias = in.ConsumeBool() ? bias.data() : nullptr;
  against_scalar("block_linear", "", {}, {0, 0}, "y", a.rows * a.blocks * a.block_out, {1e-4f, 1e-4f}, [&](const Exec& ex, float*, float* y) {
    a.y = y;
    block_linear(ex, a);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fuzz_one_of(data, size, {fuzz_rglru, fuzz_block_linear}); }
