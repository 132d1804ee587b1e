// libFuzzer harness of the recurrent-b family: rotary, retention step, sLSTM and mLSTM steps, every
// SIMD path and thread count against the scalar single-threaded path (see fuzz_util.h), with padded
// slots, pools larger than the batch, several steps and fresh states (sLSTM m = -inf). The SIMD paths
// use their own exp/log/sin approximations: results are compared within a few float32 ulps of the scale.
#include "../../native/kernels/recurrent_b.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

struct Call {
  int64_t B, T, S;
  std::vector<int32_t> slot;
};

Call call(FuzzedDataProvider& in) {
  Call c;
  c.B = in.ConsumeIntegralInRange<int64_t>(1, 6);
  c.T = in.ConsumeIntegralInRange<int64_t>(1, 3);
  c.S = c.B + in.ConsumeIntegralInRange<int64_t>(0, 3);
  c.slot = slots(in, c.B, c.S);
  return c;
}

void fuzz_rotary(FuzzedDataProvider& in) {
  RotaryArgs a{};
  a.BT = in.ConsumeIntegralInRange<int64_t>(1, 12), a.H = in.ConsumeIntegralInRange<int64_t>(1, 4), a.Dh = 2 * in.ConsumeIntegralInRange<int64_t>(1, 40);
  std::vector<float> x = values(in, a.BT * a.H * a.Dh, -3, 3), angle = values(in, a.Dh, 0, 1);
  std::vector<int32_t> pos(a.BT);
  for (auto& p : pos) p = in.ConsumeIntegralInRange<int32_t>(0, 1 << 20);
  a.x = x.data(), a.positions = pos.data(), a.angle = angle.data();
  std::vector<float> want(x.size()), got(x.size());
  a.y = want.data();
  rotary(Exec{Isa::kScalar, 1}, a);
  for (const Exec& ex : variants()) {
    a.y = got.data();
    rotary(ex, a);
    expect_close("rotary", ex, "y", got, want, 3e-6f, 1e-5f);
  }
}

void fuzz_retention(FuzzedDataProvider& in) {
  const Call c = call(in);
  RetentionStepArgs a{};
  a.B = c.B, a.T = c.T, a.H = in.ConsumeIntegralInRange<int64_t>(1, 3), a.Dk = 2 * in.ConsumeIntegralInRange<int64_t>(1, 20);
  a.Dv = in.ConsumeIntegralInRange<int64_t>(1, 40), a.k_scale = 1.0f / std::sqrt(static_cast<float>(a.Dk));
  const int64_t BT = c.B * c.T;
  std::vector<float> S = values(in, c.S * a.H * a.Dk * a.Dv, -2, 2), scales = values(in, c.S * a.H, 0, 10);
  std::vector<int32_t> offsets(c.S);
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

void fuzz_slstm(FuzzedDataProvider& in) {
  const Call c = call(in);
  SlstmStepArgs a{};
  a.B = c.B, a.T = c.T, a.NH = in.ConsumeIntegralInRange<int64_t>(1, 3), a.DH = in.ConsumeIntegralInRange<int64_t>(1, 40), a.eps = 1e-6f;
  const int64_t W = a.NH * a.DH, BT = c.B * c.T;
  const bool fresh = in.ConsumeBool();
  std::vector<float> y = values(in, c.S * W, -1, 1), cc = values(in, c.S * W, -2, 2), n = values(in, c.S * W, 0.1f, 3), m = values(in, c.S * W, -3, 3);
  if (fresh) {
    std::fill(y.begin(), y.end(), 0.0f), std::fill(cc.begin(), cc.end(), 0.0f), std::fill(n.begin(), n.end(), 0.0f);
    std::fill(m.begin(), m.end(), -INFINITY);
  }
  std::vector<float> wx = values(in, BT * 4 * W, -3, 3), R = values(in, 4 * W * a.DH, -0.5f, 0.5f), rb = values(in, 4 * W, -1, 1);
  a.wx = wx.data(), a.R = R.data(), a.r_bias = in.ConsumeBool() ? rb.data() : nullptr, a.slots = c.slot.data();
  std::vector<float> wy = y, wc = cc, wn = n, wm = m, wh(BT * W), gy, gc, gn, gm, gh(wh.size());
  a.y = wy.data(), a.c = wc.data(), a.n = wn.data(), a.m = wm.data(), a.h = wh.data();
  slstm_step(Exec{Isa::kScalar, 1}, a);
  for (const Exec& ex : variants()) {
    gy = y, gc = cc, gn = n, gm = m;
    a.y = gy.data(), a.c = gc.data(), a.n = gn.data(), a.m = gm.data(), a.h = gh.data();
    slstm_step(ex, a);
    expect_close("slstm_step", ex, "h", gh, wh, 1e-4f, 1e-3f);
    expect_close("slstm_step", ex, "c", gc, wc, 1e-4f, 1e-3f);
    expect_close("slstm_step", ex, "n", gn, wn, 1e-4f, 1e-3f);
    expect_close("slstm_step", ex, "m", gm, wm, 1e-4f, 1e-4f);
  }
}

void fuzz_mlstm(FuzzedDataProvider& in) {
  const Call c = call(in);
  MlstmStepArgs a{};
  a.B = c.B, a.T = c.T, a.NH = in.ConsumeIntegralInRange<int64_t>(1, 3), a.eps = 1e-6f;
  a.DK = in.ConsumeIntegralInRange<int64_t>(1, 40), a.DV = in.ConsumeIntegralInRange<int64_t>(1, 40);
  const int64_t BT = c.B * c.T;
  std::vector<float> C = values(in, c.S * a.NH * a.DK * a.DV, -2, 2), n = values(in, c.S * a.NH * a.DK, -2, 2), m = values(in, c.S * a.NH, -3, 3);
  std::vector<float> q = values(in, BT * a.NH * a.DK, -2, 2), k = values(in, BT * a.NH * a.DK, -2, 2), v = values(in, BT * a.NH * a.DV, -2, 2);
  std::vector<float> ip = values(in, BT * a.NH, -4, 4), fp = values(in, BT * a.NH, -4, 6);
  a.q = q.data(), a.k = k.data(), a.v = v.data(), a.i_pre = ip.data(), a.f_pre = fp.data(), a.slots = c.slot.data();
  std::vector<float> wC = C, wn = n, wm = m, wh(BT * a.NH * a.DV), gC, gn, gm, gh(wh.size());
  a.C = wC.data(), a.n = wn.data(), a.m = wm.data(), a.h = wh.data();
  mlstm_step(Exec{Isa::kScalar, 1}, a);
  float scale = 1;
  for (float h : wh) scale = std::max(scale, std::fabs(h));
  for (const Exec& ex : variants()) {
    gC = C, gn = n, gm = m;
    a.C = gC.data(), a.n = gn.data(), a.m = gm.data(), a.h = gh.data();
    mlstm_step(ex, a);
    expect_close("mlstm_step", ex, "C", gC, wC, 1e-4f, 1e-3f);
    expect_close("mlstm_step", ex, "n", gn, wn, 1e-4f, 1e-3f);
    expect_close("mlstm_step", ex, "m", gm, wm, 1e-5f, 1e-5f);
    expect_close("mlstm_step", ex, "h", gh, wh, 1e-4f * scale, 1e-3f);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: fuzz_rotary(in); break;
    case 1: fuzz_retention(in); break;
    case 2: fuzz_slstm(in); break;
    default: fuzz_mlstm(in); break;
  }
  return 0;
}
