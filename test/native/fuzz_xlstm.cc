// libFuzzer harness of the xLSTM family: sLSTM and mLSTM steps, every SIMD path and thread count against
// the scalar single-threaded path (see fuzz_util.h), with padded slots, pools larger than the batch,
// several steps and fresh states (sLSTM m = -inf). The SIMD paths use their own exp/log approximations:
// results are compared within a few float32 ulps of the scale.
#include "../../native/kernels/xlstm.h"
#include "fuzz_util.h"

using namespace fuzz;
using namespace hashmac;

namespace {

void fuzz_slstm(FuzzedDataProvider& in) {
  const StepCall c = step_call(in);
  SlstmStepArgs a{};
  a.B = c.batch, a.T = c.steps, a.NH = in.ConsumeIntegralInRange<int64_t>(1, 3), a.DH = in.ConsumeIntegralInRange<int64_t>(1, 40), a.eps = 1e-6f;
  const int64_t W = a.NH * a.DH, BT = c.batch * c.steps;
  const bool fresh = in.ConsumeBool();
  std::vector<float> y = values(in, c.pool * W, -1, 1), cc = values(in, c.pool * W, -2, 2), n = values(in, c.pool * W, 0.1f, 3), m = values(in, c.pool * W, -3, 3);
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
  const StepCall c = step_call(in);
  MlstmStepArgs a{};
  a.B = c.batch, a.T = c.steps, a.NH = in.ConsumeIntegralInRange<int64_t>(1, 3), a.eps = 1e-6f;
  a.DK = in.ConsumeIntegralInRange<int64_t>(1, 40), a.DV = in.ConsumeIntegralInRange<int64_t>(1, 40);
  const int64_t BT = c.batch * c.steps;
  std::vector<float> C = values(in, c.pool * a.NH * a.DK * a.DV, -2, 2), n = values(in, c.pool * a.NH * a.DK, -2, 2), m = values(in, c.pool * a.NH, -3, 3);
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fuzz_one_of(data, size, {fuzz_slstm, fuzz_mlstm}); }
