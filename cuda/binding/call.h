// Node-API plumbing of the CUDA addon.
//
// Data: an array argument is either a host typed array (copied to a stream-ordered device buffer before
// the kernel and, when written, back after it) or a DeviceBuffer — device-resident memory owned by JS
// (state pools, encoded weights, projections) that no call copies. Explicit upload()/download() move a
// DeviceBuffer's contents.
// Streams: a call runs on the stream of its first resident argument that it writes, else of its first
// resident argument, else the environment's default stream; resident arguments living on other streams
// are ordered against it with events. `name` runs a kernel and waits; `nameAsync` does the same on the
// libuv pool and resolves when the stream has finished. Every CUDA status is checked; failures become JS
// errors whose message starts with the function name and the CUDA error name (also in `error.code`).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../runtime.h"

namespace hashmac::cuda {

// new StreamHandle(): one CUDA stream; DeviceBuffers created with it run their calls on it.
class StreamHandle : public Napi::ObjectWrap<StreamHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit StreamHandle(const Napi::CallbackInfo& info);
  const StreamPtr& stream() const { return stream_; }

 private:
  Napi::Value Synchronize(const Napi::CallbackInfo& info);
  StreamPtr stream_;
};

// new DeviceBuffer(byteLength, stream?): zero-filled device memory.
class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DeviceBuffer(const Napi::CallbackInfo& info);
  ~DeviceBuffer() override;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  const StreamPtr& stream() const { return stream_; }
  std::atomic<int>& in_flight() { return in_flight_; }

 private:
  Napi::Value Upload(const Napi::CallbackInfo& info);
  Napi::Value Download(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  void release();

  void* data_ = nullptr;
  size_t bytes_ = 0;
  StreamPtr stream_;
  std::atomic<int> in_flight_{0};
};

// Per-environment state: the default stream and the algorithm choices of the LSH kernels.
struct CudaEnv {
  StreamPtr default_stream;
  Napi::FunctionReference buffer_ctor, stream_ctor;
  int hamming_algo = 0;    // HammingAlgo
  int sign_precision = 0;  // SignPrecision
};
CudaEnv& cuda_env(Napi::Env env);
StreamPtr default_stream(Napi::Env env);

// One array operand of a call.
struct Operand {
  void* host = nullptr;         // typed array data (transient) or nullptr
  DeviceBuffer* resident = nullptr;
  size_t bytes = 0;
  bool read = false, write = false;
  void* device = nullptr;       // valid between CallData::begin() and end()
  size_t offset = 0;            // of a transient in the call's device block and staging buffer
};

// Everything a call needs off the JS thread: operands, the stream, and (async) references that keep the
// JS arrays alive until the call settles.
class CallData {
 public:
  template <typename T>
  T* ptr(int index) const { return index < 0 ? nullptr : static_cast<T*>(ops_[index].device); }
  cudaStream_t stream() const { return stream_->get(); }

  // Takes the stream, uploads the transients (one block, one copy through pinned staging), and orders
  // resident operands of other streams before the call.
  void begin();
  // Orders those streams after the call, downloads the written transients (one copy), frees, waits.
  void end();
  ~CallData();

 private:
  friend class CudaArgs;
  std::vector<Operand> ops_;
  StreamPtr stream_;
  std::unique_lock<std::mutex> lock_;
  uint8_t* block_ = nullptr;    // device memory of every transient
  size_t download_begin_ = 0, total_ = 0;
  bool begun_ = false, ended_ = false;
  bool counted_ = false;  // resident in_flight counters were raised by CudaArgs::finish()
};

using CudaJob = std::function<void(CallData&)>;

class CudaArgs {
 public:
  CudaArgs(const Napi::CallbackInfo& info, const char* fn);

  // Array operands: count elements of T; returns an index for CallData::ptr (-1: absent optional).
  template <typename T> int in(size_t i, const char* name, int64_t count) { return operand(i, name, count, sizeof(T), type_of<T>(), true, false); }
  template <typename T> int out(size_t i, const char* name, int64_t count) { return operand(i, name, count, sizeof(T), type_of<T>(), false, true); }
  template <typename T> int inout(size_t i, const char* name, int64_t count) { return operand(i, name, count, sizeof(T), type_of<T>(), true, true); }
  template <typename T> int optional_in(size_t i, const char* name, int64_t count) {
    return info_[i].IsUndefined() || info_[i].IsNull() ? -1 : in<T>(i, name, count);
  }
  template <typename T> int optional_out(size_t i, const char* name, int64_t count) {
    return info_[i].IsUndefined() || info_[i].IsNull() ? -1 : out<T>(i, name, count);
  }

  // slots[B] as a host Int32Array, checked here (each in [-1, S) after negatives, no duplicates) because
  // the kernels index state pools with them.
  int slots(size_t i, int64_t B, int64_t S);

  int64_t integer(size_t i, const char* name, int64_t min = 0);
  double number(size_t i, const char* name);
  bool boolean(size_t i, const char* name);
  int64_t product(std::initializer_list<int64_t> xs);  // overflow-checked
  Napi::Error range_error(const std::string& what) const;

  // Resolves the call's stream; the references keep JS arrays and buffers alive (async calls).
  std::shared_ptr<CallData> finish();
  std::vector<Napi::ObjectReference>& kept() { return keep_; }
  Napi::Env env() const { return info_.Env(); }
  const char* fn() const { return fn_; }

 private:
  int operand(size_t i, const char* name, int64_t count, size_t elem, napi_typedarray_type type, bool read, bool write);
  template <typename T> static napi_typedarray_type type_of();

  const Napi::CallbackInfo& info_;
  const char* fn_;
  std::shared_ptr<CallData> data_ = std::make_shared<CallData>();
  std::vector<Napi::ObjectReference> keep_;
};

template <> inline napi_typedarray_type CudaArgs::type_of<float>() { return napi_float32_array; }
template <> inline napi_typedarray_type CudaArgs::type_of<int32_t>() { return napi_int32_array; }
template <> inline napi_typedarray_type CudaArgs::type_of<uint8_t>() { return napi_uint8_array; }
template <> inline napi_typedarray_type CudaArgs::type_of<uint32_t>() { return napi_uint8_array; }  // packed codes arrive as bytes

// Reads and checks a call's arguments on the JS thread and returns the work to run with its CallData.
using CudaParser = std::function<CudaJob(CudaArgs&)>;

// Exports `name` (runs and waits) and `nameAsync` (returns a Promise resolved when the stream finished).
void export_cuda_kernel(Napi::Env env, Napi::Object exports, const char* name, CudaParser parser);

// Each kernel family registers its functions here (defined in cuda/binding/<family>_binding.cc).
void init_lsh(Napi::Env env, Napi::Object exports);
void init_mamba2(Napi::Env env, Napi::Object exports);
void init_retnet(Napi::Env env, Napi::Object exports);
void init_xlstm(Napi::Env env, Napi::Object exports);
void init_hawk(Napi::Env env, Napi::Object exports);
void init_noisy(Napi::Env env, Napi::Object exports);
void init_ops(Napi::Env env, Napi::Object exports);

}  // namespace hashmac::cuda
