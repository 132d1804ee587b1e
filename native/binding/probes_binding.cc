// Node-API entry of the machine-limit probes: probe(name, seconds, bytes) runs synchronously on the
// environment's ISA and thread count and returns {rate, seconds, threads}.
#include "../kernels/probes.h"

#include <string>

#include "binding.h"

namespace hashmac {
namespace {

Napi::Value RunProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "probe: name: expected a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  Probe probe;
  if (name == "clock") probe = Probe::kClock;
  else if (name == "popcount") probe = Probe::kPopcount;
  else if (name == "hamming") probe = Probe::kHamming;
  else if (name == "fma") probe = Probe::kFma;
  else if (name == "bandwidth") probe = Probe::kBandwidth;
  else if (name == "update") probe = Probe::kUpdate;
  else throw Napi::RangeError::New(env, "probe: name: expected clock, popcount, hamming, fma, bandwidth or update");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "probe: seconds: expected a number");
  const double seconds = info[1].As<Napi::Number>().DoubleValue();
  if (!(seconds > 0 && seconds <= 60)) throw Napi::RangeError::New(env, "probe: seconds: expected a number in (0, 60]");
  double bytes = 256.0 * (1 << 20);
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "probe: bytes: expected a number");
    bytes = info[2].As<Napi::Number>().DoubleValue();
    if (!(bytes >= 4096 && bytes <= 16.0 * (1ull << 30))) throw Napi::RangeError::New(env, "probe: bytes: expected 4096 .. 16 GiB");
  }
  const EnvState& s = env_state(env);
  const ProbeResult r = run_probe(probe, Exec{s.isa, s.threads}, seconds, static_cast<int64_t>(bytes));
  Napi::Object out = Napi::Object::New(env);
  out.Set("rate", r.rate);
  out.Set("seconds", r.seconds);
  out.Set("threads", r.threads);
  return out;
}

}  // namespace

void init_probes(Napi::Env env, Napi::Object exports) { exports.Set("probe", Napi::Function::New(env, RunProbe, "probe")); }

}  // namespace hashmac
