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

#include "../../native/binding/plan_reader.h"
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
  void* host = nullptr;         // host data (the plan's typed array, or the async call's own copy) or nullptr
  DeviceBuffer* resident = nullptr;
  size_t bytes = 0;
  bool read = false, write = false;
  void* device = nullptr;       // valid between CallData::begin() and end()
  size_t offset = 0;            // of a transient in the call's device block and staging buffer
  void** bind = nullptr;        // the args-struct field that receives `device` in begin()
};

// Everything a call needs off the JS thread: operands, the stream, and the host memory it owns.
class CallData {
 public:
  cudaStream_t stream() const { return stream_->get(); }

  // Takes the stream, uploads the transients (one block, one copy through pinned staging), orders
  // resident operands of other streams before the call, and points each bound field at its operand.
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

// The CUDA addon's plan reader (see native/binding/plan_reader.h): array fields may be DeviceBuffers.
// A sync call reads and writes host arrays in place; an async call copies them into its JobMemory on
// the JS thread and writes the results back there when it settles (as the CPU addon does).
class CudaArgs : public PlanReader {
 public:
  CudaArgs(const Napi::CallbackInfo& info, const char* fn, bool async);

  // The args struct the family reader fills: it lives as long as the job, so its fields can be bound.
  template <class Args> std::shared_ptr<Args> args() { return std::make_shared<Args>(); }

  template <typename T> void in(const T*& f, const char* name, int64_t count) { operand<T>(const_cast<T**>(&f), name, count, true, false); }
  template <typename T> void out(T*& f, const char* name, int64_t count) { operand<T>(&f, name, count, false, true); }
  template <typename T> void optional_in(const T*& f, const char* name, int64_t count) { if (present(name)) in(f, name, count); }
  template <typename T> void optional_out(T*& f, const char* name, int64_t count) { if (present(name)) out(f, name, count); }
  // A state pool of `pool` rows of `row` elements (the pool the slots were checked against).
  template <typename T> void pool(T*& f, const char* name, int64_t row) { operand<T>(&f, name, product({pool_, row}), true, true); }
  // The call's slots, copied and checked (PlanReader::read_slots), uploaded from the call's own copy.
  void slots(const int32_t*& f, const char* name, int64_t batch, int64_t pool);

  // Resolves the call's stream; keeps resident buffers counted until the call settles.
  std::shared_ptr<CallData> finish();
  std::vector<Napi::ObjectReference>& kept() { return keep_; }
  std::shared_ptr<JobMemory> memory() const { return memory_; }

 private:
  template <typename T>
  void operand(T** field, const char* name, int64_t count, bool read, bool write) {
    add(name, count, sizeof(T), ElementType<T>::type, read, write, reinterpret_cast<void**>(field));
  }
  void add(const char* name, int64_t count, size_t elem, napi_typedarray_type type, bool read, bool write, void** bind_to);

  std::shared_ptr<CallData> data_ = std::make_shared<CallData>();
  std::shared_ptr<JobMemory> memory_ = std::make_shared<JobMemory>();
  bool async_;
  std::vector<Napi::ObjectReference> keep_;  // resident DeviceBuffers, alive until the call settles
};

// Reads and checks a call's arguments on the JS thread and returns the work to run with its CallData.
using CudaParser = std::function<CudaJob(CudaArgs&)>;

// Exports `name` (runs and waits) and `nameAsync` (returns a Promise resolved when the stream finished;
// bad plans reject it).
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
