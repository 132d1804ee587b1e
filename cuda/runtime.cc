// Streams and device queries (see runtime.h).
#include "runtime.h"

#include <algorithm>

namespace hashmac::cuda {

Stream::Stream(int device) : device_(device) {
  HASHMAC_CUDA_CHECK(cudaSetDevice(device));
  HASHMAC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

Stream::~Stream() {
  // Pending work finishes first: buffers freed in stream order must not outlive the stream.
  if (stream_) {
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
  }
  if (staging_) cudaFreeHost(staging_);
}

uint8_t* Stream::staging(size_t bytes) {
  if (bytes > staging_bytes_) {
    const size_t grown = std::max(bytes, 2 * staging_bytes_);
    if (staging_) HASHMAC_CUDA_CHECK(cudaFreeHost(staging_));
    staging_ = nullptr;
    staging_bytes_ = 0;
    HASHMAC_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&staging_), grown));
    staging_bytes_ = grown;
  }
  return staging_;
}

void Stream::synchronize() const { HASHMAC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

int device_count(std::string* why) {
  int n = 0;
  cudaError_t s = cudaGetDeviceCount(&n);
  if (s != cudaSuccess) {
    (void)cudaGetLastError();
    if (why) *why = std::string(cudaGetErrorName(s)) + ": " + cudaGetErrorString(s);
    return 0;
  }
  if (n == 0 && why) *why = "no CUDA device is present";
  return n;
}

DeviceInfo device_info(int device) {
  DeviceInfo d{};
  d.device = device;
  cudaDeviceProp p{};
  HASHMAC_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  d.name = p.name;
  d.major = p.major;
  d.minor = p.minor;
  d.multiprocessors = p.multiProcessorCount;
  d.total_memory = p.totalGlobalMem;
  d.l2_bytes = static_cast<size_t>(p.l2CacheSize);
  d.shared_per_block_optin = p.sharedMemPerBlockOptin;
  HASHMAC_CUDA_CHECK(cudaDriverGetVersion(&d.driver_version));
  HASHMAC_CUDA_CHECK(cudaRuntimeGetVersion(&d.runtime_version));
  HASHMAC_CUDA_CHECK(cudaDeviceGetAttribute(&d.clock_khz, cudaDevAttrClockRate, device));
  HASHMAC_CUDA_CHECK(cudaDeviceGetAttribute(&d.memory_clock_khz, cudaDevAttrMemoryClockRate, device));
  HASHMAC_CUDA_CHECK(cudaDeviceGetAttribute(&d.memory_bus_bits, cudaDevAttrGlobalMemoryBusWidth, device));
  return d;
}

void check_grid(const char* kernel, int64_t x, int64_t y, int64_t z) {
  if (x > 2147483647LL || y > 65535 || z > 65535) {
    throw std::range_error(std::string(kernel) + ": problem too large for one launch (grid " + std::to_string(x) + " x " +
                           std::to_string(y) + " x " + std::to_string(z) + ")");
  }
}

}  // namespace hashmac::cuda
