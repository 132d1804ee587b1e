// Module entry of the CUDA addon: device queries, streams, device buffers, and every family's kernels.
#include <cstdlib>
#include <cstring>

#include "../peak.h"
#include "call.h"

#ifndef HASHMAC_VERSION
#define HASHMAC_VERSION "unknown"
#endif

namespace hashmac::cuda {
namespace {

Napi::Value DeviceCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), device_count(nullptr)); }

// { available, reason?, devices: [...] }: never throws, so `hashmac info` can always say why.
Napi::Value DeviceInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  std::string why;
  const int n = device_count(&why);
  out.Set("available", Napi::Boolean::New(env, n > 0));
  if (n == 0) out.Set("reason", Napi::String::New(env, why));
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) out.Set("runtimeVersion", Napi::Number::New(env, runtime));
  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess) out.Set("driverVersion", Napi::Number::New(env, driver));
  Napi::Array devices = Napi::Array::New(env);
  for (int d = 0; d < n; ++d) {
    try {
      const DeviceInfo di = device_info(d);
      Napi::Object o = Napi::Object::New(env);
      o.Set("index", d);
      o.Set("name", di.name);
      o.Set("computeCapability", std::to_string(di.major) + "." + std::to_string(di.minor));
      o.Set("multiprocessors", di.multiprocessors);
      o.Set("memoryBytes", static_cast<double>(di.total_memory));
      o.Set("l2Bytes", static_cast<double>(di.l2_bytes));
      o.Set("sharedPerBlockOptinBytes", static_cast<double>(di.shared_per_block_optin));
      o.Set("clockKHz", di.clock_khz);
      o.Set("memoryClockKHz", di.memory_clock_khz);
      o.Set("memoryBusBits", di.memory_bus_bits);
      // Theoretical DRAM bandwidth: 2 transfers per memory clock (DDR) over the bus.
      o.Set("peakBandwidthGBs", 2.0 * di.memory_clock_khz * 1e3 * (di.memory_bus_bits / 8) / 1e9);
      devices.Set(static_cast<uint32_t>(d), o);
    } catch (const std::exception& e) {
      out.Set("reason", Napi::String::New(env, e.what()));
    }
  }
  out.Set("devices", devices);
  return out;
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  try {
    default_stream(info.Env())->synchronize();
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("synchronize: ") + e.what());
  }
  return info.Env().Undefined();
}

// 'popc' (CUDA-core XOR + popcount) or 'mma' (b1 tensor cores, AND form): which Hamming GEMM to run.
Napi::Value SetHammingAlgo(const Napi::CallbackInfo& info) {
  const std::string v = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (v != "popc" && v != "mma") throw Napi::RangeError::New(info.Env(), "setHammingAlgo: algo: expected 'popc' or 'mma'");
  cuda_env(info.Env()).hamming_algo = v == "mma" ? 1 : 0;
  return info.Env().Undefined();
}

Napi::Value GetHammingAlgo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), cuda_env(info.Env()).hamming_algo == 1 ? "mma" : "popc");
}

// 'fp32' (CUDA cores) or 'tf32x3' (tensor cores, split operands): the sign projection's arithmetic.
Napi::Value SetSignPrecision(const Napi::CallbackInfo& info) {
  const std::string v = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (v != "fp32" && v != "tf32x3") throw Napi::RangeError::New(info.Env(), "setSignPrecision: precision: expected 'fp32' or 'tf32x3'");
  cuda_env(info.Env()).sign_precision = v == "tf32x3" ? 1 : 0;
  return info.Env().Undefined();
}

Napi::Value GetSignPrecision(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), cuda_env(info.Env()).sign_precision == 1 ? "tf32x3" : "fp32");
}

// The stream of an optional StreamHandle argument, else the default stream.
StreamPtr stream_arg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (info.Length() > i && info[i].IsObject() && info[i].As<Napi::Object>().InstanceOf(cuda_env(env).stream_ctor.Value())) {
    return StreamHandle::Unwrap(info[i].As<Napi::Object>())->stream();
  }
  return default_stream(env);
}

// recordEvent(stream?) -> an event recorded on the stream; elapsedMs(start, stop) waits for stop.
// Used by scripts/gpu-bench.ts to time calls on the GPU's clock.
Napi::Value RecordEvent(const Napi::CallbackInfo& info) {
  try {
    cudaEvent_t ev;
    HASHMAC_CUDA_CHECK(cudaEventCreate(&ev));
    HASHMAC_CUDA_CHECK(cudaEventRecord(ev, stream_arg(info, 0)->get()));
    return Napi::External<CUevent_st>::New(info.Env(), ev, [](Napi::Env, CUevent_st* e) { cudaEventDestroy(e); });
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("recordEvent: ") + e.what());
  }
}

Napi::Value ElapsedMs(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal() || !info[1].IsExternal()) throw Napi::TypeError::New(info.Env(), "elapsedMs: expected two events from recordEvent()");
  cudaEvent_t a = info[0].As<Napi::External<CUevent_st>>().Data(), b = info[1].As<Napi::External<CUevent_st>>().Data();
  try {
    HASHMAC_CUDA_CHECK(cudaEventSynchronize(b));
    float ms = 0;
    HASHMAC_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    return Napi::Number::New(info.Env(), ms);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("elapsedMs: ") + e.what());
  }
}

// measurePeaks(copyBytes, reps) -> { copyGBs, fp32Tflops, popcTops }: the limits benchmarks compare to.
Napi::Value MeasurePeaks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double bytes = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 1e9;
  const double reps = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 20;
  if (!(bytes >= 1 && bytes <= 1e12) || !(reps >= 1 && reps <= 1e4)) throw Napi::RangeError::New(env, "measurePeaks: expected copyBytes in [1, 1e12], reps in [1, 1e4]");
  try {
    cudaStream_t s = default_stream(env)->get();
    Napi::Object out = Napi::Object::New(env);
    out.Set("copyGBs", copy_bandwidth_gbs(static_cast<size_t>(bytes), static_cast<int>(reps), s));
    out.Set("fp32Tflops", fma_tflops(static_cast<int>(reps), s));
    out.Set("popcTops", popc_tops(static_cast<int>(reps), s));
    return out;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("measurePeaks: ") + e.what());
  }
}

Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), HASHMAC_VERSION); }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new CudaEnv();
  const char* algo = std::getenv("HASHMAC_CUDA_HAMMING");
  state->hamming_algo = algo && std::strcmp(algo, "mma") == 0 ? 1 : 0;
  const char* sign = std::getenv("HASHMAC_CUDA_SIGN");
  state->sign_precision = sign && std::strcmp(sign, "tf32x3") == 0 ? 1 : 0;
  env.SetInstanceData(state);
  Napi::Function buffer = DeviceBuffer::Define(env);
  Napi::Function stream = StreamHandle::Define(env);
  state->buffer_ctor = Napi::Persistent(buffer);
  state->stream_ctor = Napi::Persistent(stream);
  exports.Set("DeviceBuffer", buffer);
  exports.Set("StreamHandle", stream);
  exports.Set("deviceCount", Napi::Function::New(env, DeviceCount, "deviceCount"));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfoJs, "deviceInfo"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  exports.Set("setHammingAlgo", Napi::Function::New(env, SetHammingAlgo, "setHammingAlgo"));
  exports.Set("getHammingAlgo", Napi::Function::New(env, GetHammingAlgo, "getHammingAlgo"));
  exports.Set("setSignPrecision", Napi::Function::New(env, SetSignPrecision, "setSignPrecision"));
  exports.Set("getSignPrecision", Napi::Function::New(env, GetSignPrecision, "getSignPrecision"));
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("recordEvent", Napi::Function::New(env, RecordEvent, "recordEvent"));
  exports.Set("elapsedMs", Napi::Function::New(env, ElapsedMs, "elapsedMs"));
  exports.Set("measurePeaks", Napi::Function::New(env, MeasurePeaks, "measurePeaks"));
  init_lsh(env, exports);
  init_mamba2(env, exports);
  init_retnet(env, exports);
  init_xlstm(env, exports);
  init_hawk(env, exports);
  init_noisy(env, exports);
  init_ops(env, exports);
  return exports;
}

}  // namespace hashmac::cuda

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return hashmac::cuda::Init(env, exports); }

NODE_API_MODULE(hashmac_cuda, InitModule)
