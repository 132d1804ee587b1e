// Per-ISA micro-kernels of the LSH family (defined in lsh_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "isa.h"
#include "panel_pack.h"  // kPanel: projection and code panels are 32 columns wide

namespace hashmac {

struct LshMicroKernels {
  // z[r][c] = sum_d x[r*ldx + d] * panel[d*32 + c] for r < rows, c < 32, in float32; writes the 32 sign
  // bits (bit c = z[r][c] > 0) of row r to bits[r]. The float z never leaves registers.
  void (*sign_panel)(const float* x, int64_t ldx, int64_t rows, const float* panel, int64_t depth, uint32_t* bits);
  // dist[r*ldd + c] = sum_w popcount(a[r*lda + w] ^ panel[w*32 + c]) for r < rows, c < cols (<= 32); words >= 1.
  // `stream`: full 32-column rows of dist are written with non-temporal stores (dist and ldd*4 must be
  // 64-byte aligned): a result matrix larger than the caches is then written once, never read first.
  // A task that streamed calls stream_fence once at its end.
  void (*hamming_panel)(const uint64_t* a, int64_t lda, int64_t rows, const uint64_t* panel, int64_t words,
                        int32_t* dist, int64_t ldd, int cols, bool stream);
  // The same with uint16 results (words * 64 < 65536); `stream` needs dist and ldd*2 64-byte aligned.
  void (*hamming_panel16)(const uint64_t* a, int64_t lda, int64_t rows, const uint64_t* panel, int64_t words,
                          uint16_t* dist, int64_t ldd, int cols, bool stream);
  // Orders this thread's non-temporal stores before its later stores (SFENCE where stores stream).
  void (*stream_fence)();
  // masks[r] bit c (c < cols <= 32) set where d[r*32 + c] <= bound[r], for r < rows: the k-NN
  // epilogue's filter, one call per panel, so each row's 32 distances cost two vector compares and
  // only candidates are looked at one by one.
  void (*at_most)(const int32_t* d, int64_t rows, int cols, const int32_t* bound, uint32_t* masks);
  // out[i] = sqrt(sum_d x[i*ldx + d]^2) + eps for i < rows.
  void (*row_norms)(const float* x, int64_t ldx, int64_t rows, int64_t depth, float eps, float* out);
};

HASHMAC_MICRO_KERNELS(LshMicroKernels, lsh_micro)

}  // namespace hashmac
