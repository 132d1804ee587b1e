// Node-API entry points of the CUDA xLSTM cells (cuda/xlstm.h). Arrays may be DeviceBuffers; every
// length and every slot is re-checked here.
#include "../xlstm.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// slstmStep(y, c, n, m, wx, R, rBias|null, slots, h, S, batch, T, NH, DH, eps)
CudaJob parse_slstm_step(CudaArgs& r) {
  SlstmStepArgs a{};
  const int64_t S = r.integer(9, "poolSize", 1);
  a.B = r.integer(10, "batch", 1);
  a.T = r.integer(11, "T", 1);
  a.NH = r.integer(12, "NH", 1);
  a.DH = r.integer(13, "DH", 1);
  a.eps = static_cast<float>(r.number(14, "eps"));
  if (a.DH > 4096) throw r.range_error("the CUDA kernel supports DH <= 4096");
  const int64_t W = r.product({a.NH, a.DH}), BT = r.product({a.B, a.T});
  const int y = r.inout<float>(0, "y", r.product({S, W}));
  const int c = r.inout<float>(1, "c", r.product({S, W}));
  const int n = r.inout<float>(2, "n", r.product({S, W}));
  const int m = r.inout<float>(3, "m", r.product({S, W}));
  const int wx = r.in<float>(4, "wx", r.product({BT, 4, W}));
  const int R = r.in<float>(5, "R", r.product({4, a.NH, a.DH, a.DH}));
  const int rb = r.optional_in<float>(6, "rBias", r.product({4, W}));
  const int slots = r.slots(7, a.B, S);
  const int out = r.out<float>(8, "out", r.product({BT, W}));
  return [=](CallData& d) mutable {
    a.y = d.ptr<float>(y);
    a.c = d.ptr<float>(c);
    a.n = d.ptr<float>(n);
    a.m = d.ptr<float>(m);
    a.wx = d.ptr<float>(wx);
    a.R = d.ptr<float>(R);
    a.r_bias = d.ptr<float>(rb);
    a.slots = d.ptr<int32_t>(slots);
    a.h = d.ptr<float>(out);
    slstm_step(a, d.stream());
  };
}

// mlstmStep(C, n, m, q, k, v, iPre, fPre, slots, h, S, batch, T, NH, DK, DV, eps)
CudaJob parse_mlstm_step(CudaArgs& r) {
  MlstmStepArgs a{};
  const int64_t S = r.integer(10, "poolSize", 1);
  a.B = r.integer(11, "batch", 1);
  a.T = r.integer(12, "T", 1);
  a.NH = r.integer(13, "NH", 1);
  a.DK = r.integer(14, "DK", 1);
  a.DV = r.integer(15, "DV", 1);
  a.eps = static_cast<float>(r.number(16, "eps"));
  if (a.DK > 256) throw r.range_error("the CUDA kernel supports DK <= 256");
  const int64_t BT = r.product({a.B, a.T});
  const int C = r.inout<float>(0, "C", r.product({S, a.NH, a.DK, a.DV}));
  const int n = r.inout<float>(1, "n", r.product({S, a.NH, a.DK}));
  const int m = r.inout<float>(2, "m", r.product({S, a.NH}));
  const int q = r.in<float>(3, "q", r.product({BT, a.NH, a.DK}));
  const int k = r.in<float>(4, "k", r.product({BT, a.NH, a.DK}));
  const int v = r.in<float>(5, "v", r.product({BT, a.NH, a.DV}));
  const int ip = r.in<float>(6, "iPre", r.product({BT, a.NH}));
  const int fp = r.in<float>(7, "fPre", r.product({BT, a.NH}));
  const int slots = r.slots(8, a.B, S);
  const int h = r.out<float>(9, "h", r.product({BT, a.NH, a.DV}));
  return [=](CallData& d) mutable {
    a.C = d.ptr<float>(C);
    a.n = d.ptr<float>(n);
    a.m = d.ptr<float>(m);
    a.q = d.ptr<float>(q);
    a.k = d.ptr<float>(k);
    a.v = d.ptr<float>(v);
    a.i_pre = d.ptr<float>(ip);
    a.f_pre = d.ptr<float>(fp);
    a.slots = d.ptr<int32_t>(slots);
    a.h = d.ptr<float>(h);
    mlstm_step(a, d.stream());
  };
}

}  // namespace

void init_xlstm(Napi::Env env, Napi::Object exports) {
  export_cuda_kernel(env, exports, "slstmStep", parse_slstm_step);
  export_cuda_kernel(env, exports, "mlstmStep", parse_mlstm_step);
}

}  // namespace hashmac::cuda
