// libFuzzer harness of the RetNet family: rotary and retention step, every SIMD path and thread count
// against the scalar single-threaded path (see fuzz_util.h), with padded slots, pools larger than the
// batch and several steps. Results are compared within a few float32 ulps of the scale.
#include "../../native/kernels/retnet.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

void fuzz_rotary(FuzzedDataProvider& in) {
  RotaryArgs a{};
  a.BT = in.ConsumeIntegralInRange<int64_t>(1, 12), a.H = in.ConsumeIntegralInRange<int64_t>(1, 4), a.Dh = 2 * in.ConsumeIntegralInRange<int64_t>(1, 40);
  std::vector<float> x = values(in, a.BT * a.H * a.Dh, -3, 3), angle = values(in, a.Dh, 0, 1);
  std::vector<int32_t> pos(a.BT);
  for (auto& p : pos) p = in.ConsumeIntegralInRange<int32_t>(0, 1 << 20);
  a.x = x.data(), a.positions = pos.data(), a.angle = angle.data();
  against_scalar("rotary", "", {}, {0, 0}, "y", x.size(), {3e-6f, 1e-5f}, [&](const Exec& ex, float*, float* y) {
    a.y = y;
    rotary(ex, a);
  });
}

void fuzz_retention(FuzzedDataProvider& in) {
  const StepCall c = step_call(in);
  RetentionStepArgs a{};
  a.B = c.batch, a.T = c.steps, a.H = in.ConsumeIntegralInRange<int64_t>(1, 3), a.Dk = 2 * in.ConsumeIntegralInRange<int64_t>(1, 20);
  a.Dv = in.ConsumeIntegralInRange<int64_t>(1, 40), a.k_scale = 1.0f / std::sqrt(static_cast<float>(a.Dk));
  const int64_t BT = c.batch * c.steps;
  std::vector<float> S = values(in, c.pool * a.H * a.Dk * a.Dv, -2, 2), scales = values(in, c.pool * a.H, 0, 10);
  std::vector<int32_t> offsets(c.pool);
  for (auto& o : offsets) o = in.ConsumeIntegralInRange<int32_t>(0, 5000);
  std::vector<float> q = values(in, BT * a.H * a.Dk, -2, 2), k = values(in, BT * a.H * a.Dk, -2, 2), v = values(in, BT * a.H * a.Dv, -2, 2);
  std::vector<float> decay = values(in, a.H, 0.5f, 0.999f), angle = values(in, a.Dk, 0, 1);
  a.q = q.data(), a.k = k.data(), a.v = v.data(), a.decay = decay.data(), a.angle = in.ConsumeBool() ? angle.data() : nullptr;
  a.slots = c.slot.data();
  std::vector<float> wS = S, wsc = scales, wo(BT * a.H * a.Dv), gS, gsc, go(wo.size());
  std::vector<int32_t> woff = offsets, goff;
  a.S = wS.data(), a.scales = wsc.data(), a.offsets = woff.data(), a.o = wo.data();
  retention_step(Exec{Isa::kScalar, 1}, a);
  for (const Exec& ex : variants()) {
    gS = S, gsc = scales, goff = offsets;
    a.S = gS.data(), a.scales = gsc.data(), a.offsets = goff.data(), a.o = go.data();
    retention_step(ex, a);
    expect_close("retention_step", ex, "S", gS, wS, 1e-4f, 1e-4f);
    expect_close("retention_step", ex, "scales", gsc, wsc, 0, 1e-6f);
    expect_close("retention_step", ex, "o", go, wo, 1e-4f, 1e-3f);
    if (goff != woff) fail("retention_step", ex, "offsets", 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fuzz_one_of(data, size, {fuzz_rotary, fuzz_retention}); }
