// LSH kernels on the GPU: sign projection (fused sign + pack), Hamming GEMM (popc and b1 tensor-core
// forms), the tiled hash layer and weight encoding.
//
// Precision of the sign projection: plain TF32 (10-bit mantissa) rounds each input by up to 2^-11
// relative, so a dot product can move by ~5e-4 of sum|x||p| — more than the 1e-4 margin within which
// SPEC guarantees no projection lies (BF16 is worse): sign bits would differ from the reference. So
// either FP32 FMA on the CUDA cores (default) or 3xTF32 on the tensor cores (split each operand into
// two TF32 parts; ~2^-21 relative per product, far inside the margin). Both accumulate in FP32.
#include <cmath>

#include "gemm_tile.cuh"
#include "lsh.h"
#include "runtime.h"

namespace hashmac::cuda {
namespace {

// ---- sign projection ------------------------------------------------------------------------------
constexpr int kSignRows = kTile;          // rows of x per block
constexpr int kSignBits = kTile;          // projections (code bits) per block
constexpr int kSignDepth = kTileDepth;    // reduction chunk staged in shared memory
constexpr int kSignThreads = kTileThreads;

// The block's tile: input tile i and output tile j of the pair, rows [r0, row_end), bits [k0, k0 + 64).
struct SignTile {
  int64_t i, j, col0, width, r0, row_end, k0;
  const float* proj;  // this pair's [K, Ti] projection
};

// False when the block has no rows (encode mode: a partial last output tile).
__device__ bool sign_tile(const SignTilesArgs& a, SignTile& t) {
  t.i = blockIdx.z / a.nJ;
  t.j = blockIdx.z % a.nJ;
  t.col0 = t.i * a.Ti;
  t.width = min(a.Ti, a.D - t.col0);
  int64_t row_begin = 0;
  t.row_end = a.R;
  if (a.rows_per_j > 0) {
    row_begin = t.j * a.rows_per_j;
    t.row_end = min(a.R, row_begin + a.rows_per_j);
  }
  t.r0 = row_begin + static_cast<int64_t>(blockIdx.x) * kSignRows;
  t.k0 = static_cast<int64_t>(blockIdx.y) * kSignBits;
  t.proj = a.proj + (t.i * a.nJ + t.j) * a.K * a.Ti;
  return t.r0 < t.row_end;
}

// Stages x rows [r0, r0+64) and projection rows [k0, k0+64), columns [d0, d0+16), zero outside.
// Calls put(row, d, x value, projection value).
template <typename Put>
__device__ __forceinline__ void sign_stage(const SignTilesArgs& a, const SignTile& t, int64_t d0, Put&& put) {
#pragma unroll
  for (int l = 0; l < 4; ++l) {
    const int idx = threadIdx.x + kSignThreads * l;
    const int row = idx / kSignDepth, d = idx % kSignDepth;
    const bool in_d = d0 + d < t.width;
    const int64_t r = t.r0 + row, k = t.k0 + row;
    put(row, d, (in_d && r < t.row_end) ? a.x[r * a.ldx + t.col0 + d0 + d] : 0.0f,
        (in_d && k < a.K) ? t.proj[k * a.Ti + d0 + d] : 0.0f);
  }
}

// After every thread has set its bits (and a barrier): writes the packed bytes, zeroes the row padding
// past ceil(K/8) (block holding the last bits), and the row norms (first bit block, j == 0 or encode).
__device__ void sign_epilogue(const SignTilesArgs& a, const SignTile& t, const unsigned (*bits)[kSignBits / 32]) {
  const int tid = threadIdx.x;
  const int64_t dense = (a.K + 7) / 8;
  const int64_t out_row0 = t.i * a.code_rows_i + t.j * a.code_rows_j;
  for (int idx = tid; idx < kSignRows * 8; idx += kSignThreads) {
    const int row = idx / 8, byte = idx % 8;
    const int64_t r = t.r0 + row, b = t.k0 / 8 + byte;
    if (r >= t.row_end || b >= dense) continue;
    a.codes[(out_row0 + r) * a.code_stride + b] = static_cast<uint8_t>(bits[row][byte / 4] >> (8 * (byte % 4)));
  }
  if (t.k0 + kSignBits >= a.K) {
    const int64_t pad = a.code_stride - dense;
    for (int64_t idx = tid; idx < kSignRows * pad; idx += kSignThreads) {
      const int64_t r = t.r0 + idx / pad;
      if (r < t.row_end) a.codes[(out_row0 + r) * a.code_stride + dense + idx % pad] = 0;
    }
  }
  if (a.norms && blockIdx.y == 0 && (a.rows_per_j > 0 || t.j == 0) && tid < kSignRows) {
    const int64_t r = t.r0 + tid;
    if (r < t.row_end) {
      const float* row = a.x + r * a.ldx + t.col0;
      float s = 0.0f;
      for (int64_t d = 0; d < t.width; ++d) s = fmaf(row[d], row[d], s);
      a.norms[t.i * a.R + r] = sqrtf(s) + a.norm_eps;
    }
  }
}

// Sign test (z > 0: +0, -0 and NaN give 0) into the block's bit rows: bit k at bit k&31 of word k>>5.
__device__ __forceinline__ void set_sign(unsigned (*bits)[kSignBits / 32], int row, int k, float z) {
  if (z > 0.0f) atomicOr(&bits[row][k / 32], 1u << (k % 32));
}

// FP32 FMA on the CUDA cores: the shared 64 x 64 tile product, then the sign epilogue.
__global__ void __launch_bounds__(kSignThreads) sign_tiles_fp32_kernel(SignTilesArgs a) {
  __shared__ unsigned bits[kSignRows][kSignBits / 32];
  SignTile t;
  if (!sign_tile(a, t)) return;
  const int tid = threadIdx.x, tr = tid / 16, tk = tid % 16;  // this thread: rows tr + 16u, bits tk + 16v
  for (int u = tid; u < kSignRows * (kSignBits / 32); u += kSignThreads) bits[u / 2][u % 2] = 0u;
  float acc[4][4] = {};
  fp32_tile_product(t.width, [&](int row, int64_t d) {
    const int64_t r = t.r0 + row, k = t.k0 + row;
    return make_float2(r < t.row_end ? a.x[r * a.ldx + t.col0 + d] : 0.0f, k < a.K ? t.proj[k * a.Ti + d] : 0.0f);
  }, acc);
#pragma unroll
  for (int u = 0; u < 4; ++u)
#pragma unroll
    for (int v = 0; v < 4; ++v) set_sign(bits, tr + 16 * u, tk + 16 * v, acc[u][v]);
  __syncthreads();
  sign_epilogue(a, t, bits);
}

// 3xTF32 on the tensor cores: each operand v = big + small with big = tf32(v), small = tf32(v - big),
// and x.p ~ xs*pb + xb*ps + xb*pb (the small*small term, ~2^-22 relative, is dropped): close to FP32
// accuracy at tensor-core rate. 8 warps; warp w owns rows 16(w/2).., bits 32(w%2).. as 4 m16n8k8 tiles.
__device__ __forceinline__ uint32_t to_tf32(float v) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(v));
  return r;
}

__device__ __forceinline__ void mma_tf32(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  __trap();  // the launcher only selects this kernel on sm_80+
#endif
}

constexpr int kTf32Pitch = kSignDepth + 4;  // fragment reads (8 rows x 4 columns) hit 32 distinct banks

__global__ void __launch_bounds__(kSignThreads) sign_tiles_tf32x3_kernel(SignTilesArgs a) {
  __shared__ float xs[kSignRows][kTf32Pitch];
  __shared__ float ps[kSignBits][kTf32Pitch];
  __shared__ unsigned bits[kSignRows][kSignBits / 32];
  SignTile t;
  if (!sign_tile(a, t)) return;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, q = lane % 4;
  const int wm = (warp / 2) * 16, wn = (warp % 2) * 32;
  float acc[4][4] = {};
  for (int u = tid; u < kSignRows * (kSignBits / 32); u += kSignThreads) bits[u / 2][u % 2] = 0u;
  for (int64_t d0 = 0; d0 < t.width; d0 += kSignDepth) {
    sign_stage(a, t, d0, [&](int row, int d, float xv, float pv) {
      xs[row][d] = xv;
      ps[row][d] = pv;
    });
    __syncthreads();
#pragma unroll
    for (int ks = 0; ks < kSignDepth; ks += 8) {
      const float av[4] = {xs[wm + g][ks + q], xs[wm + g + 8][ks + q], xs[wm + g][ks + q + 4], xs[wm + g + 8][ks + q + 4]};
      uint32_t ab[4], as[4];
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        ab[e] = to_tf32(av[e]);
        as[e] = to_tf32(av[e] - __uint_as_float(ab[e]));
      }
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) {
        const int n = wn + 8 * nt + g;
        const float bv[2] = {ps[n][ks + q], ps[n][ks + q + 4]};
        uint32_t bb[2], bs[2];
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          bb[e] = to_tf32(bv[e]);
          bs[e] = to_tf32(bv[e] - __uint_as_float(bb[e]));
        }
        mma_tf32(acc[nt], as, bb);
        mma_tf32(acc[nt], ab, bs);
        mma_tf32(acc[nt], ab, bb);
      }
    }
    __syncthreads();
  }
  // Accumulator e of tile nt: row wm + g + 8(e/2), bit wn + 8nt + 2q + e%2.
#pragma unroll
  for (int nt = 0; nt < 4; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e) set_sign(bits, wm + g + 8 * (e / 2), wn + 8 * nt + 2 * q + e % 2, acc[nt][e]);
  __syncthreads();
  sign_epilogue(a, t, bits);
}

// ---- Hamming GEMM: popc ---------------------------------------------------------------------------
constexpr int kHamTile = 64;   // 64 x 64 distances per block, 4 x 4 per thread
constexpr int kHamWords = 32;  // words staged per step

__global__ void __launch_bounds__(256) hamming_popc_kernel(HammingArgs h) {
  // +1 pad: the staging stores (consecutive threads, consecutive words) land in distinct banks.
  __shared__ uint32_t as[kHamWords][kHamTile + 1];
  __shared__ uint32_t bs[kHamWords][kHamTile + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kHamTile, n0 = static_cast<int64_t>(blockIdx.x) * kHamTile;
  int acc[4][4] = {};
  for (int64_t w0 = 0; w0 < h.words; w0 += kHamWords) {
    // Consecutive threads read consecutive words of one row (coalesced), stored transposed.
    for (int idx = threadIdx.x; idx < kHamWords * kHamTile; idx += 256) {
      const int row = idx / kHamWords, w = idx % kHamWords;
      const bool in_w = w0 + w < h.words;
      as[w][row] = (in_w && m0 + row < h.M) ? h.a[(m0 + row) * h.lda + w0 + w] : 0u;
      bs[w][row] = (in_w && n0 + row < h.N) ? h.b[(n0 + row) * h.ldb + w0 + w] : 0u;
    }
    __syncthreads();
#pragma unroll 8
    for (int w = 0; w < kHamWords; ++w) {
      uint32_t av[4], bv[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) av[u] = as[w][ty + 16 * u];
#pragma unroll
      for (int v = 0; v < 4; ++v) bv[v] = bs[w][tx + 16 * v];
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 4; ++v) acc[u][v] += __popc(av[u] ^ bv[v]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int u = 0; u < 4; ++u)
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const int64_t m = m0 + ty + 16 * u, n = n0 + tx + 16 * v;
      if (m < h.M && n < h.N) h.dist[m * h.ldd + n] = acc[u][v];
    }
}

// ---- Hamming GEMM: b1 tensor cores ----------------------------------------------------------------
// popc(a ^ b) = popc(a) + popc(b) - 2 popc(a & b); the AND-popc MMA gives the last term. Zero padding
// (rows past M/N, words past `words`) adds nothing to any term.
__global__ void row_popcounts_kernel(const uint32_t* codes, int64_t ld, int64_t rows, int64_t words, int32_t* out) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  int s = 0;
  for (int64_t w = 0; w < words; ++w) s += __popc(codes[r * ld + w]);
  out[r] = s;
}

constexpr int kMmaWords = 8;       // 256 bits: one m16n8k256 step
constexpr int kMmaPitch = 12;      // padded row pitch in words: fragment reads hit 32 distinct banks

__device__ __forceinline__ void mma_and_popc(int (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc "
      "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  __trap();  // the launcher only selects this kernel on sm_80+
#endif
}

// 64 x 64 distances per block of 4 warps; each warp owns 32 x 32 = 2 x 4 MMA tiles.
__global__ void __launch_bounds__(128) hamming_mma_kernel(HammingArgs h, const int32_t* pop_a, const int32_t* pop_b) {
  __shared__ uint32_t as[kHamTile][kMmaPitch];
  __shared__ uint32_t bs[kHamTile][kMmaPitch];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kHamTile, n0 = static_cast<int64_t>(blockIdx.x) * kHamTile;
  int acc[2][4][4] = {};
  for (int64_t w0 = 0; w0 < h.words; w0 += kMmaWords) {
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const int idx = threadIdx.x + 128 * l;
      const int row = idx / kMmaWords, w = idx % kMmaWords;
      const bool in_w = w0 + w < h.words;
      as[row][w] = (in_w && m0 + row < h.M) ? h.a[(m0 + row) * h.lda + w0 + w] : 0u;
      bs[row][w] = (in_w && n0 + row < h.N) ? h.b[(n0 + row) * h.ldb + w0 + w] : 0u;
    }
    __syncthreads();
    uint32_t af[2][4], bf[4][2];
#pragma unroll
    for (int mt = 0; mt < 2; ++mt) {
      const int r = wm + 16 * mt + g;
      af[mt][0] = as[r][t];
      af[mt][1] = as[r + 8][t];
      af[mt][2] = as[r][t + 4];
      af[mt][3] = as[r + 8][t + 4];
    }
#pragma unroll
    for (int nt = 0; nt < 4; ++nt) {
      const int c = wn + 8 * nt + g;
      bf[nt][0] = bs[c][t];
      bf[nt][1] = bs[c][t + 4];
    }
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) mma_and_popc(acc[mt][nt], af[mt], bf[nt]);
    __syncthreads();
  }
  // Accumulator layout: d0,d1 at (row g, cols 2t, 2t+1); d2,d3 at (row g+8, same cols).
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int nt = 0; nt < 4; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int64_t m = m0 + wm + 16 * mt + g + 8 * (e / 2), n = n0 + wn + 8 * nt + 2 * t + e % 2;
        if (m < h.M && n < h.N) h.dist[m * h.ldd + n] = pop_a[m] + pop_b[n] - 2 * acc[mt][nt][e];
      }
}

// ---- hash layer -----------------------------------------------------------------------------------
__global__ void estimator_table_kernel(float* est, int64_t K, Estimator e) {
  const int64_t hd = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (hd > K) return;
  // Double precision here only builds the K+1 table (as the native backend does); the hot loop is float.
  est[hd] = e == Estimator::kAngle ? static_cast<float>(cos(M_PI * static_cast<double>(hd) / static_cast<double>(K)))
                                   : static_cast<float>(1.0 - 2.0 * static_cast<double>(hd) / static_cast<double>(K));
}

// y[b, n] = sum_i xn[i,b] * wn[i,n] * est[popcount(x code (i, n/To, b) ^ w code (i, n))] + bias[n].
// Lanes run over n: x codes are shared by the warp (broadcast), weight code rows are read whole.
__global__ void __launch_bounds__(128) hash_accumulate_kernel(HashLinearArgs a, const uint64_t* xcodes, const float* xnorms,
                                                              const float* est, int64_t nJ, int64_t words) {
  const int64_t b = blockIdx.x;
  const int64_t n = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (n >= a.N) return;
  const int64_t nI = (a.D + a.Ti - 1) / a.Ti, j = n / a.To;
  const int64_t wld = a.wstride / 8;
  const uint64_t* wcodes = reinterpret_cast<const uint64_t*>(a.wcodes);
  float acc = 0.0f;
  for (int64_t i = 0; i < nI; ++i) {
    const uint64_t* xc = xcodes + ((i * nJ + j) * a.B + b) * words;
    const uint64_t* wc = wcodes + (i * a.N + n) * wld;
    int hd = 0;
    for (int64_t w = 0; w < words; ++w) hd += __popcll(__ldg(xc + w) ^ __ldg(wc + w));
    acc += xnorms[i * a.B + b] * a.wnorms[i * a.N + n] * __ldg(est + hd);
  }
  a.y[b * a.N + n] = acc + (a.bias ? a.bias[n] : 0.0f);
}

template <typename T>
T* scratch(size_t count, cudaStream_t stream) {
  void* p = nullptr;
  HASHMAC_CUDA_CHECK(cudaMallocAsync(&p, count * sizeof(T), stream));
  return static_cast<T*>(p);
}

bool device_is_sm80_or_later() {
  int dev = 0, major = 0;
  HASHMAC_CUDA_CHECK(cudaGetDevice(&dev));
  HASHMAC_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  return major >= 8;
}

}  // namespace

void sign_tiles(const SignTilesArgs& a, SignPrecision precision, cudaStream_t stream) {
  const int64_t rows = a.rows_per_j > 0 ? std::min(a.rows_per_j, a.R) : a.R;
  const int64_t gx = ceil_div(rows, kSignRows), gy = ceil_div(a.K, kSignBits), gz = a.nI * a.nJ;
  check_grid("sign projection", gx, gy, gz);
  if (precision == SignPrecision::kTf32x3 && device_is_sm80_or_later()) {
    sign_tiles_tf32x3_kernel<<<dim3(gx, gy, gz), kSignThreads, 0, stream>>>(a);
    HASHMAC_CUDA_LAUNCHED("sign_tiles_tf32x3_kernel");
  } else {
    sign_tiles_fp32_kernel<<<dim3(gx, gy, gz), kSignThreads, 0, stream>>>(a);
    HASHMAC_CUDA_LAUNCHED("sign_tiles_fp32_kernel");
  }
}

void hamming_gemm(const HammingArgs& h, HammingAlgo algo, cudaStream_t stream) {
  const int64_t gx = ceil_div(h.N, kHamTile), gy = ceil_div(h.M, kHamTile);
  check_grid("hamming GEMM", gx, gy, 1);
  if (algo == HammingAlgo::kPopc || !device_is_sm80_or_later()) {
    hamming_popc_kernel<<<dim3(gx, gy), 256, 0, stream>>>(h);
    HASHMAC_CUDA_LAUNCHED("hamming_popc_kernel");
    return;
  }
  int32_t* pops = scratch<int32_t>(h.M + h.N, stream);
  row_popcounts_kernel<<<ceil_div(h.M, 256), 256, 0, stream>>>(h.a, h.lda, h.M, h.words, pops);
  HASHMAC_CUDA_LAUNCHED("row_popcounts_kernel");
  row_popcounts_kernel<<<ceil_div(h.N, 256), 256, 0, stream>>>(h.b, h.ldb, h.N, h.words, pops + h.M);
  HASHMAC_CUDA_LAUNCHED("row_popcounts_kernel");
  hamming_mma_kernel<<<dim3(gx, gy), 128, 0, stream>>>(h, pops, pops + h.M);
  HASHMAC_CUDA_LAUNCHED("hamming_mma_kernel");
  HASHMAC_CUDA_CHECK(cudaFreeAsync(pops, stream));
}

void encode_weights(const EncodeWeightsArgs& e, SignPrecision precision, cudaStream_t stream) {
  const int64_t nI = ceil_div(e.D, e.Ti), nJ = ceil_div(e.N, e.To);
  SignTilesArgs s{e.weight, e.D, e.N, e.D, e.Ti, nI, nJ, e.K, e.proj, e.To, e.codes, e.code_stride, e.N, 0, e.norms, e.eps};
  sign_tiles(s, precision, stream);
}

void hash_linear(const HashLinearArgs& a, SignPrecision precision, cudaStream_t stream) {
  const int64_t nI = ceil_div(a.D, a.Ti), nJ = ceil_div(a.N, a.To), words = ceil_div(a.K, 64);
  // Every launch is checked before any scratch is allocated, so a too-large layer leaks nothing.
  check_grid("hash layer", ceil_div(a.B, kSignRows), ceil_div(a.K, kSignBits), nI * nJ);
  check_grid("hash layer", a.B, ceil_div(a.N, 128), 1);
  uint64_t* xcodes = scratch<uint64_t>(nI * nJ * a.B * words, stream);
  float* xnorms = scratch<float>(nI * a.B, stream);
  float* est = scratch<float>(a.K + 1, stream);
  // x is hashed unnormalised: dividing by its norm does not change a sign.
  SignTilesArgs s{a.x, a.D, a.B, a.D, a.Ti, nI, nJ, a.K, a.proj, 0, reinterpret_cast<uint8_t*>(xcodes), words * 8,
                  nJ * a.B, a.B, xnorms, a.eps};
  sign_tiles(s, precision, stream);
  estimator_table_kernel<<<ceil_div(a.K + 1, 256), 256, 0, stream>>>(est, a.K, a.estimator);
  HASHMAC_CUDA_LAUNCHED("estimator_table_kernel");
  const int64_t gy = ceil_div(a.N, 128);
  hash_accumulate_kernel<<<dim3(a.B, gy), 128, 0, stream>>>(a, xcodes, xnorms, est, nJ, words);
  HASHMAC_CUDA_LAUNCHED("hash_accumulate_kernel");
  HASHMAC_CUDA_CHECK(cudaFreeAsync(xcodes, stream));
  HASHMAC_CUDA_CHECK(cudaFreeAsync(xnorms, stream));
  HASHMAC_CUDA_CHECK(cudaFreeAsync(est, stream));
}

}  // namespace hashmac::cuda
