// The streaming model executor: every layer of lib/stream/model.ts and lib/stream/layers/*.ts, the same
// kernels called in the same order on the same values, so the result is the JS composition's without a
// crossing into JS per op. The glue between kernels (column splits, residual adds, gate products) is
// done the way the JS does it (float64 arithmetic rounded once to float32), so it matches bit for bit.
#include "stream_executor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

#include "hawk.h"
#include "mamba2.h"
#include "ops.h"
#include "parallel.h"
#include "retnet.h"
#include "stream_executor_isa.h"
#include "xlstm.h"

namespace hashmac {
namespace stream_exec {

namespace {

constexpr int64_t kMambaHeadSize = 64;
constexpr int64_t kMambaState = 128;
constexpr int64_t kConvWidth = 4;
constexpr int64_t kConvLength = kConvWidth - 1;
constexpr float kHawkC = 8.0f;
constexpr float kFloat32Eps = 1.1920928955078125e-7f;  // 2^-23, torch.finfo(float32).eps (nn.RMSNorm default)
constexpr float kTorchNormEps = 1e-5f;                  // nn.LayerNorm / nn.GroupNorm default
constexpr float kMambaNormEps = 1e-5f;
constexpr float kRetNetNormEps = 1e-6f;
constexpr float kXlstmCellEps = 1e-6f;

}  // namespace

uint16_t to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

// Work buffers of one tower, one per role, grown on demand and reused across calls.
struct Executor::Workspace {
  std::vector<std::vector<float>> bufs;
  float* get(int id, int64_t floats) {
    if (static_cast<size_t>(id) >= bufs.size()) bufs.resize(static_cast<size_t>(id) + 1);
    std::vector<float>& b = bufs[static_cast<size_t>(id)];
    if (b.size() < static_cast<size_t>(floats)) b.resize(static_cast<size_t>(floats));
    return b.data();
  }
};

namespace {

using Ws = Executor::Workspace;

// Buffer roles. The tower's own (kX ... kY) stay live across its blocks; the layer scratch ids are
// reused by every layer kind.
enum Buf : int { kUp, kX, kNorm, kHid, kLayerOut, kMlpOut, kY, kS0, kS1, kS2, kS3, kS4, kS5, kS6, kS7, kS8, kS9, kS10, kAfterS };

// ---- glue, as lib/stream/rows.ts computes it (float64, one rounding) ----

void copy_columns(const float* src, int64_t rows, int64_t stride, int64_t start, int64_t width, float* out) {
  for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * width, src + r * stride + start, static_cast<size_t>(width) * sizeof(float));
}

void add_in_place(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = static_cast<float>(static_cast<double>(a[i]) + static_cast<double>(b[i]));
}

void mul_in_place(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = static_cast<float>(static_cast<double>(a[i]) * static_cast<double>(b[i]));
}

// ---- kernels over all token rows ----

struct Ctx {
  Exec ex;
  const RunArgs* run;
  Ws* ws;
  int64_t n;  // tokens
  int64_t capacity;
};

// The state kernels run once per group of the call (Group: B symbols x T steps on pool rows `slots`, token
// rows from row0). `a` holds a layer's fixed arguments; per_group sets each group's sizes and slots, and
// `rows(a, gr)` points the inputs and outputs at the group's token rows.
template <class A>
auto set_group(A& a, const Group& gr) -> decltype(a.batch, void()) {  // the Mamba2 and Hawk structs' names
  a.batch = gr.B;
  a.steps = gr.T;
  a.slots = gr.slots;
}
template <class A>
auto set_group(A& a, const Group& gr) -> decltype(a.T, void()) {  // the RetNet and xLSTM structs' SPEC letters
  a.B = gr.B;
  a.T = gr.T;
  a.slots = gr.slots;
}

template <class Args, class Rows>
void per_group(const Ctx& c, void (*kernel)(const Exec&, const Args&), Args a, Rows rows) {
  for (int64_t g = 0; g < c.run->n_groups; ++g) {
    const Group& gr = c.run->groups[g];
    set_group(a, gr);
    rows(a, gr);
    kernel(c.ex, a);
  }
}

void dense(const Ctx& c, const Dense& d, const float* x, float* y) {
  if (!d.w16 && c.run->batch_invariant && c.n < kLinearSmallBatch) {
    // Padded with zero rows to take the path larger calls take (bfloat16's dot products are per row
    // already). Per thread, because the towers may run side by side; reused, so steady state allocates
    // nothing.
    thread_local std::vector<float> xs, ys;
    xs.assign(static_cast<size_t>(kLinearSmallBatch * d.K), 0.0f);
    std::copy(x, x + c.n * d.K, xs.begin());
    ys.resize(static_cast<size_t>(kLinearSmallBatch * d.N));
    linear(c.ex, LinearArgs{xs.data(), d.w, d.bias, ys.data(), kLinearSmallBatch, d.K, d.N});
    std::copy(ys.begin(), ys.begin() + c.n * d.N, y);
    return;
  }
  if (!d.w16) {
    linear(c.ex, LinearArgs{x, d.w, d.bias, y, c.n, d.K, d.N});
    return;
  }
  // bfloat16 weights: widened in registers inside the dot products (stream_executor_simd.cc), so the
  // memory traffic is the 2-byte weights; tasks of weight rows as in linear's small-batch path.
  const StreamMicroKernels& mk = stream_micro(c.ex.isa);
  const int64_t per_task = std::clamp<int64_t>((65536 / d.K) / 8 * 8, 8, 512);
  parallel_for(ceil_div(d.N, per_task), c.ex.threads, [&](int64_t t) {
    const int64_t n0 = t * per_task, cols = std::min(per_task, d.N - n0);
    mk.dot_rows_bf16(x, d.K, c.n, d.w16 + n0 * d.K, d.K, cols, d.K, d.bias ? d.bias + n0 : nullptr, y + n0, d.N);
  });
}

void norm(const Ctx& c, const float* x, float* y, int64_t rows, int64_t D, int64_t groups, const float* w, const float* b, float eps,
          bool center) {
  norm_rows(c.ex, NormArgs{x, y, rows, D, groups, w, b, eps, center});
}

void block_diag(const Ctx& c, const BlockDiag& w, const float* x, float* y) {
  block_linear(c.ex, BlockLinearArgs{x, w.w, nullptr, c.n, w.blocks, w.in, w.out, y});
}

void conv(const Ctx& c, float* state, const float* w, const float* b, bool silu, int64_t channels, const float* x, float* out) {
  ConvArgs a{};
  a.conv_state = state;
  a.pool = c.capacity;
  a.channels = channels;
  a.length = kConvLength;
  a.width = kConvWidth;
  a.weight = w;
  a.bias = b;
  a.silu = silu;
  per_group(c, causal_conv1d_update, a, [&](ConvArgs& a, const Group& gr) {
    a.x = x + gr.row0 * channels;
    a.out = out + gr.row0 * channels;
  });
}

// ---- the layers (lib/stream/layers/*.ts) ----

void mamba2_layer(const Ctx& c, const Mamba2Layer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, inner = 2 * s.hidden, N = kMambaState, H = inner / kMambaHeadSize, P = kMambaHeadSize;
  const int64_t width = 2 * inner + 2 * N + H, xbc_w = inner + 2 * N;
  float* proj = c.ws->get(kS0, n * width);
  dense(c, L.in, x, proj);
  float* xbc = c.ws->get(kS1, n * xbc_w);
  float* z = c.ws->get(kS2, n * inner);
  float* dt = c.ws->get(kS3, n * H);
  copy_columns(proj, n, width, 0, xbc_w, xbc);
  copy_columns(proj, n, width, xbc_w, inner, z);
  copy_columns(proj, n, width, xbc_w + inner, H, dt);
  float* cv = c.ws->get(kS4, n * xbc_w);
  conv(c, L.conv, L.conv_w, L.conv_b, true, xbc_w, xbc, cv);
  float* xs = c.ws->get(kS5, n * inner);
  float* Bm = c.ws->get(kS6, n * N);
  float* Cm = c.ws->get(kS7, n * N);
  copy_columns(cv, n, xbc_w, 0, inner, xs);
  copy_columns(cv, n, xbc_w, inner, N, Bm);
  copy_columns(cv, n, xbc_w, inner + N, N, Cm);
  float* y = c.ws->get(kS8, n * inner);
  SsuArgs a{};
  a.state = L.ssm;
  a.pool = s.capacity;
  a.heads = H;
  a.head_dim = P;
  a.dstate = N;
  a.groups = 1;
  a.A = L.A;
  a.D = L.D;
  a.dt_softplus = true;
  per_group(c, selective_state_update, a, [&](SsuArgs& a, const Group& gr) {
    a.x = xs + gr.row0 * inner;
    a.dt = dt + gr.row0 * H;
    a.B = Bm + gr.row0 * N;
    a.C = Cm + gr.row0 * N;
    a.z = z + gr.row0 * inner;
    a.out = y + gr.row0 * inner;
  });
  float* normed = c.ws->get(kS9, n * inner);
  norm(c, y, normed, n, inner, 1, L.norm, nullptr, kMambaNormEps, false);
  dense(c, L.out, normed, out);
}

void hawk_layer(const Ctx& c, const HawkLayer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, h = s.hidden;
  float* proj = c.ws->get(kS0, n * 2 * h);
  dense(c, L.gate_rec, x, proj);
  float* gate = c.ws->get(kS1, n * h);
  float* rec = c.ws->get(kS2, n * h);
  copy_columns(proj, n, 2 * h, 0, h, gate);
  copy_columns(proj, n, 2 * h, h, h, rec);
  activation(c.ex, Activation::kGelu, gate, gate, n * h);
  float* cv = c.ws->get(kS3, n * h);
  conv(c, L.conv, L.conv_w, L.conv_b, false, h, rec, cv);
  float* gx = c.ws->get(kS4, n * h);
  float* ga = c.ws->get(kS5, n * h);
  block_diag(c, L.input_gate, cv, gx);
  block_diag(c, L.rec_gate, cv, ga);
  float* hn = c.ws->get(kS6, n * h);
  RglruArgs a{};
  a.h = L.h;
  a.pool = s.capacity;
  a.width = h;
  a.a = L.a;
  a.c = kHawkC;
  a.softplus_a = false;
  per_group(c, rglru_step, a, [&](RglruArgs& a, const Group& gr) {
    a.x = cv + gr.row0 * h;
    a.gate_x = gx + gr.row0 * h;
    a.gate_a = ga + gr.row0 * h;
    a.out = hn + gr.row0 * h;
  });
  mul_in_place(gate, hn, n * h);
  dense(c, L.out, gate, out);
}

void retnet_layer(const Ctx& c, const RetNetLayer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, h = s.hidden, H = s.heads, Dh = h / H;
  float* proj = c.ws->get(kS0, n * 4 * h);
  dense(c, L.qkvg, x, proj);
  float* qkvg[4];
  for (int i = 0; i < 4; ++i) {
    qkvg[i] = c.ws->get(kS1 + i, n * h);
    copy_columns(proj, n, 4 * h, i * h, h, qkvg[i]);
  }
  float* o = c.ws->get(kS5, n * h);
  RetentionStepArgs a{};
  a.S = L.S;
  a.scales = L.scales;
  a.offsets = L.offsets;
  a.decay = L.decay;
  a.angle = L.angle;
  a.k_scale = L.k_scale;
  a.H = H;
  a.Dk = a.Dv = Dh;
  per_group(c, retention_step, a, [&](RetentionStepArgs& a, const Group& gr) {
    a.q = qkvg[0] + gr.row0 * h;
    a.k = qkvg[1] + gr.row0 * h;
    a.v = qkvg[2] + gr.row0 * h;
    a.o = o + gr.row0 * h;
  });
  float* normed = c.ws->get(kS6, n * h);
  norm(c, o, normed, n * H, Dh, 1, nullptr, nullptr, kRetNetNormEps, false);
  activation(c.ex, Activation::kSilu, qkvg[3], qkvg[3], n * h);
  mul_in_place(qkvg[3], normed, n * h);
  dense(c, L.out, qkvg[3], out);
}

// The sLSTM block: returns x + GroupNorm(sLSTM(...)) in `out`.
void slstm_block(const Ctx& c, const XlstmLayer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, h = s.hidden, NH = s.heads / 2, DH = h / NH;
  float* xn = c.ws->get(kS0, n * h);
  norm(c, x, xn, n, h, 1, L.s_norm, nullptr, kTorchNormEps, true);
  float* xc = c.ws->get(kS1, n * h);
  conv(c, L.s_conv, L.s_conv_w, L.s_conv_b, true, h, xn, xc);
  // Gates i and f read the conv output, z and o the normalised input; wx is [n, 4, h].
  float* wx = c.ws->get(kS2, n * 4 * h);
  float* part = c.ws->get(kS3, n * h);
  for (int gi = 0; gi < 4; ++gi) {
    block_diag(c, L.s_gate_in[gi], gi < 2 ? xc : xn, part);
    for (int64_t r = 0; r < n; ++r) std::memcpy(wx + (r * 4 + gi) * h, part + r * h, static_cast<size_t>(h) * sizeof(float));
  }
  float* y = c.ws->get(kS4, n * h);
  SlstmStepArgs a{};
  a.y = L.s_y;
  a.c = L.s_c;
  a.n = L.s_n;
  a.m = L.s_m;
  a.R = L.R;
  a.r_bias = L.r_bias;
  a.eps = kXlstmCellEps;
  a.NH = NH;
  a.DH = DH;
  per_group(c, slstm_step, a, [&](SlstmStepArgs& a, const Group& gr) {
    a.wx = wx + gr.row0 * 4 * h;
    a.h = y + gr.row0 * h;
  });
  norm(c, y, out, n, h, NH, L.s_gn_w, L.s_gn_b, kTorchNormEps, true);
  add_in_place(out, x, n * h);
}

// The mLSTM block: returns x + proj_down(...) in `out`.
void mlstm_block(const Ctx& c, const XlstmLayer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, h = s.hidden, inner = 2 * h, NH = s.heads, DH = inner / NH;
  float* xn = c.ws->get(kS0, n * h);
  norm(c, x, xn, n, h, 1, L.m_norm, nullptr, kTorchNormEps, true);
  float* proj = c.ws->get(kS1, n * 2 * inner);
  dense(c, L.x_gate, xn, proj);
  float* xm = c.ws->get(kS2, n * inner);
  float* xgate = c.ws->get(kS3, n * inner);
  copy_columns(proj, n, 2 * inner, 0, inner, xm);
  copy_columns(proj, n, 2 * inner, inner, inner, xgate);
  float* xc = c.ws->get(kS4, n * inner);
  conv(c, L.m_conv, L.m_conv_w, L.m_conv_b, true, inner, xm, xc);
  // q, k, v written straight into cat(q, k, v) [n, 3*inner] would need a strided output; they are
  // computed apart (the cell reads them apart too) and concatenated for the gate projection.
  float* q = c.ws->get(kS5, n * inner);
  float* k = c.ws->get(kS6, n * inner);
  float* v = c.ws->get(kS7, n * inner);
  block_diag(c, L.q, xc, q);
  block_diag(c, L.k, xc, k);
  block_diag(c, L.v, xm, v);
  float* qkv = c.ws->get(kS8, n * 3 * inner);
  for (int64_t r = 0; r < n; ++r) {
    std::memcpy(qkv + r * 3 * inner, q + r * inner, static_cast<size_t>(inner) * sizeof(float));
    std::memcpy(qkv + r * 3 * inner + inner, k + r * inner, static_cast<size_t>(inner) * sizeof(float));
    std::memcpy(qkv + r * 3 * inner + 2 * inner, v + r * inner, static_cast<size_t>(inner) * sizeof(float));
  }
  float* gates = c.ws->get(kS9, n * 2 * NH);
  dense(c, L.if_gates, qkv, gates);
  float* ip = c.ws->get(kS10, n * 2 * NH);  // i | f, each [n, NH]
  copy_columns(gates, n, 2 * NH, 0, NH, ip);
  copy_columns(gates, n, 2 * NH, NH, NH, ip + n * NH);
  float* hs = qkv;  // cat(q, k, v) is dead once the gates are computed
  MlstmStepArgs a{};
  a.C = L.m_C;
  a.n = L.m_n;
  a.m = L.m_m;
  a.eps = kXlstmCellEps;
  a.NH = NH;
  a.DK = a.DV = DH;
  per_group(c, mlstm_step, a, [&](MlstmStepArgs& a, const Group& gr) {
    a.q = q + gr.row0 * inner;
    a.k = k + gr.row0 * inner;
    a.v = v + gr.row0 * inner;
    a.i_pre = ip + gr.row0 * NH;
    a.f_pre = ip + n * NH + gr.row0 * NH;
    a.h = hs + gr.row0 * inner;
  });
  float* normed = k;  // k is dead after the cell
  norm(c, hs, normed, n, inner, NH, L.out_norm_w, L.out_norm_b, kTorchNormEps, true);
  activation(c.ex, Activation::kSilu, xgate, xgate, n * inner);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t j = r * inner + i;
      const float skipped = static_cast<float>(static_cast<double>(normed[j]) + static_cast<double>(L.skip[i]) * static_cast<double>(xc[j]));
      normed[j] = static_cast<float>(static_cast<double>(skipped) * static_cast<double>(xgate[j]));
    }
  }
  dense(c, L.proj_down, normed, out);
  add_in_place(out, x, n * h);
}

void xlstm_layer(const Ctx& c, const XlstmLayer& L, const Sizes& s, const float* x, float* out) {
  const int64_t n = c.n, h = s.hidden;
  float* after_s = c.ws->get(kAfterS, n * h);
  slstm_block(c, L, s, x, after_s);
  mlstm_block(c, L, s, after_s, out);
  norm(c, out, out, n, h, 1, L.final_norm, nullptr, kTorchNormEps, true);
}

}  // namespace

Executor::Executor(Model model, WeightPrecision precision) : model_(std::move(model)), precision_(precision) {
  for (auto& w : ws_) w = std::make_unique<Workspace>();
  std::vector<Dense*> dense_all{&model_.output};
  for (Tower& t : model_.towers) {
    dense_all.push_back(&t.up);
    dense_all.push_back(&t.down);
    for (Block& b : t.blocks) {
      for (Dense* d : {&b.fc1, &b.fc2, &b.mamba2.in, &b.mamba2.out, &b.hawk.gate_rec, &b.hawk.out, &b.retnet.qkvg, &b.retnet.out,
                       &b.xlstm.x_gate, &b.xlstm.if_gates, &b.xlstm.proj_down})
        if (d->w) dense_all.push_back(d);
    }
  }
  const int64_t bytes_per = precision == WeightPrecision::kBfloat16 ? 2 : 4;
  for (Dense* d : dense_all) {
    dense_.push_back(d);
    weight_bytes_ += d->N * d->K * bytes_per;
    if (precision != WeightPrecision::kBfloat16) continue;
    std::vector<uint16_t> h(static_cast<size_t>(d->N * d->K));
    for (size_t i = 0; i < h.size(); ++i) h[i] = to_bf16(d->w[i]);
    d->w16 = h.data();
    bf16_.push_back(std::move(h));
  }
}

Executor::~Executor() = default;

double Executor::read_weights_seconds(const Exec& ex, int repeats) {
  int64_t max_k = 1, max_n = 1;
  for (const Dense* d : dense_) max_k = std::max(max_k, d->K), max_n = std::max(max_n, d->N);
  std::vector<float> ones(static_cast<size_t>(max_k), 1.0f), y(static_cast<size_t>(max_n));
  const RunArgs none{};
  const Ctx c{ex, &none, ws_[0].get(), 1, model_.sizes.capacity};
  std::vector<double> times;
  for (int r = 0; r <= repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const Dense* d : dense_) dense(c, *d, ones.data(), y.data());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) times.push_back(s);  // pass 0 warms the caches
  }
  std::sort(times.begin(), times.end());
  return times.empty() ? 0.0 : times[times.size() / 2];
}

void Executor::run_tower(const Exec& ex, int t, const RunArgs& a) {
  const Sizes& s = model_.sizes;
  const Tower& tw = model_.towers[t];
  Ws& ws = *ws_[t];
  const Ctx c{ex, &a, &ws, a.tokens, s.capacity};
  const int64_t n = a.tokens, h = s.hidden, p = s.proj;
  float* up = ws.get(kUp, n * p);
  dense(c, tw.up, a.features, up);
  activation(ex, Activation::kRelu, up, up, n * p);
  float* x = ws.get(kX, n * h);
  dense(c, tw.down, up, x);
  float* normed = ws.get(kNorm, n * h);
  float* hid = ws.get(kHid, n * p);
  float* layer_out = ws.get(kLayerOut, n * h);
  float* mlp_out = ws.get(kMlpOut, n * h);
  for (const Block& b : tw.blocks) {
    norm(c, x, normed, n, h, 1, b.norm1, nullptr, kFloat32Eps, false);
    switch (static_cast<TowerKind>(t)) {
      case TowerKind::kXlstm: xlstm_layer(c, b.xlstm, s, normed, layer_out); break;
      case TowerKind::kMamba2: mamba2_layer(c, b.mamba2, s, normed, layer_out); break;
      case TowerKind::kRetNet: retnet_layer(c, b.retnet, s, normed, layer_out); break;
      case TowerKind::kHawk: hawk_layer(c, b.hawk, s, normed, layer_out); break;
    }
    add_in_place(x, layer_out, n * h);
    norm(c, x, normed, n, h, 1, b.norm2, nullptr, kFloat32Eps, false);
    dense(c, b.fc1, normed, hid);
    activation(ex, Activation::kRelu, hid, hid, n * p);
    dense(c, b.fc2, hid, mlp_out);
    add_in_place(x, mlp_out, n * h);
  }
  float* y = ws.get(kY, n);
  dense(c, model_.output, x, y);
  for (int64_t i = 0; i < n; ++i) a.out[i * kTowers + t] = y[i];
}

void Executor::run(const Exec& ex, const RunArgs& a) {
  if (a.tokens <= 0) return;
  if (ex.threads <= 1) {
    for (int t = 0; t < kTowers; ++t) run_tower(ex, t, a);
    return;
  }
  // Towers are independent (own weights, own state pools, own buffers): one task each, and the
  // threads left over go to the kernels inside a tower.
  const Exec inner{ex.isa, std::max(1, ex.threads / kTowers)};
  parallel_for(kTowers, ex.threads, [&](int64_t t) { run_tower(inner, static_cast<int>(t), a); });
}

}  // namespace stream_exec
}  // namespace hashmac
