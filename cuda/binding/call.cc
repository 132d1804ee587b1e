// Device buffers, streams and the call machinery of the CUDA addon (see call.h).
#include "call.h"

#include "../../native/binding/kernel_worker.h"

#include <cstring>
#include <stdexcept>

namespace hashmac::cuda {

CudaEnv& cuda_env(Napi::Env env) { return *env.GetInstanceData<CudaEnv>(); }

StreamPtr default_stream(Napi::Env env) {
  CudaEnv& e = cuda_env(env);
  if (!e.default_stream) {
    int device = 0;
    HASHMAC_CUDA_CHECK(cudaGetDevice(&device));
    e.default_stream = std::make_shared<Stream>(device);
  }
  return e.default_stream;
}

namespace {

// A JS Error for a C++ exception (js_error: RangeError for sizes and allocation, Error otherwise), with
// the CUDA error's name in `code` for CUDA failures.
Napi::Error to_js_error(Napi::Env env, const std::string& fn, std::exception_ptr failure) {
  Napi::Error err = js_error(env, fn, failure);
  try {
    std::rethrow_exception(failure);
  } catch (const CudaError& ce) {
    err.Set("code", Napi::String::New(env, cudaGetErrorName(ce.code())));
  } catch (...) {
  }
  return err;
}

template <typename F>
auto rethrow_as_js(Napi::Env env, const std::string& fn, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    throw to_js_error(env, fn, std::current_exception());
  }
}

void run_call(CallData& data, const CudaJob& job) {
  data.begin();
  job(data);
  data.end();
}

class CallWorker : public KernelWorker {
 public:
  CallWorker(Napi::Env env, std::string fn, std::shared_ptr<CallData> data, CudaJob job, std::shared_ptr<JobMemory> memory,
             std::vector<Napi::ObjectReference> keep)
      : KernelWorker(env, "hashmac_cuda", std::move(fn), std::move(memory), to_js_error), data_(std::move(data)),
        job_(std::move(job)), keep_(std::move(keep)) {}

 private:
  void work() override {
    // The transients are freed (stream-ordered) before the promise settles, whatever happened.
    std::shared_ptr<CallData> data = std::move(data_);
    run_call(*data, job_);
  }
  std::shared_ptr<CallData> data_;
  CudaJob job_;
  std::vector<Napi::ObjectReference> keep_;  // resident DeviceBuffers, released on the JS thread
};

}  // namespace

// ---- StreamHandle ---------------------------------------------------------------------------------
Napi::Function StreamHandle::Define(Napi::Env env) {
  return DefineClass(env, "StreamHandle", {InstanceMethod("synchronize", &StreamHandle::Synchronize)});
}

StreamHandle::StreamHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StreamHandle>(info) {
  rethrow_as_js(info.Env(), "StreamHandle", [&] {
    int device = 0;
    HASHMAC_CUDA_CHECK(cudaGetDevice(&device));
    stream_ = std::make_shared<Stream>(device);
  });
}

Napi::Value StreamHandle::Synchronize(const Napi::CallbackInfo& info) {
  rethrow_as_js(info.Env(), "StreamHandle.synchronize", [&] { stream_->synchronize(); });
  return info.Env().Undefined();
}

// ---- DeviceBuffer ---------------------------------------------------------------------------------
Napi::Function DeviceBuffer::Define(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {InstanceMethod("upload", &DeviceBuffer::Upload), InstanceMethod("download", &DeviceBuffer::Download),
                      InstanceMethod("free", &DeviceBuffer::Free), InstanceAccessor("byteLength", &DeviceBuffer::ByteLength, nullptr)});
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "DeviceBuffer: byteLength: expected an integer");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1e15) || n != static_cast<double>(static_cast<int64_t>(n))) {
    throw Napi::RangeError::New(env, "DeviceBuffer: byteLength: expected an integer >= 1");
  }
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsObject() || !info[1].As<Napi::Object>().InstanceOf(cuda_env(env).stream_ctor.Value())) {
      throw Napi::TypeError::New(env, "DeviceBuffer: stream: expected a StreamHandle");
    }
    stream_ = StreamHandle::Unwrap(info[1].As<Napi::Object>())->stream();
  }
  rethrow_as_js(env, "DeviceBuffer", [&] {
    if (!stream_) stream_ = default_stream(env);
    bytes_ = static_cast<size_t>(n);
    HASHMAC_CUDA_CHECK(cudaMalloc(&data_, bytes_));
    HASHMAC_CUDA_CHECK(cudaMemsetAsync(data_, 0, bytes_, stream_->get()));
    stream_->synchronize();
  });
}

void DeviceBuffer::release() {
  if (!data_) return;
  cudaStreamSynchronize(stream_->get());
  cudaFree(data_);
  data_ = nullptr;
}

DeviceBuffer::~DeviceBuffer() { release(); }

namespace {
// The bytes of a typed array argument that must match the buffer's size exactly.
std::pair<void*, size_t> host_bytes(const Napi::CallbackInfo& info, const char* fn) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected a typed array");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  return {static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset(), ta.ByteLength()};
}
}  // namespace

Napi::Value DeviceBuffer::Upload(const Napi::CallbackInfo& info) {
  auto [host, n] = host_bytes(info, "DeviceBuffer.upload");
  if (!data_) throw Napi::Error::New(info.Env(), "DeviceBuffer.upload: the buffer was freed");
  if (n != bytes_) throw Napi::RangeError::New(info.Env(), "DeviceBuffer.upload: expected " + std::to_string(bytes_) + " bytes, got " + std::to_string(n));
  rethrow_as_js(info.Env(), "DeviceBuffer.upload", [&] {
    HASHMAC_CUDA_CHECK(cudaMemcpyAsync(data_, host, n, cudaMemcpyHostToDevice, stream_->get()));
    stream_->synchronize();
  });
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::Download(const Napi::CallbackInfo& info) {
  auto [host, n] = host_bytes(info, "DeviceBuffer.download");
  if (!data_) throw Napi::Error::New(info.Env(), "DeviceBuffer.download: the buffer was freed");
  if (n != bytes_) throw Napi::RangeError::New(info.Env(), "DeviceBuffer.download: expected " + std::to_string(bytes_) + " bytes, got " + std::to_string(n));
  rethrow_as_js(info.Env(), "DeviceBuffer.download", [&] {
    HASHMAC_CUDA_CHECK(cudaMemcpyAsync(host, data_, n, cudaMemcpyDeviceToHost, stream_->get()));
    stream_->synchronize();
  });
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::Free(const Napi::CallbackInfo& info) {
  if (in_flight_.load() > 0) throw Napi::Error::New(info.Env(), "DeviceBuffer.free: a call using this buffer has not settled");
  release();
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(data_ ? bytes_ : 0));
}

// ---- calls ----------------------------------------------------------------------------------------
CudaArgs::CudaArgs(const Napi::CallbackInfo& info, const char* fn, bool async) : PlanReader(info, fn), async_(async) {}

void CudaArgs::add(const char* name, int64_t count, size_t elem, napi_typedarray_type type, bool read, bool write, void** bind_to) {
  Napi::Value v = field(name);
  Operand op;
  op.bytes = static_cast<size_t>(count) * elem;
  op.read = read;
  op.write = write;
  op.bind = bind_to;
  if (v.IsObject() && v.As<Napi::Object>().InstanceOf(cuda_env(env_).buffer_ctor.Value())) {
    DeviceBuffer* buf = DeviceBuffer::Unwrap(v.As<Napi::Object>());
    if (!buf->data()) throw Napi::Error::New(env_, std::string(fn_) + ": " + name + ": the DeviceBuffer was freed");
    if (buf->bytes() < op.bytes) {
      throw range_error(std::string(name) + ": needs " + std::to_string(op.bytes) + " bytes, the DeviceBuffer has " + std::to_string(buf->bytes()));
    }
    op.resident = buf;
    keep_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  } else {
    HostArray h;
    switch (type) {
      case napi_float32_array: h = host_array<float>(name, count); break;
      case napi_int32_array: h = host_array<int32_t>(name, count); break;
      default: h = host_array<uint8_t>(name, count); break;
    }
    op.host = h.data;
    if (async_) {
      // The async job reads and writes its own copy; written ones go back when the call settles.
      op.host = memory_->copy(read ? h.data : nullptr, op.bytes);
      if (write) memory_->write_back(h.value, name, static_cast<uint8_t*>(op.host), op.bytes, op.bytes);
    }
  }
  data_->ops_.push_back(op);
}

void CudaArgs::slots(const int32_t*& f, const char* name, int64_t batch, int64_t pool) {
  const std::vector<int32_t>& s = read_slots(name, batch, pool);
  Operand op;
  op.host = memory_->copy(s.data(), s.size() * sizeof(int32_t));
  op.bytes = s.size() * sizeof(int32_t);
  op.read = true;
  op.bind = reinterpret_cast<void**>(const_cast<int32_t**>(&f));
  data_->ops_.push_back(op);
}

std::shared_ptr<CallData> CudaArgs::finish() {
  for (const Operand& op : data_->ops_)
    if (op.resident && op.write) { data_->stream_ = op.resident->stream(); break; }
  if (!data_->stream_)
    for (const Operand& op : data_->ops_)
      if (op.resident) { data_->stream_ = op.resident->stream(); break; }
  if (!data_->stream_) data_->stream_ = rethrow_as_js(env_, fn_, [&] { return default_stream(env_); });
  for (Operand& op : data_->ops_)
    if (op.resident) op.resident->in_flight()++;
  data_->counted_ = true;
  return data_;
}

namespace {
// Makes `waiter` wait for the work enqueued so far on `source`.
void order_after(cudaStream_t waiter, cudaStream_t source) {
  cudaEvent_t ev;
  HASHMAC_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
  cudaError_t s = cudaEventRecord(ev, source);
  if (s == cudaSuccess) s = cudaStreamWaitEvent(waiter, ev, 0);
  cudaEventDestroy(ev);  // destruction is deferred by the runtime until the event completes
  HASHMAC_CUDA_CHECK(s);
}
}  // namespace

void CallData::begin() {
  lock_ = std::unique_lock<std::mutex>(stream_->call_mutex());
  begun_ = true;
  HASHMAC_CUDA_CHECK(cudaSetDevice(stream_->device()));
  cudaStream_t s = stream_->get();
  // Transients in one device block laid out [read-only | read-write | write-only], 256-byte aligned:
  // the upload covers the first two parts, the download the last two, the zero fill the last.
  size_t off = 0;
  auto place = [&](bool read, bool write) {
    for (Operand& op : ops_) {
      if (op.resident || op.read != read || op.write != write) continue;
      op.offset = off;
      off += (op.bytes + 255) / 256 * 256;
    }
  };
  place(true, false);
  download_begin_ = off;
  place(true, true);
  const size_t upload_end = off;
  place(false, true);
  total_ = off;
  if (total_) {
    uint8_t* staging = stream_->staging(total_);
    HASHMAC_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&block_), total_, s));
    for (Operand& op : ops_) {
      if (op.resident) continue;
      op.device = block_ + op.offset;
      if (op.read) std::memcpy(staging + op.offset, op.host, op.bytes);
    }
    if (upload_end) HASHMAC_CUDA_CHECK(cudaMemcpyAsync(block_, staging, upload_end, cudaMemcpyHostToDevice, s));
    if (total_ > upload_end) HASHMAC_CUDA_CHECK(cudaMemsetAsync(block_ + upload_end, 0, total_ - upload_end, s));
  }
  for (Operand& op : ops_) {
    if (!op.resident) continue;
    op.device = op.resident->data();
    if (op.resident->stream() != stream_) order_after(s, op.resident->stream()->get());
  }
  for (Operand& op : ops_)
    if (op.bind) *op.bind = op.device;
}

void CallData::end() {
  ended_ = true;
  cudaStream_t s = stream_->get();
  for (Operand& op : ops_)
    if (op.resident && op.resident->stream() != stream_) order_after(op.resident->stream()->get(), s);
  uint8_t* staging = total_ ? stream_->staging(total_) : nullptr;
  if (total_ > download_begin_) {
    HASHMAC_CUDA_CHECK(cudaMemcpyAsync(staging + download_begin_, block_ + download_begin_, total_ - download_begin_, cudaMemcpyDeviceToHost, s));
  }
  if (block_) {
    HASHMAC_CUDA_CHECK(cudaFreeAsync(block_, s));
    block_ = nullptr;
  }
  stream_->synchronize();
  for (Operand& op : ops_)
    if (!op.resident && op.write) std::memcpy(op.host, staging + op.offset, op.bytes);
  lock_.unlock();
}

CallData::~CallData() {
  // A call that failed midway still returns its block to the pool and settles its stream.
  if (stream_ && block_) cudaFreeAsync(block_, stream_->get());
  if (stream_ && begun_ && !ended_) cudaStreamSynchronize(stream_->get());
  if (counted_)
    for (Operand& op : ops_)
      if (op.resident) op.resident->in_flight()--;
}

void export_cuda_kernel(Napi::Env env, Napi::Object exports, const char* name, CudaParser parser) {
  const std::string fn(name);
  exports.Set(name, Napi::Function::New(env, [parser, fn](const Napi::CallbackInfo& info) -> Napi::Value {
    rethrow_as_js(info.Env(), fn, [&] {
      CudaArgs args(info, fn.c_str(), false);
      CudaJob job = parser(args);
      std::shared_ptr<CallData> data = args.finish();
      run_call(*data, job);
    });
    return info.Env().Undefined();
  }, name));
  const std::string async_name = fn + "Async";
  exports.Set(async_name, Napi::Function::New(env, [parser, fn](const Napi::CallbackInfo& info) -> Napi::Value {
    // Bad arguments or an unusable device reject the promise rather than throw.
    return call_promise(info.Env(), fn, to_js_error, [&]() -> Napi::Value {
      CudaArgs args(info, fn.c_str(), true);
      CudaJob job = parser(args);
      std::shared_ptr<CallData> data = args.finish();
      auto* worker = new CallWorker(info.Env(), fn, std::move(data), std::move(job), args.memory(), std::move(args.kept()));
      Napi::Promise promise = worker->promise();
      worker->Queue();
      return promise;
    });
  }, async_name));
}

}  // namespace hashmac::cuda
