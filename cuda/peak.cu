// Machine-limit microbenchmarks (see peak.h).
#include <algorithm>
#include <vector>

#include "peak.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

constexpr int kPeakIters = 4096;

// 8 independent FMA chains per thread keep the pipes full; the result is stored so nothing is elided.
__global__ void fma_peak_kernel(float* sink, float seed) {
  float v[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) v[i] = seed + threadIdx.x + i;
  for (int it = 0; it < kPeakIters; ++it)
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = fmaf(v[i], 0.999f, 0.001f);
  float s = 0.0f;
#pragma unroll
  for (int i = 0; i < 8; ++i) s += v[i];
  if (s == 12345.678f) sink[0] = s;
}

// 8 independent chains: popcount of a word, then fold the count back in so each step depends on the last.
__global__ void popc_peak_kernel(unsigned* sink, unsigned seed) {
  unsigned v[8], acc[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    v[i] = seed * (threadIdx.x + 1) + i;
    acc[i] = 0;
  }
  for (int it = 0; it < kPeakIters; ++it)
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      acc[i] += __popc(v[i]);
      v[i] ^= acc[i] * 0x9e3779b9u;
    }
  unsigned s = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) s += acc[i];
  if (s == 0xdeadbeefu) sink[0] = s;
}

template <typename Launch>
double median_ms(int reps, cudaStream_t stream, Launch&& launch) {
  cudaEvent_t a, b;
  HASHMAC_CUDA_CHECK(cudaEventCreate(&a));
  HASHMAC_CUDA_CHECK(cudaEventCreate(&b));
  std::vector<float> ms;
  for (int i = 0; i < 3; ++i) launch();  // warm-up
  for (int i = 0; i < reps; ++i) {
    HASHMAC_CUDA_CHECK(cudaEventRecord(a, stream));
    launch();
    HASHMAC_CUDA_CHECK(cudaEventRecord(b, stream));
    HASHMAC_CUDA_CHECK(cudaEventSynchronize(b));
    float t = 0;
    HASHMAC_CUDA_CHECK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int multiprocessors() {
  int dev = 0, sms = 0;
  HASHMAC_CUDA_CHECK(cudaGetDevice(&dev));
  HASHMAC_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  return sms;
}

}  // namespace

double copy_bandwidth_gbs(size_t bytes, int reps, cudaStream_t stream) {
  void *src = nullptr, *dst = nullptr;
  HASHMAC_CUDA_CHECK(cudaMalloc(&src, bytes));
  HASHMAC_CUDA_CHECK(cudaMalloc(&dst, bytes));
  HASHMAC_CUDA_CHECK(cudaMemset(src, 1, bytes));
  const double ms = median_ms(reps, stream, [&] { HASHMAC_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream)); });
  cudaFree(src);
  cudaFree(dst);
  return 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
}

double fma_tflops(int reps, cudaStream_t stream) {
  float* sink = nullptr;
  HASHMAC_CUDA_CHECK(cudaMalloc(&sink, sizeof(float)));
  const int blocks = multiprocessors() * 8, threads = 256;
  const double ms = median_ms(reps, stream, [&] {
    fma_peak_kernel<<<blocks, threads, 0, stream>>>(sink, 1.0f);
    HASHMAC_CUDA_LAUNCHED("fma_peak_kernel");
  });
  cudaFree(sink);
  return 2.0 * blocks * threads * 8.0 * kPeakIters / (ms * 1e-3) / 1e12;
}

double popc_tops(int reps, cudaStream_t stream) {
  unsigned* sink = nullptr;
  HASHMAC_CUDA_CHECK(cudaMalloc(&sink, sizeof(unsigned)));
  const int blocks = multiprocessors() * 8, threads = 256;
  const double ms = median_ms(reps, stream, [&] {
    popc_peak_kernel<<<blocks, threads, 0, stream>>>(sink, 7u);
    HASHMAC_CUDA_LAUNCHED("popc_peak_kernel");
  });
  cudaFree(sink);
  return static_cast<double>(blocks) * threads * 8.0 * kPeakIters / (ms * 1e-3) / 1e12;
}

}  // namespace hashmac::cuda
