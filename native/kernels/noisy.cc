// Driver of the noisy sign projection: weights packed once into 32-column panels, then one task per
// (panel, chunk of rows): quantise the rows (DAC), dot products by the per-ISA micro-kernel, then noise,
// offset and comparison in the fixed float32 order of lib/kernels/noisy.ts.
#include "noisy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "noisy_isa.h"
#include "noisy_rng.h"
#include "parallel.h"

namespace hashmac {

namespace {

constexpr int64_t kRowChunk = 32;

// DAC levels of one row into q; returns 1/L (see lib/reference/noisy.ts quantizeRow).
float quantize_row(const float* x, int64_t D, int bits, float* q) {
  float amax = 0.0f;
  for (int64_t d = 0; d < D; ++d) {
    const float a = std::fabs(x[d]);
    if (a > amax) amax = a;
  }
  const float L = bits == 0 ? 1.0f : std::max(1.0f, static_cast<float>((1 << (bits - 1)) - 1));
  const float s = amax > 0.0f ? L / amax : 0.0f;
  for (int64_t d = 0; d < D; ++d) {
    float t = x[d] * s;
    HASHMAC_NO_FUSE(t);
    float v = bits == 0 ? t : std::floor(t + 0.5f);
    if (v > L) v = L;
    else if (v < -L) v = -L;
    q[d] = v;
  }
  return 1.0f / L;
}

}  // namespace

void noisy_sign_project(const Exec& ex, const NoisySignArgs& a) {
  const NoisyMicroKernels& mk = noisy_micro(ex.isa);
  const int64_t panels = ceil_div(a.K, kNoisyPanel), chunks = ceil_div(a.M, kRowChunk);
  // Panel p holds weight rows [32p, 32p+32) transposed: panel[d*32 + c]; rows past K are zero.
  std::vector<float> packed(static_cast<size_t>(panels * a.D * kNoisyPanel));
  parallel_for(panels, ex.threads, [&](int64_t p) {
    float* panel = packed.data() + p * a.D * kNoisyPanel;
    for (int c = 0; c < kNoisyPanel; ++c) {
      const int64_t k = p * kNoisyPanel + c;
      for (int64_t d = 0; d < a.D; ++d) panel[d * kNoisyPanel + c] = k < a.K ? a.w[k * a.D + d] : 0.0f;
    }
  });
  // Offsets padded to whole panels; padding columns are masked off below.
  std::vector<float> offsets(static_cast<size_t>(panels * kNoisyPanel), 0.0f);
  std::memcpy(offsets.data(), a.offsets, static_cast<size_t>(a.K) * sizeof(float));
  const int64_t dense = ceil_div(a.K, 8);
  // One task per chunk of rows: quantise once, then every panel.
  parallel_for(chunks, ex.threads, [&](int64_t t) {
    const int64_t m0 = t * kRowChunk, rows = std::min(kRowChunk, a.M - m0);
    std::vector<float> q(static_cast<size_t>(rows * a.D));
    float inv_l = 1.0f;
    for (int64_t r = 0; r < rows; ++r) inv_l = quantize_row(a.x + (m0 + r) * a.D, a.D, a.dac_bits, q.data() + r * a.D);
    float z[kRowChunk * kNoisyPanel];
    float noise[kNoisyPanel] = {};
    for (int64_t p = 0; p < panels; ++p) {
      mk.dot_panel(q.data(), a.D, rows, packed.data() + p * a.D * kNoisyPanel, a.D, z);
      const int cols = static_cast<int>(std::min<int64_t>(kNoisyPanel, a.K - p * kNoisyPanel));
      const uint32_t mask = cols == 32 ? 0xffffffffu : (1u << cols) - 1u;
      const int64_t nbytes = std::min<int64_t>(4, dense - p * 4);
      for (int64_t r = 0; r < rows; ++r) {
        if (a.noise_scale != 0.0f) {
          mk.noise_panel(noise_row_key(a.key, a.row_offset + static_cast<uint32_t>(m0 + r)), static_cast<uint32_t>(p * kNoisyPanel),
                         a.noise_scale, noise);
        }
        const uint32_t bits = mk.compare_panel(z + r * kNoisyPanel, inv_l, noise, offsets.data() + p * kNoisyPanel) & mask;
        uint8_t* row = a.codes + (m0 + r) * a.code_stride;
        std::memcpy(row + p * 4, &bits, static_cast<size_t>(nbytes));  // little-endian: bit c -> byte c/8
        if (p == panels - 1 && a.code_stride > dense) std::memset(row + dense, 0, static_cast<size_t>(a.code_stride - dense));
      }
    }
  });
}

}  // namespace hashmac
