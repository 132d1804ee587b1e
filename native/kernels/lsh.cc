// Drivers of the LSH family: pack operands into 32-wide panels, split the work into tasks for the
// thread pool, and call the per-ISA micro-kernels of lsh_simd.cc.
#include "lsh.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lsh_isa.h"
#include "panel_pack.h"
#include "parallel.h"

namespace hashmac {

namespace {

// Rows of x per sign-projection chunk, from this core's L2: a task runs its chunk of x (depth floats per
// row) against successive panels, so the chunk is read from L2 by every panel after the first while
// each panel comes once per chunk from the shared cache. A multiple of 8 (the AVX-512
// block of rows); at most kSignRowsMax, the size of a task's buffer of sign words.
constexpr int64_t kSignRowsMax = 512;
int64_t sign_rows_per_task(int64_t depth) {
  const int64_t rows = cpu_caches().l2 / 2 / (std::max<int64_t>(depth, 1) * 4);
  return std::clamp<int64_t>(rows / 8 * 8, 8, kSignRowsMax);
}

// Rows of a per Hamming task, from this core's L1: the task's rows of a (words*8 bytes each) and its
// `out_bytes` of results per row stay in half the L1 while a 32-code panel (words*256 bytes) streams
// past, so every word of a is loaded from L1 for all 32 codes. A multiple of 4 (the AVX-512 block),
// and small enough that every thread gets several tasks.
int64_t hamming_rows_per_task(int64_t words, int64_t out_bytes, int64_t M, int threads) {
  const int64_t l1 = cpu_caches().l1d;
  int64_t rows = (l1 / 2 - words * 8 * kPanel) / (words * 8 + out_bytes);
  rows = std::min<int64_t>(std::max<int64_t>(rows, 16), 1024);
  rows = std::min(rows, std::max<int64_t>(16, ceil_div(M, 4 * int64_t{threads})));
  return ceil_div(rows, 4) * 4;
}

// Packed code panels of one call, kept per calling thread and grown on demand like the float panels
// (packing_scratch): repeated calls neither allocate nor fault in fresh pages, and nothing is zero-filled,
// since the packer writes every element (padding columns included).
uint64_t* code_panel_scratch(int64_t words) {
  thread_local std::vector<uint64_t> scratch;
  if (scratch.size() < static_cast<size_t>(words)) scratch.resize(static_cast<size_t>(words));
  return scratch.data();
}

// Tiles of the Hamming GEMM, from this core's caches. `rows` of a (words*8 bytes each) and one panel
// (words*256 bytes) share half the L1, so every word of a is loaded from L1 for all 32 codes of a panel
// and the panel from L1 for every 4-row block; at most 64 rows, since each row of a task is a separate
// stream of result writes (one page each) and more than the L1 TLB holds would miss on every store.
// `panels` of packed codes share half the L2, so a row chunk walks them without reloading from memory.
struct HammingTiles {
  int64_t rows, panels;
};
HammingTiles hamming_tiles(int64_t words, int64_t M, int threads) {
  const CpuCaches& c = cpu_caches();
  const int64_t panel_bytes = words * 8 * kPanel;
  int64_t rows = (c.l1d / 2 - panel_bytes) / (words * 8);
  rows = std::clamp<int64_t>(rows, 4, 64);
  // Enough chunks that every thread gets several tasks.
  rows = std::min(rows, std::max<int64_t>(4, ceil_div(M, 4 * int64_t{threads})));
  return {ceil_div(rows, 4) * 4, std::max<int64_t>(1, c.l2 / 2 / panel_bytes)};
}

uint64_t load_u64(const uint64_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Code rows [32p, 32p+cols) transposed into panel[w*32 + c]; missing columns are zero.
void pack_code_panel(const uint64_t* b, int64_t ldb, int64_t n0, int64_t cols, int64_t words, uint64_t* panel) {
  for (int64_t w = 0; w < words; ++w)
    for (int c = 0; c < kPanel; ++c)
      panel[w * kPanel + c] = c < cols ? load_u64(b + (n0 + c) * ldb + w) : 0;
}

}  // namespace

void sign_project(const Exec& ex, const std::vector<SignProjectArgs>& jobs) {
  const LshMicroKernels& mk = lsh_micro(ex.isa);
  // Panels of every job, packed once and shared by all row chunks. A task is one chunk of rows against
  // a run of consecutive panels: the whole projection when there are enough chunks for every thread to
  // get several, so each core keeps its own chunk of x in its L2 for all panels (with one panel per
  // task, the two cores took alternate panels of the same chunk and each loaded it).
  struct JobTiles {
    int64_t panels, chunk, per_task, groups;
  };
  std::vector<JobTiles> tiles;
  std::vector<int64_t> panel_base(jobs.size() + 1, 0), task_base(jobs.size() + 1, 0);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const int64_t panels = ceil_div(jobs[i].K, kPanel), chunk = sign_rows_per_task(jobs[i].D), chunks = ceil_div(jobs[i].M, chunk);
    const int64_t per_task = ceil_div(panels, std::min(panels, ceil_div(4 * int64_t{ex.threads}, chunks)));
    tiles.push_back({panels, chunk, per_task, ceil_div(panels, per_task)});
    panel_base[i + 1] = panel_base[i] + panels * jobs[i].D * kPanel;
    task_base[i + 1] = task_base[i] + tiles[i].groups * chunks;
  }
  float* const packed = packing_scratch(static_cast<size_t>(panel_base.back()));
  std::vector<int64_t> pack_base(jobs.size() + 1, 0);
  for (size_t i = 0; i < jobs.size(); ++i) pack_base[i + 1] = pack_base[i] + tiles[i].panels;
  parallel_for(pack_base.back(), ex.threads, [&](int64_t t) {
    const size_t i = std::upper_bound(pack_base.begin(), pack_base.end(), t) - pack_base.begin() - 1;
    const int64_t p = t - pack_base[i];
    pack_panel(ex.isa, jobs[i].proj, jobs[i].ldp, jobs[i].K, jobs[i].D, p, packed + panel_base[i] + p * jobs[i].D * kPanel);
  });

  parallel_for(task_base.back(), ex.threads, [&](int64_t t) {
    const size_t i = std::upper_bound(task_base.begin(), task_base.end(), t) - task_base.begin() - 1;
    const SignProjectArgs& j = jobs[i];
    const JobTiles& jt = tiles[i];
    const int64_t m0 = ((t - task_base[i]) / jt.groups) * jt.chunk, rows = std::min(jt.chunk, j.M - m0);
    const int64_t p0 = ((t - task_base[i]) % jt.groups) * jt.per_task, p1 = std::min(jt.panels, p0 + jt.per_task);
    const int64_t dense = ceil_div(j.K, 8);
    for (int64_t p = p0; p < p1; ++p) {
      uint32_t bits[kSignRowsMax];
      mk.sign_panel(j.x + m0 * j.ldx, j.ldx, rows, packed + panel_base[i] + p * j.D * kPanel, j.D, bits);
      const int64_t nbytes = std::min<int64_t>(4, dense - p * 4);
      const bool last = (p + 1) * kPanel >= j.K;
      for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = j.codes + (m0 + r) * j.code_stride;
        const uint32_t word = bits[r];
        std::memcpy(row + p * 4, &word, static_cast<size_t>(nbytes));  // little-endian: bit c -> byte c/8
        if (last && j.code_stride > dense) std::memset(row + dense, 0, static_cast<size_t>(j.code_stride - dense));
      }
    }
    if (p0 == 0 && j.norms) mk.row_norms(j.x + m0 * j.ldx, j.ldx, rows, j.D, j.norm_eps, j.norms + m0);
  });
}

void hamming_gemm(const Exec& ex, const HammingArgs& h) {
  const LshMicroKernels& mk = lsh_micro(ex.isa);
  const bool narrow = h.dist16 != nullptr;
  const int64_t elem = narrow ? 2 : 4;
  const void* out = narrow ? static_cast<const void*>(h.dist16) : static_cast<const void*>(h.dist);
  // Panel boundaries sit on 64-byte boundaries of the result rows: a JS typed array usually starts 16
  // bytes into a cache line, and 32-column stores that straddle lines ran at half speed. The first
  // panel takes the `lead` columns up to the first boundary (only when every row starts at the same
  // offset within a line).
  const uintptr_t misalign = reinterpret_cast<uintptr_t>(out) % 64;
  const int64_t per_line = 64 / elem;
  const int64_t lead = (h.ldd % per_line == 0 && misalign % elem == 0) ? std::min<int64_t>(h.N, ((64 - misalign) % 64) / elem) : 0;
  std::vector<int64_t> starts;
  if (lead > 0) starts.push_back(0);
  for (int64_t n = lead; n < h.N; n += kPanel) starts.push_back(n);
  const int64_t panels = static_cast<int64_t>(starts.size());
  auto cols_of = [&](int64_t p) { return std::min<int64_t>(p + 1 < panels ? starts[p + 1] - starts[p] : kPanel, h.N - starts[p]); };
  uint64_t* const packed = code_panel_scratch(panels * h.words * kPanel);
  parallel_for(panels, ex.threads, [&](int64_t p) {
    pack_code_panel(h.b, h.ldb, starts[p], cols_of(p), h.words, packed + p * h.words * kPanel);
  });
  // A result that does not fit the last-level cache is streamed to memory (no read-for-ownership);
  // full panels are then 64-byte aligned, as non-temporal stores need.
  const bool stream = h.M * h.N * elem >= cpu_caches().l3 && h.ldd % per_line == 0 && (misalign + lead * elem) % 64 == 0;
  // A task is (group of panels, chunk of rows): it walks its panels in order and runs every 4-row block
  // of its chunk against each, so each result row is written front to back, a panel's 32 columns after
  // the previous one's. (Panel-major tasks wrote one 128-byte piece per row on a different 4 KB page
  // each time and ran at a third of the arithmetic rate once the result left the caches.)
  const HammingTiles tiles = hamming_tiles(h.words, h.M, ex.threads);
  const int64_t chunks = ceil_div(h.M, tiles.rows), groups = ceil_div(panels, tiles.panels);
  parallel_for(groups * chunks, ex.threads, [&](int64_t t) {
    const int64_t g = t / chunks, m0 = (t % chunks) * tiles.rows, rows = std::min(tiles.rows, h.M - m0);
    for (int64_t p = g * tiles.panels; p < std::min(panels, (g + 1) * tiles.panels); ++p) {
      const uint64_t* panel = packed + p * h.words * kPanel;
      if (narrow) {
        mk.hamming_panel16(h.a + m0 * h.lda, h.lda, rows, panel, h.words, h.dist16 + m0 * h.ldd + starts[p], h.ldd, static_cast<int>(cols_of(p)), stream);
      } else {
        mk.hamming_panel(h.a + m0 * h.lda, h.lda, rows, panel, h.words, h.dist + m0 * h.ldd + starts[p], h.ldd, static_cast<int>(cols_of(p)), stream);
      }
    }
    if (stream) mk.stream_fence();  // the results are visible to other threads once the task ends
  });
}

void hamming_knn(const Exec& ex, const HammingKnnArgs& h) {
  const LshMicroKernels& mk = lsh_micro(ex.isa);
  const int64_t panels = ceil_div(h.N, kPanel), k = h.k;
  uint64_t* const packed = code_panel_scratch(panels * h.words * kPanel);
  parallel_for(panels, ex.threads, [&](int64_t p) {
    pack_code_panel(h.b, h.ldb, p * kPanel, std::min<int64_t>(kPanel, h.N - p * kPanel), h.words, packed + p * h.words * kPanel);
  });
  // One task per chunk of rows of a; it walks every panel of b, so each row's list is owned by one thread.
  const int64_t chunk = hamming_rows_per_task(h.words, kPanel * 4, h.M, ex.threads);
  parallel_for(ceil_div(h.M, chunk), ex.threads, [&](int64_t t) {
    const int64_t m0 = t * chunk, rows = std::min(chunk, h.M - m0);
    std::vector<int32_t> dist(static_cast<size_t>(rows * kPanel));
    std::vector<int64_t> found(static_cast<size_t>(rows), 0);
    // bound[r]: the largest distance row r's list still admits (max_distance, then its last minus one:
    // indices grow, so an equal distance never displaces an earlier code).
    std::vector<int32_t> bound(static_cast<size_t>(rows), h.max_distance);
    std::vector<uint32_t> cand(static_cast<size_t>(rows));
    for (int64_t p = 0; p < panels; ++p) {
      const int cols = static_cast<int>(std::min<int64_t>(kPanel, h.N - p * kPanel));
      mk.hamming_panel(h.a + m0 * h.lda, h.lda, rows, packed + p * h.words * kPanel, h.words, dist.data(), kPanel, cols, false);
      mk.at_most(dist.data(), rows, cols, bound.data(), cand.data());
      for (int64_t r = 0; r < rows; ++r) {
        int32_t* dr = h.distances + (m0 + r) * k;
        int32_t* ir = h.indices + (m0 + r) * k;
        int64_t& n = found[r];
        const int32_t* d = dist.data() + r * kPanel;
        for (uint32_t c_set = cand[r]; c_set; c_set &= c_set - 1) {
          const int c = __builtin_ctz(c_set);
          if (d[c] > bound[r]) continue;  // the list tightened since the filter ran
          int64_t j = n < k ? n++ : k - 1;
          for (; j > 0 && dr[j - 1] > d[c]; --j) dr[j] = dr[j - 1], ir[j] = ir[j - 1];
          dr[j] = d[c];
          ir[j] = static_cast<int32_t>(p * kPanel + c);
          if (n == k) bound[r] = dr[k - 1] - 1;
        }
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      std::fill(h.distances + (m0 + r) * k + found[r], h.distances + (m0 + r + 1) * k, -1);
      std::fill(h.indices + (m0 + r) * k + found[r], h.indices + (m0 + r + 1) * k, -1);
    }
  });
}

void encode_weights(const Exec& ex, const EncodeWeightsArgs& e) {
  const int64_t nI = ceil_div(e.D, e.Ti), nJ = ceil_div(e.N, e.To);
  std::vector<SignProjectArgs> jobs;
  for (int64_t i = 0; i < nI; ++i) {
    for (int64_t j = 0; j < nJ; ++j) {
      const int64_t n0 = j * e.To;
      jobs.push_back({e.weight + n0 * e.D + i * e.Ti, e.D, e.proj + (i * nJ + j) * e.K * e.Ti, e.Ti,
                      std::min(e.To, e.N - n0), std::min(e.Ti, e.D - i * e.Ti), e.K,
                      e.codes + (i * e.N + n0) * e.code_stride, e.code_stride, e.norms + i * e.N + n0, e.eps});
    }
  }
  sign_project(ex, jobs);
}

void hash_linear(const Exec& ex, const HashLinearArgs& a) {
  const int64_t nI = ceil_div(a.D, a.Ti), nJ = ceil_div(a.N, a.To), words = ceil_div(a.K, 64);
  // 1. Codes and norms of every input tile under every tile pair's projection. The norm scale does not
  //    change a sign, so x is hashed unnormalised.
  std::vector<uint64_t> xcodes(static_cast<size_t>(nI * nJ * a.B * words));
  std::vector<float> xnorms(static_cast<size_t>(nI * a.B));
  std::vector<SignProjectArgs> jobs;
  for (int64_t i = 0; i < nI; ++i) {
    for (int64_t j = 0; j < nJ; ++j) {
      jobs.push_back({a.x + i * a.Ti, a.D, a.proj + (i * nJ + j) * a.K * a.Ti, a.Ti, a.B, std::min(a.Ti, a.D - i * a.Ti),
                      a.K, reinterpret_cast<uint8_t*>(xcodes.data() + (i * nJ + j) * a.B * words), words * 8,
                      j == 0 ? xnorms.data() + i * a.B : nullptr, a.eps});
    }
  }
  sign_project(ex, jobs);

  // 2. Weight code panels per (input tile, 32-row group of outputs).
  const int64_t groups = ceil_div(a.N, kPanel);
  std::vector<uint64_t> wpanels(static_cast<size_t>(nI * groups * words * kPanel));
  parallel_for(nI * groups, ex.threads, [&](int64_t t) {
    const int64_t i = t / groups, g = t % groups;
    pack_code_panel(reinterpret_cast<const uint64_t*>(a.wcodes + i * a.N * a.wstride), a.wstride / 8, g * kPanel,
                    std::min<int64_t>(kPanel, a.N - g * kPanel), words, wpanels.data() + t * words * kPanel);
  });

  // 3. Estimator table: est[h] for every possible distance.
  std::vector<float> est(static_cast<size_t>(a.K + 1));
  for (int64_t h = 0; h <= a.K; ++h) {
    est[h] = a.estimator == Estimator::kAngle ? static_cast<float>(std::cos(M_PI * static_cast<double>(h) / a.K))
                                              : static_cast<float>(1.0 - 2.0 * static_cast<double>(h) / a.K);
  }

  // 4. y[b, n] = sum_i xn[i,b] * wn[i,n] * est[h]: one task per (32-output group, row chunk). A group
  //    may straddle two output tiles; each column reads the codes of its own tile.
  constexpr int64_t kRows = 64;
  const int64_t chunks = ceil_div(a.B, kRows);
  const LshMicroKernels& mk = lsh_micro(ex.isa);
  parallel_for(groups * chunks, ex.threads, [&](int64_t t) {
    const int64_t g = t / chunks, b0 = (t % chunks) * kRows, rows = std::min(kRows, a.B - b0);
    const int64_t n0 = g * kPanel, cols = std::min<int64_t>(kPanel, a.N - n0);
    float acc[kRows][kPanel] = {};
    int32_t dist[kRows][kPanel];
    for (int64_t i = 0; i < nI; ++i) {
      const uint64_t* panel = wpanels.data() + (i * groups + g) * words * kPanel;
      const float* xn = xnorms.data() + i * a.B + b0;
      const float* wn = a.wnorms + i * a.N + n0;
      // Columns of this group belong to tiles j_first..j_last; run the Hamming panel once per tile.
      for (int64_t j = n0 / a.To; j * a.To < n0 + cols; ++j) {
        const uint64_t* xc = xcodes.data() + ((i * nJ + j) * a.B + b0) * words;
        mk.hamming_panel(xc, words, rows, panel, words, &dist[0][0], kPanel, static_cast<int>(cols), false);
        const int64_t c0 = std::max<int64_t>(0, j * a.To - n0), c1 = std::min<int64_t>(cols, (j + 1) * a.To - n0);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = c0; c < c1; ++c) acc[r][c] += xn[r] * wn[c] * est[dist[r][c]];
      }
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) a.y[(b0 + r) * a.N + n0 + c] = acc[r][c] + (a.bias ? a.bias[n0 + c] : 0.0f);
  });
}

}  // namespace hashmac
