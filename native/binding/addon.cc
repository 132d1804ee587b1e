// Module entry: per-environment state, runtime controls (ISA, threads), and every family's kernels.
#include <cstdlib>
#include <memory>

#include "../kernels/parallel.h"
#include "binding.h"
#include "kernel_worker.h"

namespace hashmac {

#ifndef HASHMAC_VERSION
#define HASHMAC_VERSION "unknown"
#endif

EnvState& env_state(Napi::Env env) { return *env.GetInstanceData<EnvState>(); }

namespace {

class JobWorker : public KernelWorker {
 public:
  JobWorker(Napi::Env env, std::string fn, Job job, std::shared_ptr<JobMemory> memory)
      : KernelWorker(env, "hashmac", std::move(fn), std::move(memory), js_error), job_(std::move(job)) {}

 private:
  void work() override { job_(); }
  Job job_;
};

Exec current_exec(Napi::Env env) {
  const EnvState& s = env_state(env);
  return Exec{s.isa, s.threads};
}

}  // namespace

void export_kernel(Napi::Env env, Napi::Object exports, const char* name, JobParser parser) {
  std::string fn(name);
  exports.Set(name, Napi::Function::New(env, [parser, fn](const Napi::CallbackInfo& info) -> Napi::Value {
    try {
      ArgReader args(info, fn.c_str(), false);
      parser(args, current_exec(info.Env()))();
    } catch (...) {
      throw js_error(info.Env(), fn, std::current_exception());
    }
    return info.Env().Undefined();
  }, name));
  std::string async_name = fn + "Async";
  exports.Set(async_name, Napi::Function::New(env, [parser, fn](const Napi::CallbackInfo& info) -> Napi::Value {
    return call_promise(info.Env(), fn, js_error, [&]() -> Napi::Value {
      ArgReader args(info, fn.c_str(), true);
      Job job = parser(args, current_exec(info.Env()));
      auto* worker = new JobWorker(info.Env(), fn, std::move(job), args.memory());
      Napi::Promise promise = worker->promise();
      worker->Queue();
      return promise;
    });
  }, async_name));
}

namespace {

Napi::Value SupportedIsas(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512})
    if (isa_supported(isa)) out.Set(n++, Napi::String::New(info.Env(), isa_name(isa)));
  return out;
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_name(env_state(info.Env()).isa)); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Isa isa;
  if (!info[0].IsString() || !parse_isa(info[0].As<Napi::String>().Utf8Value().c_str(), &isa)) {
    throw Napi::RangeError::New(info.Env(), "setIsa: isa: expected 'scalar', 'avx2' or 'avx512'");
  }
  if (!isa_supported(isa)) throw Napi::RangeError::New(info.Env(), std::string("setIsa: this CPU does not support ") + isa_name(isa));
  env_state(info.Env()).isa = isa;
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), env_state(info.Env()).threads); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setNumThreads: n: expected an integer");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n)) {
    throw Napi::RangeError::New(info.Env(), "setNumThreads: n: expected an integer in [1, 1024]");
  }
  env_state(info.Env()).threads = static_cast<int>(n);
  return info.Env().Undefined();
}

Napi::Value HardwareThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), hardware_threads()); }
Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), HASHMAC_VERSION); }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new EnvState{best_isa(), hardware_threads()});
  exports.Set("supportedIsas", Napi::Function::New(env, SupportedIsas, "supportedIsas"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("hardwareThreads", Napi::Function::New(env, HardwareThreads, "hardwareThreads"));
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  init_lsh(env, exports);
  init_probes(env, exports);
  init_noisy(env, exports);
  init_retnet(env, exports);
  init_xlstm(env, exports);
  init_mamba2(env, exports);
  init_hawk(env, exports);
  init_ops(env, exports);
  init_stream_executor(env, exports);
  return exports;
}

}  // namespace hashmac

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return hashmac::Init(env, exports); }

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME hashmac
#endif
NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitModule)
