// libFuzzer harness of the Mamba2 family: selective state update and conv1d update, every SIMD path and
// thread count against the scalar single-threaded path (see fuzz_util.h), with padded slots, pools larger
// than the batch and several steps. The SIMD paths use their own exp approximation, so results are
// compared within a few float32 ulps of the scale.
#include "../../native/kernels/mamba2.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

void fuzz_ssu(FuzzedDataProvider& in) {
  const StepCall c = step_call(in);
  SsuArgs a{};
  a.groups = in.ConsumeIntegralInRange<int64_t>(1, 2);
  a.heads = a.groups * in.ConsumeIntegralInRange<int64_t>(1, 3);
  a.head_dim = in.ConsumeIntegralInRange<int64_t>(1, 20);
  a.dstate = in.ConsumeIntegralInRange<int64_t>(1, 40);
  a.pool = c.pool, a.batch = c.batch, a.steps = c.steps;
  a.dt_per_dim = in.ConsumeBool(), a.a_full = in.ConsumeBool(), a.d_per_dim = in.ConsumeBool(), a.bias_per_dim = a.dt_per_dim;
  a.dt_softplus = in.ConsumeBool();
  const int64_t H = a.heads, P = a.head_dim, N = a.dstate, G = a.groups, BT = c.batch * c.steps;
  std::vector<float> state = values(in, c.pool * H * P * N, -2, 2), x = values(in, BT * H * P, -2, 2);
  std::vector<float> dt = values(in, BT * H * (a.dt_per_dim ? P : 1), a.dt_softplus ? -4.0f : 0.001f, a.dt_softplus ? 2.0f : 1.0f);
  std::vector<float> A = values(in, a.a_full ? H * P * N : H, -3, -0.05f), B = values(in, BT * G * N, -2, 2), C = values(in, BT * G * N, -2, 2);
  std::vector<float> D = values(in, a.d_per_dim ? H * P : H, -1, 1), z = values(in, BT * H * P, -3, 3), bias = values(in, a.bias_per_dim ? H * P : H, -1, 1);
  const bool useD = in.ConsumeBool(), useZ = in.ConsumeBool(), useBias = in.ConsumeBool();
  a.x = x.data(), a.dt = dt.data(), a.A = A.data(), a.B = B.data(), a.C = C.data();
  a.D = useD ? D.data() : nullptr, a.z = useZ ? z.data() : nullptr, a.dt_bias = useBias ? bias.data() : nullptr;
  a.slots = c.slot.data();
  against_scalar("selective_state_update", "state", state, {1e-4f, 1e-4f}, "out", BT * H * P, {1e-3f, 1e-3f},
                 [&](const Exec& ex, float* st, float* out) {
                   a.state = st, a.out = out;
                   selective_state_update(ex, a);
                 });
}

void fuzz_conv(FuzzedDataProvider& in) {
  const StepCall c = step_call(in);
  ConvArgs a{};
  a.channels = in.ConsumeIntegralInRange<int64_t>(1, 300);
  a.width = in.ConsumeIntegralInRange<int64_t>(1, 5);
  a.length = std::max<int64_t>(1, a.width - 1 + in.ConsumeIntegralInRange<int64_t>(0, 3));
  a.pool = c.pool, a.batch = c.batch, a.steps = c.steps, a.silu = in.ConsumeBool();
  const int64_t BT = c.batch * c.steps;
  std::vector<float> state = values(in, c.pool * a.channels * a.length, -3, 3), x = values(in, BT * a.channels, -3, 3);
  std::vector<float> w = values(in, a.channels * a.width, -1, 1), bias = values(in, a.channels, -1, 1);
  a.x = x.data(), a.weight = w.data(), a.bias = in.ConsumeBool() ? bias.data() : nullptr, a.slots = c.slot.data();
  against_scalar("causal_conv1d_update", "conv_state", state, {0, 0}, "out", BT * a.channels, {1e-5f, 1e-4f},
                 [&](const Exec& ex, float* st, float* out) {
                   a.conv_state = st, a.out = out;
                   causal_conv1d_update(ex, a);
                 });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fuzz_one_of(data, size, {fuzz_ssu, fuzz_conv}); }
