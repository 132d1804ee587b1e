// Node-API plumbing shared by every kernel family's binding: argument readers that check types and
// lengths (so a bad call throws instead of crashing), and exports of each kernel as a sync function
// `name` plus a Promise-returning `nameAsync` that runs on the libuv pool while holding references to
// every array it touches.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "../kernels/isa.h"
#include "../kernels/parallel.h"  // ceil_div

namespace hashmac {

// Per-environment settings (each worker_thread has its own): the ISA and thread count to use.
struct EnvState {
  Isa isa;
  int threads;
};

EnvState& env_state(Napi::Env env);

using Job = std::function<void()>;

class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  template <typename T>
  T* array(size_t i, const char* name, int64_t min_length) {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) throw type_error(name, "a typed array");
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != type_of<T>()) throw type_error(name, expected_name<T>());
    Napi::TypedArrayOf<T> typed = v.As<Napi::TypedArrayOf<T>>();
    if (static_cast<int64_t>(typed.ElementLength()) < min_length) {
      throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": " + name + ": needs " + std::to_string(min_length) +
                                                   " elements, has " + std::to_string(typed.ElementLength()));
    }
    keep_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    return typed.Data();
  }

  // An optional array: nullptr when the argument is undefined or null.
  template <typename T>
  T* optional_array(size_t i, const char* name, int64_t min_length) {
    if (info_[i].IsUndefined() || info_[i].IsNull()) return nullptr;
    return array<T>(i, name, min_length);
  }

  int64_t integer(size_t i, const char* name, int64_t min = 0) {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) throw type_error(name, "an integer");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min)) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": " + name + ": expected an integer >= " + std::to_string(min));
    }
    return static_cast<int64_t>(d);
  }

  double number(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) throw type_error(name, "a number");
    return v.As<Napi::Number>().DoubleValue();
  }

  bool boolean(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (!v.IsBoolean()) throw type_error(name, "a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  // Slots (int32, `batch` of them) that name distinct pool rows in [0, pool) or are negative (padding):
  // two jobs sharing a row would race, and an out-of-range slot would index past the pool.
  const int32_t* slots(size_t i, int64_t batch, int64_t pool) {
    const int32_t* slots = array<int32_t>(i, "slots", batch);
    std::vector<bool> seen(static_cast<size_t>(pool), false);
    for (int64_t b = 0; b < batch; ++b) {
      const int32_t s = slots[b];
      if (s < 0) continue;
      if (s >= pool || seen[static_cast<size_t>(s)]) {
        throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": slots[" + std::to_string(b) + "] = " + std::to_string(s) +
                                                     (s >= pool ? " is outside the pool" : " appears twice"));
      }
      seen[static_cast<size_t>(s)] = true;
    }
    return slots;
  }

  // The product of buffer dimensions, checked for int64 overflow (sizes come straight from JS numbers).
  int64_t product(std::initializer_list<int64_t> sizes) {
    int64_t p = 1;
    for (int64_t x : sizes) {
      if (__builtin_mul_overflow(p, x, &p)) throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": size product overflows");
    }
    return p;
  }

  // A RangeError "<function>: <what>" for checks a parser makes beyond single arguments.
  Napi::Error range_error(const std::string& what) { return Napi::RangeError::New(info_.Env(), std::string(fn_) + ": " + what); }

  std::vector<Napi::ObjectReference>& kept() { return keep_; }
  Napi::Env env() const { return info_.Env(); }

 private:
  Napi::Error type_error(const char* name, const char* what) {
    return Napi::TypeError::New(info_.Env(), std::string(fn_) + ": " + name + ": expected " + what);
  }
  template <typename T> static napi_typedarray_type type_of();
  template <typename T> static const char* expected_name();

  const Napi::CallbackInfo& info_;
  const char* fn_;
  std::vector<Napi::ObjectReference> keep_;
};

template <> inline napi_typedarray_type ArgReader::type_of<float>() { return napi_float32_array; }
template <> inline napi_typedarray_type ArgReader::type_of<int32_t>() { return napi_int32_array; }
template <> inline napi_typedarray_type ArgReader::type_of<uint8_t>() { return napi_uint8_array; }
template <> inline napi_typedarray_type ArgReader::type_of<uint16_t>() { return napi_uint16_array; }
template <> inline const char* ArgReader::expected_name<float>() { return "a Float32Array"; }
template <> inline const char* ArgReader::expected_name<int32_t>() { return "an Int32Array"; }
template <> inline const char* ArgReader::expected_name<uint8_t>() { return "a Uint8Array"; }
template <> inline const char* ArgReader::expected_name<uint16_t>() { return "a Uint16Array"; }

// Reads and checks a call's arguments and returns the work to do; must not touch JS values in the job.
using JobParser = std::function<Job(ArgReader&, const Exec&)>;

// Exports `name` (runs the job now) and `nameAsync` (runs it on the libuv pool, returns a Promise).
void export_kernel(Napi::Env env, Napi::Object exports, const char* name, JobParser parser);

// Each kernel family registers its functions here (defined in its *_binding.cc).
void init_lsh(Napi::Env env, Napi::Object exports);
void init_probes(Napi::Env env, Napi::Object exports);
void init_noisy(Napi::Env env, Napi::Object exports);
void init_retnet(Napi::Env env, Napi::Object exports);
void init_xlstm(Napi::Env env, Napi::Object exports);
void init_mamba2(Napi::Env env, Napi::Object exports);
void init_hawk(Napi::Env env, Napi::Object exports);
void init_ops(Napi::Env env, Napi::Object exports);
void init_stream_executor(Napi::Env env, Napi::Object exports);

}  // namespace hashmac
