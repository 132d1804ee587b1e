// CUDA runtime plumbing shared by every kernel family: status checks that throw (with the CUDA error
// name, so JS sees e.g. "cudaErrorMemoryAllocation"), streams, device properties. No Node dependency.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace hashmac::cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const char* what, const char* file, int line)
      : std::runtime_error(std::string(cudaGetErrorName(code)) + ": " + cudaGetErrorString(code) + " (" + what + " at " +
                           file + ":" + std::to_string(line) + ")"),
        code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

// Every CUDA runtime call goes through this: a failure becomes a CudaError naming the call.
#define HASHMAC_CUDA_CHECK(expr)                                                                 \
  do {                                                                                         \
    cudaError_t hashmac_status_ = (expr);                                                      \
    if (hashmac_status_ != cudaSuccess) {                                                      \
      (void)cudaGetLastError(); /* clear a sticky-free error so the next call starts clean */ \
      throw ::hashmac::cuda::CudaError(hashmac_status_, #expr, __FILE__, __LINE__);            \
    }                                                                                          \
  } while (0)

// After a kernel launch: configuration errors show up here, named by the kernel (execution errors at
// the call's final synchronize).
#define HASHMAC_CUDA_LAUNCHED(name)                                                            \
  do {                                                                                         \
    cudaError_t hashmac_status_ = cudaPeekAtLastError();                                       \
    if (hashmac_status_ != cudaSuccess) {                                                      \
      (void)cudaGetLastError();                                                                \
      throw ::hashmac::cuda::CudaError(hashmac_status_, "launch of " name, __FILE__, __LINE__); \
    }                                                                                          \
  } while (0)

// A non-blocking stream owned by whoever holds the shared_ptr (a handle, a device buffer, a call), with
// the pinned host buffer its calls stage host arrays through (one copy each way per call). A call holds
// call_mutex() from its first copy to its final synchronize, so calls on one stream take turns.
class Stream {
 public:
  explicit Stream(int device);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }
  int device() const { return device_; }
  void synchronize() const;
  std::mutex& call_mutex() { return call_mutex_; }
  // At least `bytes` of pinned memory (grown as needed); only while holding call_mutex().
  uint8_t* staging(size_t bytes);

 private:
  cudaStream_t stream_ = nullptr;
  int device_;
  std::mutex call_mutex_;
  uint8_t* staging_ = nullptr;
  size_t staging_bytes_ = 0;
};
using StreamPtr = std::shared_ptr<Stream>;

// Number of usable devices; 0 (never an exception) when there is no driver or no device, with `why`.
int device_count(std::string* why);

struct DeviceInfo {
  int device;
  std::string name;
  int major, minor;
  int multiprocessors;
  size_t total_memory;
  size_t l2_bytes;
  size_t shared_per_block_optin;
  int driver_version, runtime_version;
  int clock_khz, memory_clock_khz, memory_bus_bits;
};
DeviceInfo device_info(int device);

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Grid dimensions y and z are limited to 65535: launchers check before launching.
void check_grid(const char* kernel, int64_t x, int64_t y, int64_t z);

}  // namespace hashmac::cuda
