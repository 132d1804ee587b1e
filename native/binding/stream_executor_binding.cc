// Node-API entry points of the streaming model executor (native/kernels/stream_executor.h).
//
//   createStreamExecutor(model) -> handle      the whole model, once: sizes, precision, every tower's
//                                              weights and state pools, as one object read by field name
//   streamExecutorRun(plan) / streamExecutorRunAsync(plan) -> Promise
//                                              plan = { executor, features, tokens, groups, slots, out }
//
// Every array is checked against the sizes before the executor is built, so a bad model or plan throws a
// RangeError/TypeError naming the field and the addon never reads or writes out of bounds. The handle
// keeps every weight and state array alive; one run at a time per handle (a second is an error).
//
// Ownership (docs/ARCHITECTURE.md, "Async ownership"): the weights and state pools are the engine's and
// are used in place (too large to copy per run); every run first checks that each is still attached where
// it was, and lib/stream/executor.ts marks their buffers untransferable. The plan's own arrays are copied
// as the kernels' async calls copy theirs: slots and groups always, features and out for an async run
// (out is written back on the JS thread when it settles, or the promise rejects if out is gone).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/stream_executor.h"
#include "binding.h"

namespace hashmac {
namespace {

using stream_exec::BlockDiag;
using stream_exec::Dense;
using stream_exec::Executor;

// A JS typed array used in place: kept alive, with where its data was when it was checked.
struct Borrowed {
  Napi::ObjectReference ref;
  void* data;
  size_t elements;
};

// An executor with the JS arrays it borrows.
struct Handle {
  std::unique_ptr<Executor> exec;
  std::vector<Borrowed> keep;
  int64_t capacity = 0, features = 0;
  std::atomic<bool> busy{false};
};

// Reads the named fields of one JS object; `path` names it in errors (e.g. "towers[1].blocks[0].layer").
class Fields {
 public:
  Fields(Napi::Object obj, std::string path, const char* fn, std::vector<Borrowed>* keep)
      : obj_(obj), path_(std::move(path)), fn_(fn), keep_(keep) {}

  Napi::Value get(const char* name) const { return obj_.Get(name); }

  Fields object(const char* name) const {
    Napi::Value v = get(name);
    if (!v.IsObject() || v.IsTypedArray()) throw type_error(name, "an object");
    return Fields(v.As<Napi::Object>(), where(name), fn_, keep_);
  }

  Fields element(const char* name, uint32_t i, uint32_t expected_length) const {
    Napi::Value v = get(name);
    if (!v.IsArray()) throw type_error(name, "an array");
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() != expected_length) throw range_error(name, "expected " + std::to_string(expected_length) + " entries, got " + std::to_string(a.Length()));
    Napi::Value e = a.Get(i);
    const std::string at = where(name) + "[" + std::to_string(i) + "]";
    if (!e.IsObject() || e.IsTypedArray()) throw Napi::TypeError::New(obj_.Env(), std::string(fn_) + ": " + at + ": expected an object");
    return Fields(e.As<Napi::Object>(), at, fn_, keep_);
  }

  // A typed array of exactly `length` elements (kept alive by the handle when `keep` is set).
  template <typename T>
  T* array(const char* name, int64_t length) const {
    return array_value<T>(get(name), where(name), length);
  }

  template <typename T>
  T* array_at(const char* name, uint32_t i, uint32_t count, int64_t length) const {
    Napi::Value v = get(name);
    if (!v.IsArray() || v.As<Napi::Array>().Length() != count) throw type_error(name, ("an array of " + std::to_string(count)).c_str());
    return array_value<T>(v.As<Napi::Array>().Get(i), where(name) + "[" + std::to_string(i) + "]", length);
  }

  int64_t integer(const char* name, int64_t min, int64_t max) const {
    Napi::Value v = get(name);
    if (!v.IsNumber()) throw type_error(name, "an integer");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw range_error(name, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return static_cast<int64_t>(d);
  }

  double number(const char* name) const {
    Napi::Value v = get(name);
    if (!v.IsNumber()) throw type_error(name, "a number");
    return v.As<Napi::Number>().DoubleValue();
  }

  std::string string(const char* name) const {
    Napi::Value v = get(name);
    if (!v.IsString()) throw type_error(name, "a string");
    return v.As<Napi::String>().Utf8Value();
  }

  // A RangeError naming field `name` of this object.
  Napi::Error range_error(const std::string& name, const std::string& what) const {
    return Napi::RangeError::New(obj_.Env(), std::string(fn_) + ": " + where(name.c_str()) + ": " + what);
  }

 private:
  std::string where(const char* name) const { return path_.empty() ? std::string(name) : path_ + "." + name; }
  Napi::Error type_error(const char* name, const char* what) const {
    return Napi::TypeError::New(obj_.Env(), std::string(fn_) + ": " + where(name) + ": expected " + what);
  }

  template <typename T>
  T* array_value(Napi::Value v, const std::string& at, int64_t length) const {
    constexpr napi_typedarray_type kType = std::is_same<T, int32_t>::value ? napi_int32_array : napi_float32_array;
    const char* type_name = std::is_same<T, int32_t>::value ? "an Int32Array" : "a Float32Array";
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType) {
      throw Napi::TypeError::New(obj_.Env(), std::string(fn_) + ": " + at + ": expected " + type_name);
    }
    Napi::TypedArrayOf<T> t = v.As<Napi::TypedArrayOf<T>>();
    if (static_cast<int64_t>(t.ElementLength()) != length) {
      throw Napi::RangeError::New(obj_.Env(), std::string(fn_) + ": " + at + ": expected " + std::to_string(length) + " elements, got " +
                                                  std::to_string(t.ElementLength()));
    }
    if (keep_) keep_->push_back(Borrowed{Napi::Persistent(v.As<Napi::Object>()), t.Data(), t.ElementLength()});
    return t.Data();
  }

  Napi::Object obj_;
  std::string path_;
  const char* fn_;
  std::vector<Borrowed>* keep_;
};

constexpr const char* kCreate = "createStreamExecutor";
constexpr const char* kRun = "streamExecutorRun";
constexpr int64_t kMaxDim = int64_t{1} << 20;  // far above any model here; keeps size products in int64

Dense read_dense(const Fields& f, const char* name, int64_t N, int64_t K, bool bias) {
  Fields d = f.object(name);
  Dense out;
  out.N = N;
  out.K = K;
  out.w = d.array<float>("weight", N * K);
  out.bias = bias ? d.array<float>("bias", N) : nullptr;
  return out;
}

// A weight given as its data alone (the layer objects of lib/stream/executor.ts).
Dense read_weight(const Fields& f, const char* name, int64_t N, int64_t K, const char* bias_name = nullptr) {
  Dense out;
  out.N = N;
  out.K = K;
  out.w = f.array<float>(name, N * K);
  out.bias = bias_name ? f.array<float>(bias_name, N) : nullptr;
  return out;
}

BlockDiag read_block_diag(const float* w, int64_t blocks, int64_t out, int64_t in) { return BlockDiag{w, blocks, out, in}; }

void read_layer(const Fields& L, const Fields& S, int kind, const stream_exec::Sizes& s, stream_exec::Block& b) {
  const int64_t h = s.hidden, cap = s.capacity, H = s.heads, inner = 2 * h;
  switch (static_cast<stream_exec::TowerKind>(kind)) {
    case stream_exec::TowerKind::kMamba2: {
      const int64_t N = 128, Hm = inner / 64, width = 2 * inner + 2 * N + Hm, xbc = inner + 2 * N;
      auto& m = b.mamba2;
      m.in = read_weight(L, "inProj", width, h, "inBias");
      m.conv_w = L.array<float>("convWeight", xbc * 4);
      m.conv_b = L.array<float>("convBias", xbc);
      m.A = L.array<float>("A", Hm);
      m.D = L.array<float>("D", Hm);
      m.norm = L.array<float>("normWeight", inner);
      m.out = read_weight(L, "outProj", h, inner);
      m.conv = S.array<float>("conv", cap * xbc * 3);
      m.ssm = S.array<float>("ssm", cap * Hm * 64 * N);
      break;
    }
    case stream_exec::TowerKind::kHawk: {
      auto& k = b.hawk;
      const int64_t bs = h / 4;
      k.gate_rec = read_weight(L, "gateRec", 2 * h, h);
      k.conv_w = L.array<float>("convWeight", h * 4);
      k.conv_b = L.array<float>("convBias", h);
      k.input_gate = read_block_diag(L.array<float>("inputGate", 4 * bs * bs), 4, bs, bs);
      k.rec_gate = read_block_diag(L.array<float>("recurrenceGate", 4 * bs * bs), 4, bs, bs);
      k.a = L.array<float>("a", h);
      k.out = read_weight(L, "outProj", h, h);
      k.conv = S.array<float>("conv", cap * h * 3);
      k.h = S.array<float>("h", cap * h);
      break;
    }
    case stream_exec::TowerKind::kRetNet: {
      auto& r = b.retnet;
      const int64_t Dh = h / H;
      r.qkvg = read_weight(L, "qkvg", 4 * h, h);
      r.out = read_weight(L, "outProj", h, h);
      r.decay = L.array<float>("decay", H);
      r.angle = L.array<float>("angle", Dh);
      r.k_scale = static_cast<float>(L.number("kScale"));
      r.offsets = S.array<int32_t>("offsets", cap);
      r.scales = S.array<float>("scales", cap * H);
      r.S = S.array<float>("S", cap * H * Dh * Dh);
      break;
    }
    case stream_exec::TowerKind::kXlstm: {
      auto& x = b.xlstm;
      const int64_t NHs = H / 2, DHs = h / NHs, NHm = H, DHm = inner / H;
      x.s_norm = L.array<float>("sNorm", h);
      x.s_conv_w = L.array<float>("sConvWeight", h * 4);
      x.s_conv_b = L.array<float>("sConvBias", h);
      for (uint32_t g = 0; g < 4; ++g) x.s_gate_in[g] = read_block_diag(L.array_at<float>("sGateInput", g, 4, NHs * DHs * DHs), NHs, DHs, DHs);
      x.R = L.array<float>("R", 4 * NHs * DHs * DHs);
      x.r_bias = L.array<float>("rBias", 4 * h);
      x.s_gn_w = L.array<float>("sGroupNormWeight", h);
      x.s_gn_b = L.array<float>("sGroupNormBias", h);
      x.m_norm = L.array<float>("mNorm", h);
      x.x_gate = read_weight(L, "xGateProj", 2 * inner, h);
      x.q = read_block_diag(L.array<float>("qProj", inner * 4), inner / 4, 4, 4);
      x.k = read_block_diag(L.array<float>("kProj", inner * 4), inner / 4, 4, 4);
      x.v = read_block_diag(L.array<float>("vProj", inner * 4), inner / 4, 4, 4);
      x.m_conv_w = L.array<float>("mConvWeight", inner * 4);
      x.m_conv_b = L.array<float>("mConvBias", inner);
      x.if_gates = read_weight(L, "ifProj", 2 * NHm, 3 * inner, "ifBias");
      x.out_norm_w = L.array<float>("outNormWeight", inner);
      x.out_norm_b = L.array<float>("outNormBias", inner);
      x.skip = L.array<float>("skip", inner);
      x.proj_down = read_weight(L, "projDown", h, inner);
      x.final_norm = L.array<float>("finalNorm", h);
      x.s_conv = S.array<float>("slstm.conv", cap * h * 3);
      x.s_y = S.array<float>("slstm.y", cap * h);
      x.s_c = S.array<float>("slstm.c", cap * h);
      x.s_n = S.array<float>("slstm.n", cap * h);
      x.s_m = S.array<float>("slstm.m", cap * h);
      x.m_conv = S.array<float>("mlstm.conv", cap * inner * 3);
      x.m_C = S.array<float>("mlstm.C", cap * NHm * DHm * DHm);
      x.m_n = S.array<float>("mlstm.n", cap * NHm * DHm);
      x.m_m = S.array<float>("mlstm.m", cap * NHm);
      break;
    }
  }
}

void finalize_handle(Napi::Env, Handle* h) { delete h; }

Napi::Value CreateStreamExecutor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, std::string(kCreate) + ": model: expected an object");
  auto handle = std::make_unique<Handle>();
  const Fields model(info[0].As<Napi::Object>(), "", kCreate, &handle->keep);
  const Fields sz = model.object("sizes");
  stream_exec::Model m;
  stream_exec::Sizes& s = m.sizes;
  s.hidden = sz.integer("hidden", 1, kMaxDim);
  s.proj = sz.integer("proj", 1, kMaxDim);
  s.features = sz.integer("features", 1, kMaxDim);
  s.heads = sz.integer("heads", 2, kMaxDim);
  s.capacity = sz.integer("capacity", 1, kMaxDim);
  const int64_t depth = sz.integer("depth", 1, 1024);
  // The divisibilities the layers rely on (lib/stream/config.ts deriveDims checks the same).
  const int64_t h = s.hidden, H = s.heads;
  if ((2 * h) % 64 || H % 2 || h % (H / 2) || h % H || (h / H) % 2 || h % 4 || (2 * h) % H) {
    throw model.range_error("sizes", "hidden/heads do not fit the model's layers (see deriveDims)");
  }
  const std::string precision = model.string("precision");
  stream_exec::WeightPrecision prec;
  if (precision == "float32") prec = stream_exec::WeightPrecision::kFloat32;
  else if (precision == "bfloat16") prec = stream_exec::WeightPrecision::kBfloat16;
  else throw model.range_error("precision", "expected 'float32' or 'bfloat16'");
  m.output = read_dense(model, "output", 1, h, true);
  static const char* kKinds[] = {"xlstm", "mamba2", "retnet", "hawk"};
  for (uint32_t t = 0; t < stream_exec::kTowers; ++t) {
    const Fields tw = model.element("towers", t, stream_exec::kTowers);
    if (tw.string("kind") != kKinds[t]) throw tw.range_error("kind", std::string("expected '") + kKinds[t] + "' (the model's tower order)");
    stream_exec::Tower& T = m.towers[t];
    T.up = read_dense(tw, "up", s.proj, s.features, true);
    T.down = read_dense(tw, "down", h, s.proj, true);
    T.blocks.resize(static_cast<size_t>(depth));
    for (uint32_t bi = 0; bi < depth; ++bi) {
      const Fields bf = tw.element("blocks", bi, static_cast<uint32_t>(depth));
      stream_exec::Block& b = T.blocks[bi];
      b.norm1 = bf.array<float>("norm1", h);
      b.norm2 = bf.array<float>("norm2", h);
      b.fc1 = read_dense(bf, "fc1", s.proj, h, true);
      b.fc2 = read_dense(bf, "fc2", h, s.proj, true);
      read_layer(bf.object("layer"), bf.object("state"), static_cast<int>(t), s, b);
    }
  }
  handle->capacity = s.capacity;
  handle->features = s.features;
  handle->exec = std::make_unique<Executor>(std::move(m), prec);
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", Napi::External<Handle>::New(env, handle.release(), finalize_handle));
  out.Set("weightBytes", Napi::Number::New(env, static_cast<double>(out.Get("handle").As<Napi::External<Handle>>().Data()->exec->weight_bytes())));
  return out;
}

// A checked run and what it owns: its copies of the slots and groups, and for an async run its copies of
// the features and out (JobMemory), and a reference keeping the executor alive until it finishes.
struct Run {
  Handle* handle = nullptr;
  std::vector<int32_t> slots;
  std::vector<stream_exec::Group> groups;
  stream_exec::RunArgs args;
  std::shared_ptr<JobMemory> memory;  // async only
  Napi::ObjectReference executor;     // async only
};

// The engine's weights and pools must still be where the executor found them: JS can reach them
// (StreamEngine.pool, .model) and may have detached or transferred one since.
void check_borrowed(Napi::Env env, const Handle& h) {
  for (const Borrowed& b : h.keep) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void* data = nullptr;
    napi_value ab;
    if (napi_get_typedarray_info(env, b.ref.Value(), &type, &length, &data, &ab, &offset) != napi_ok || data != b.data || length != b.elements) {
      throw Napi::Error::New(env, std::string(kRun) + ": executor: a weight or state array of the model was detached, transferred or replaced since it was created (it is used in place); create a new executor");
    }
  }
}

std::unique_ptr<Run> parse_run(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, std::string(kRun) + ": plan: expected an object");
  auto run = std::make_unique<Run>();
  const Fields plan(info[0].As<Napi::Object>(), "", kRun, nullptr);
  Napi::Value hv = plan.get("executor");
  if (!hv.IsExternal()) throw Napi::TypeError::New(env, std::string(kRun) + ": executor: expected a handle from createStreamExecutor");
  Handle* h = hv.As<Napi::External<Handle>>().Data();
  check_borrowed(env, *h);
  const int64_t tokens = plan.integer("tokens", 1, kMaxDim);
  Napi::Value gv = plan.get("groups");
  if (!gv.IsTypedArray() || gv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || gv.As<Napi::TypedArray>().ElementLength() % 3) {
    throw Napi::TypeError::New(env, std::string(kRun) + ": groups: expected an Int32Array of (B, T, row0) triples");
  }
  const int64_t n_groups = static_cast<int64_t>(gv.As<Napi::TypedArray>().ElementLength() / 3);
  // Copied before they are checked: a SharedArrayBuffer may change under us, and an async run reads them later.
  const int32_t* gjs = plan.array<int32_t>("groups", 3 * n_groups);
  const std::vector<int32_t> g(gjs, gjs + 3 * n_groups);
  int64_t rows = 0, symbols = 0;
  for (int64_t i = 0; i < n_groups; ++i) {
    const int64_t B = g[3 * i], T = g[3 * i + 1], row0 = g[3 * i + 2];
    if (B < 1 || T < 1 || row0 != rows || B * T > tokens - rows) {
      throw plan.range_error("groups", "group " + std::to_string(i) + " (B " + std::to_string(B) + ", T " + std::to_string(T) + ", row0 " +
                                           std::to_string(row0) + ") does not continue the token rows in order within " + std::to_string(tokens));
    }
    rows += B * T;
    symbols += B;
  }
  if (rows != tokens) throw plan.range_error("groups", "cover " + std::to_string(rows) + " token rows, tokens is " + std::to_string(tokens));
  const int32_t* sjs = plan.array<int32_t>("slots", symbols);
  run->slots.assign(sjs, sjs + symbols);
  const int32_t* slots = run->slots.data();
  // Distinct pool rows within a group (its rows run in parallel), each inside the pool; negative = padding.
  std::vector<int64_t> seen(static_cast<size_t>(h->capacity), -1);
  int64_t at = 0;
  for (int64_t i = 0; i < n_groups; ++i) {
    for (int64_t b = 0; b < g[3 * i]; ++b, ++at) {
      const int32_t sl = slots[at];
      if (sl < 0) continue;
      if (sl >= h->capacity || seen[static_cast<size_t>(sl)] == i) {
        throw plan.range_error("slots", "slots[" + std::to_string(at) + "] = " + std::to_string(sl) +
                                            (sl >= h->capacity ? " is outside the pool" : " appears twice in one group"));
      }
      seen[static_cast<size_t>(sl)] = i;
    }
  }
  run->args.features = plan.array<float>("features", tokens * h->features);
  run->args.out = plan.array<float>("out", tokens * stream_exec::kTowers);
  if (async) {
    run->memory = std::make_shared<JobMemory>();
    const size_t in_bytes = static_cast<size_t>(tokens * h->features) * sizeof(float), out_bytes = static_cast<size_t>(tokens * stream_exec::kTowers) * sizeof(float);
    run->args.features = reinterpret_cast<const float*>(run->memory->copy(run->args.features, in_bytes));
    uint8_t* out = run->memory->copy(nullptr, out_bytes);
    run->memory->write_back(plan.get("out"), "out", out, out_bytes, out_bytes);
    run->args.out = reinterpret_cast<float*>(out);
    run->executor = Napi::Persistent(hv.As<Napi::Object>());
  }
  run->groups.resize(static_cast<size_t>(n_groups));
  at = 0;
  for (int64_t i = 0; i < n_groups; ++i) {
    run->groups[static_cast<size_t>(i)] = stream_exec::Group{g[3 * i], g[3 * i + 1], g[3 * i + 2], slots + at};
    at += g[3 * i];
  }
  run->args.tokens = tokens;
  Napi::Value inv = plan.get("batchInvariant");
  if (!inv.IsUndefined() && !inv.IsBoolean()) throw Napi::TypeError::New(env, std::string(kRun) + ": batchInvariant: expected a boolean");
  run->args.batch_invariant = inv.IsBoolean() && inv.As<Napi::Boolean>().Value();
  run->args.groups = run->groups.data();
  run->args.n_groups = n_groups;
  bool idle = false;
  if (!h->busy.compare_exchange_strong(idle, true)) throw Napi::Error::New(env, std::string(kRun) + ": executor: a run is already in progress");
  run->handle = h;
  return run;
}

void execute(const Exec& ex, Run& run) {
  try {
    run.handle->exec->run(ex, run.args);
  } catch (...) {
    run.handle->busy = false;
    throw;
  }
  run.handle->busy = false;
}

Napi::Value StreamExecutorRun(const Napi::CallbackInfo& info) {
  std::unique_ptr<Run> run = parse_run(info, false);
  const EnvState& st = env_state(info.Env());
  try {
    execute(Exec{st.isa, st.threads}, *run);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string(kRun) + ": " + e.what());
  }
  return info.Env().Undefined();
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::unique_ptr<Run> run, Exec ex)
      : Napi::AsyncWorker(env, "hashmac.streamExecutor"), deferred_(Napi::Promise::Deferred::New(env)), run_(std::move(run)), ex_(ex) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      execute(ex_, *run_);
    } catch (const std::exception& e) {
      SetError(std::string(kRun) + ": " + e.what());
    }
  }
  // A torn-down environment cannot settle the promise; nobody can observe it then.
  void OnOK() override {
    try {
      const std::string gone = run_->memory->write_back_all();
      if (!gone.empty()) {
        deferred_.Reject(Napi::Error::New(Env(), std::string(kRun) + ": " + gone).Value());
        return;
      }
      deferred_.Resolve(Env().Undefined());
    } catch (const Napi::Error&) {
    }
  }
  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Run> run_;  // its references are released on the JS thread with the worker
  Exec ex_;
};

Napi::Value StreamExecutorRunAsync(const Napi::CallbackInfo& info) {
  std::unique_ptr<Run> run = parse_run(info, true);
  const EnvState& st = env_state(info.Env());
  auto* worker = new RunWorker(info.Env(), std::move(run), Exec{st.isa, st.threads});
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

// streamExecutorReadWeights({ executor, repeats }) -> seconds (Executor::read_weights_seconds)
Napi::Value StreamExecutorReadWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "streamExecutorReadWeights";
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, std::string(fn) + ": plan: expected an object");
  const Fields plan(info[0].As<Napi::Object>(), "", fn, nullptr);
  Napi::Value hv = plan.get("executor");
  if (!hv.IsExternal()) throw Napi::TypeError::New(env, std::string(fn) + ": executor: expected a handle from createStreamExecutor");
  const int repeats = static_cast<int>(plan.integer("repeats", 1, 100000));
  Handle* h = hv.As<Napi::External<Handle>>().Data();
  check_borrowed(env, *h);
  bool idle = false;
  if (!h->busy.compare_exchange_strong(idle, true)) throw Napi::Error::New(env, std::string(fn) + ": executor: a run is already in progress");
  const EnvState& st = env_state(env);
  const double s = h->exec->read_weights_seconds(Exec{st.isa, st.threads}, repeats);
  h->busy = false;
  return Napi::Number::New(env, s);
}

}  // namespace

void init_stream_executor(Napi::Env env, Napi::Object exports) {
  exports.Set(kCreate, Napi::Function::New(env, CreateStreamExecutor, kCreate));
  exports.Set(kRun, Napi::Function::New(env, StreamExecutorRun, kRun));
  exports.Set("streamExecutorReadWeights", Napi::Function::New(env, StreamExecutorReadWeights, "streamExecutorReadWeights"));
  exports.Set("streamExecutorRunAsync", Napi::Function::New(env, StreamExecutorRunAsync, "streamExecutorRunAsync"));
}

}  // namespace hashmac
