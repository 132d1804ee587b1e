// Measured machine limits for the benchmark script (scripts/gpu-bench.ts): DRAM bandwidth by a large
// device-to-device copy, FP32 FMA and 32-bit popcount throughput by register-only kernels. Timed with
// CUDA events after a warm-up; each returns the median of `reps` runs.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

namespace hashmac::cuda {

double copy_bandwidth_gbs(size_t bytes, int reps, cudaStream_t stream);   // (read + write) bytes / s / 1e9
double fma_tflops(int reps, cudaStream_t stream);                          // 2 flops per FMA
double popc_tops(int reps, cudaStream_t stream);                           // 32-bit popcounts (of an XOR) / s / 1e12

}  // namespace hashmac::cuda
