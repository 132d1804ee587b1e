// libFuzzer harness of the stream executor (native/kernels/stream_executor.*): a small four-tower model
// with fuzzed sizes (hidden 32, heads 2/4/8, proj, features, depth, pool capacity), weights and a
// fuzzed batch (groups of B symbols x T steps, slots with padding) runs on the scalar path with one
// thread and on every ISA x thread count, from the same starting state, in float32 and bfloat16.
// Every buffer has its exact size (ASan catches any access past it). The executor composes kernels
// whose SIMD paths use their own exp approximations, so paths are compared with a tolerance, not bits.
#include <deque>
#include <memory>

#include "../../native/kernels/stream_executor.h"
#include "fuzz_util.h"

namespace {

using namespace hashmac::stream_exec;
using hashmac::Exec;

struct Arena {
  std::deque<fuzz::Buffer<float>> f;
  std::deque<fuzz::Buffer<int32_t>> i;
  uint64_t seed;
  float next() {  // deterministic values in [-0.5, 0.5) from the fuzzed seed
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((seed >> 40) & 0xffff) / 65536.0f - 0.5f;
  }
  float* weights(int64_t n, float scale = 1.0f) {
    f.emplace_back(static_cast<size_t>(n), (f.size() % 4) * 4);
    for (int64_t k = 0; k < n; ++k) f.back().data()[k] = scale * next();
    return f.back().data();
  }
  float* filled(int64_t n, float v) {
    f.emplace_back(static_cast<size_t>(n), 0);
    std::fill(f.back().data(), f.back().data() + n, v);
    return f.back().data();
  }
  int32_t* ints(int64_t n) {
    i.emplace_back(static_cast<size_t>(n), 0);
    std::fill(i.back().data(), i.back().data() + n, 0);
    return i.back().data();
  }
};

Dense dense(Arena& a, int64_t N, int64_t K, bool bias) {
  Dense d;
  d.N = N;
  d.K = K;
  d.w = a.weights(N * K, 1.0f / static_cast<float>(K));
  d.bias = bias ? a.weights(N) : nullptr;
  return d;
}

// The model and its state pools; `state` lists every pool with its size and fresh value.
struct Built {
  Model model;
  std::vector<std::pair<float*, int64_t>> state;
  std::vector<float> fresh;
  std::vector<std::pair<int32_t*, int64_t>> int_state;
};

Built build(Arena& a, const Sizes& s, int64_t depth) {
  Built out;
  Model& m = out.model;
  m.sizes = s;
  const int64_t h = s.hidden, H = s.heads, cap = s.capacity, inner = 2 * h;
  auto pool = [&](int64_t n, float fresh = 0.0f) {
    float* p = a.filled(cap * n, fresh);
    out.state.push_back({p, cap * n});
    out.fresh.push_back(fresh);
    return p;
  };
  m.output = dense(a, 1, h, true);
  for (int t = 0; t < kTowers; ++t) {
    Tower& tw = m.towers[t];
    tw.up = dense(a, s.proj, s.features, true);
    tw.down = dense(a, h, s.proj, true);
    tw.blocks.resize(static_cast<size_t>(depth));
    for (Block& b : tw.blocks) {
      b.norm1 = a.weights(h);
      b.norm2 = a.weights(h);
      b.fc1 = dense(a, s.proj, h, true);
      b.fc2 = dense(a, h, s.proj, true);
      switch (static_cast<TowerKind>(t)) {
        case TowerKind::kMamba2: {
          const int64_t N = 128, Hm = inner / 64, xbc = inner + 2 * N;
          auto& L = b.mamba2;
          L.in = dense(a, 2 * inner + 2 * N + Hm, h, true);
          L.conv_w = a.weights(xbc * 4);
          L.conv_b = a.weights(xbc);
          L.A = a.weights(Hm, 4.0f);
          L.D = a.weights(Hm);
          L.norm = a.weights(inner);
          L.out = dense(a, h, inner, false);
          L.conv = pool(xbc * 3);
          L.ssm = pool(Hm * 64 * N);
          break;
        }
        case TowerKind::kHawk: {
          auto& L = b.hawk;
          const int64_t bs = h / 4;
          L.gate_rec = dense(a, 2 * h, h, false);
          L.conv_w = a.weights(h * 4);
          L.conv_b = a.weights(h);
          L.input_gate = BlockDiag{a.weights(4 * bs * bs), 4, bs, bs};
          L.rec_gate = BlockDiag{a.weights(4 * bs * bs), 4, bs, bs};
          L.a = a.filled(h, 0.9f);
          L.out = dense(a, h, h, false);
          L.conv = pool(h * 3);
          L.h = pool(h);
          break;
        }
        case TowerKind::kRetNet: {
          auto& L = b.retnet;
          const int64_t Dh = h / H;
          L.qkvg = dense(a, 4 * h, h, false);
          L.out = dense(a, h, h, false);
          L.decay = a.filled(H, 0.9f);
          L.angle = a.weights(Dh);
          L.k_scale = 1.0f / std::sqrt(static_cast<float>(Dh));
          L.offsets = a.ints(cap);
          out.int_state.push_back({L.offsets, cap});
          L.scales = pool(H);
          L.S = pool(H * Dh * Dh);
          break;
        }
        case TowerKind::kXlstm: {
          auto& L = b.xlstm;
          const int64_t NHs = H / 2, DHs = h / NHs, NHm = H, DHm = inner / H;
          L.s_norm = a.weights(h);
          L.s_conv_w = a.weights(h * 4);
          L.s_conv_b = a.weights(h);
          for (auto& g : L.s_gate_in) g = BlockDiag{a.weights(NHs * DHs * DHs), NHs, DHs, DHs};
          L.R = a.weights(4 * NHs * DHs * DHs);
          L.r_bias = a.weights(4 * h);
          L.s_gn_w = a.weights(h);
          L.s_gn_b = a.weights(h);
          L.m_norm = a.weights(h);
          L.x_gate = dense(a, 2 * inner, h, false);
          L.q = BlockDiag{a.weights(inner * 4), inner / 4, 4, 4};
          L.k = BlockDiag{a.weights(inner * 4), inner / 4, 4, 4};
          L.v = BlockDiag{a.weights(inner * 4), inner / 4, 4, 4};
          L.m_conv_w = a.weights(inner * 4);
          L.m_conv_b = a.weights(inner);
          L.if_gates = dense(a, 2 * NHm, 3 * inner, true);
          L.out_norm_w = a.weights(inner);
          L.out_norm_b = a.weights(inner);
          L.skip = a.weights(inner);
          L.proj_down = dense(a, h, inner, false);
          L.final_norm = a.weights(h);
          L.s_conv = pool(h * 3);
          L.s_y = pool(h);
          L.s_c = pool(h);
          L.s_n = pool(h);
          L.s_m = pool(h, -INFINITY);
          L.m_conv = pool(inner * 3);
          L.m_C = pool(NHm * DHm * DHm);
          L.m_n = pool(NHm * DHm);
          L.m_m = pool(NHm);
          break;
        }
      }
    }
  }
  return out;
}

void reset(Built& b) {
  for (size_t i = 0; i < b.state.size(); ++i) std::fill(b.state[i].first, b.state[i].first + b.state[i].second, b.fresh[i]);
  for (auto& [p, n] : b.int_state) std::fill(p, p + n, 0);
}

bool close(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= 1e-3f * std::max(1.0f, std::fabs(b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hashmac::Exec;
  using namespace hashmac::stream_exec;
  FuzzedDataProvider in(data, size);
  Sizes s;
  s.hidden = 32;
  s.heads = int64_t{1} << in.ConsumeIntegralInRange<int>(1, 3);
  s.proj = in.ConsumeIntegralInRange<int64_t>(1, 40);
  s.features = in.ConsumeIntegralInRange<int64_t>(1, 9);
  s.capacity = in.ConsumeIntegralInRange<int64_t>(1, 4);
  const int64_t depth = in.ConsumeIntegralInRange<int64_t>(1, 2);
  Arena arena{{}, {}, in.ConsumeIntegral<uint64_t>()};
  Built built = build(arena, s, depth);

  // Groups in order over the token rows; slots distinct within a group, some padding.
  const int n_groups = in.ConsumeIntegralInRange<int>(1, 3);
  std::vector<std::vector<int32_t>> slots;
  std::vector<Group> groups;
  int64_t tokens = 0;
  for (int g = 0; g < n_groups; ++g) {
    const int64_t B = in.ConsumeIntegralInRange<int64_t>(1, s.capacity + 1), T = in.ConsumeIntegralInRange<int64_t>(1, 3);
    std::vector<int32_t> sl = fuzz::slots(in, std::min(B, s.capacity), s.capacity);
    while (static_cast<int64_t>(sl.size()) < B) sl.push_back(-1);
    slots.push_back(sl);
    groups.push_back(Group{B, T, tokens, nullptr});
    tokens += B * T;
  }
  for (int g = 0; g < n_groups; ++g) groups[g].slots = slots[g].data();
  fuzz::Buffer<float> features(static_cast<size_t>(tokens * s.features), 4);
  for (int64_t k = 0; k < tokens * s.features; ++k) features.data()[k] = 4.0f * arena.next();

  for (WeightPrecision p : {WeightPrecision::kFloat32, WeightPrecision::kBfloat16}) {
    Executor exec(built.model, p);
    auto run = [&](const Exec& ex, std::vector<float>& out) {
      reset(built);
      fuzz::Buffer<float> y(static_cast<size_t>(tokens * kTowers), 0);
      RunArgs a{features.data(), tokens, groups.data(), static_cast<int64_t>(groups.size()), y.data()};
      exec.run(ex, a);
      exec.run(ex, a);  // a second batch continues from the state the first left
      out.assign(y.data(), y.data() + tokens * kTowers);
    };
    std::vector<float> want, got;
    run(Exec{hashmac::Isa::kScalar, 1}, want);
    for (const Exec& ex : fuzz::variants()) {
      run(ex, got);
      for (size_t k = 0; k < got.size(); ++k)
        if (!close(got[k], want[k])) fuzz::fail("stream_executor", ex, "prediction", static_cast<long>(k));
    }
  }
  return 0;
}
