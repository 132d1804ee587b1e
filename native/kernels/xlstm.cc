// Drivers of the xLSTM family: per-(row, head) tasks for the mLSTM (the state of a head is read and
// written once per call, all T steps applied while it sits in registers), and per-step tasks over (head,
// block of entries) for the sLSTM, whose recurrent weights are shared by every row and so are reused
// across the whole batch.
#include "xlstm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "parallel.h"
#include "step_driver.h"
#include "xlstm_isa.h"

namespace hashmac {

namespace {

using step_driver::huge_scratch;
using step_driver::scratch;
using step_driver::zero_rows;

float log_sigmoid(float x) { return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x))); }

}  // namespace

void mlstm_step(const Exec& ex, const MlstmStepArgs& a) {
  const XlstmMicroKernels& mk = xlstm_micro(ex.isa);
  const int64_t T = a.T, NH = a.NH, DK = a.DK, DV = a.DV;
  const float k_scale = 1.0f / std::sqrt(static_cast<float>(DK));
  parallel_for(a.B * NH, ex.threads, [&](int64_t task) {
    const int64_t b = task / NH, h = task % NH;
    const int32_t slot = a.slots[b];
    float* out = a.h + (b * T * NH + h) * DV;  // step t at out + t*NH*DV
    for (int64_t t = 0; t < T; ++t) zero_rows(out + t * NH * DV, DV);
    if (slot < 0) return;
    float* key = scratch(static_cast<size_t>(T * DK + 2 * T));
    float* f = key + T * DK;
    float* den = f + T;
    float* n = a.n + (slot * NH + h) * DK;
    float& m = a.m[slot * NH + h];
    // Gates, the normaliser n and the denominators, step by step (O(T*DK) against the O(T*DK*DV) state).
    for (int64_t t = 0; t < T; ++t) {
      const int64_t g = (b * T + t) * NH + h;
      const float lf = log_sigmoid(a.f_pre[g]);
      const float m_new = std::max(a.i_pre[g], m + lf);
      const float i = std::exp(a.i_pre[g] - m_new);
      f[t] = std::exp(lf + m - m_new);
      m = m_new;
      const float* k = a.k + g * DK;
      const float* q = a.q + g * DK;
      float* kt = key + t * DK;
      float qn = 0.0f;
      for (int64_t d = 0; d < DK; ++d) {
        kt[d] = i * (k[d] * k_scale);
        n[d] = f[t] * n[d] + kt[d];
        qn += q[d] * n[d];
      }
      den[t] = std::max(std::fabs(qn), std::exp(-m_new)) + a.eps;
    }
    mk.decay_outer_readout(a.C + (slot * NH + h) * DK * DV, DV, DK, DV, T, f, key, DK, a.q + (b * T * NH + h) * DK,
                           NH * DK, a.v + (b * T * NH + h) * DV, NH * DV, out, NH * DV);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < DV; ++j) out[t * NH * DV + j] /= den[t];
  }, step_driver::claim_grain(a.B * NH, ex.threads, 2 * DK * DV * int64_t{sizeof(float)}));
}

namespace {

constexpr int kMaxDotEntries = 2, kMaxDotRows = 4;  // bounds of the micro-kernels' register tiles
constexpr int64_t kLineFloats = 16;                   // a 64-byte cache line

// How one step of the sLSTM is cut into tasks of (group of state rows, head, range of entries). A task
// sweeps each register tile of weights (4 gate rows per entry, loaded into L1 once) across all its rows,
// whose slices of y (DH floats each) it keeps in the L2: so the rows of a group fill at most a quarter of
// the L2 (read from CPUID), and the weights are read from memory once per group. The task's gate sums
// (4 per row and entry) take at most half the L2, which bounds its entries; then its cells run once,
// each row's c, n, m, h and 4 gates of wx read and written as runs of `entries` contiguous floats.
// (Cells in blocks of 64 entries, 256-byte runs, ran at 0.54 of the FMA peak on one thread where blocks
// of 256 ran at 0.62: the short runs cost a DRAM latency each, which the prefetchers do not hide.)
// Entries are split further only to give every thread 8 tasks (costs no weight traffic): on the shared
// 2-core machine, 16 tasks of the bench's T=1 step took 4.9 ms where 8 took 5.5 (interleaved, wall
// time), the last task no longer waiting on a core another process held.
struct SlstmSplit {
  int64_t rows, groups, entries, parts;

  SlstmSplit(int64_t active, int64_t NH, int64_t DH, int threads) {
    const int64_t l2 = cpu_caches().l2, f = static_cast<int64_t>(sizeof(float));
    groups = ceil_div(active, std::max<int64_t>(1, l2 / 4 / (DH * f)));
    rows = ceil_div(active, groups);
    const int64_t by_cache = std::max<int64_t>(kLineFloats, l2 / 2 / (rows * 4 * f) / kLineFloats * kLineFloats);
    const int64_t by_threads = std::min(ceil_div(DH, kLineFloats), ceil_div(8 * int64_t{threads}, NH * groups));
    parts = std::max(ceil_div(DH, by_cache), by_threads);
    entries = ceil_div(ceil_div(DH, parts), kLineFloats) * kLineFloats;
    parts = ceil_div(DH, entries);
  }
  int64_t tasks(int64_t NH) const { return groups * NH * parts; }
};

// One task of one step: rows [i0, i1) of the active list, head h, entries [k0, k1).
struct SlstmTask {
  const SlstmStepArgs& a;
  const XlstmMicroKernels& mk;
  const std::vector<int64_t>& active;
  int64_t t, h, i0, i1, k0, k1;
  int ne_max, nr_max;

  int64_t W() const { return a.NH * a.DH; }
  const float* y_row(int64_t i) const {  // y of step t-1 of active row i, this head's slice
    const int64_t b = active[i];
    return (t == 0 ? a.y + a.slots[b] * W() : a.h + (b * a.T + t - 1) * W()) + h * a.DH;
  }

  // The task's slices of y, copied to consecutive rows of ys. In the pool (and in h) they sit one row
  // stride apart, usually a power of two (8 KiB at NH*DH = 2048): then every 8th row falls on the same
  // L2 sets, and 128 rows filled those sets' 16 ways with y alone, so y came from L3 on every sweep.
  void gather_y(float* ys) const {
    for (int64_t i = i0; i < i1; ++i) std::memcpy(ys + (i - i0) * a.DH, y_row(i), static_cast<size_t>(a.DH) * sizeof(float));
  }
  const float* gate_row(int g, int64_t k) const { return a.R + ((g * a.NH + h) * a.DH + k) * a.DH; }

  // rec[(i - i0)*4*E + g*E + (k - k0)], E = k1 - k0: the recurrent part of gate g, entry k, row i. Each
  // register tile of weights is swept across all rows. (Software prefetch of the next tile's weights,
  // spread over the sweep, measured no faster.)
  void dots(const float* y, float* rec) const {
    const int64_t E = k1 - k0;
    for (int64_t k = k0; k < k1; k += ne_max) {
      const int ne = static_cast<int>(std::min<int64_t>(ne_max, k1 - k));
      const float* w[4 * kMaxDotEntries];
      for (int e = 0; e < ne; ++e)
        for (int g = 0; g < 4; ++g) w[4 * e + g] = gate_row(g, k + e);
      for (int64_t r0 = i0; r0 < i1; r0 += nr_max) {
        const int nr = static_cast<int>(std::min<int64_t>(nr_max, i1 - r0));
        const float* ys[kMaxDotRows];
        for (int r = 0; r < nr; ++r) ys[r] = y + (r0 + r - i0) * a.DH;
        mk.gate_dots(w, ne, ys, nr, a.DH, rec + (r0 - i0) * 4 * E + (k - k0), 4 * E, E);
      }
    }
  }

  void cells(const float* rec) const {
    const int64_t E = k1 - k0, e0 = h * a.DH + k0;
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t b = active[i], st = a.slots[b] * W() + e0, row = b * a.T + t;
      mk.slstm_cells(rec + (i - i0) * 4 * E, E, a.wx + row * 4 * W() + e0, a.r_bias ? a.r_bias + e0 : nullptr, W(), a.eps, a.c + st,
                     a.n + st, a.m + st, a.h + row * W() + e0, E);
    }
  }

  void run() const {
    float* y = huge_scratch(static_cast<size_t>((i1 - i0) * (a.DH + 4 * (k1 - k0))));
    float* rec = y + (i1 - i0) * a.DH;
    gather_y(y);
    dots(y, rec);
    cells(rec);
  }
};

}  // namespace

void slstm_step(const Exec& ex, const SlstmStepArgs& a) {
  const XlstmMicroKernels& mk = xlstm_micro(ex.isa);
  const int64_t T = a.T, NH = a.NH, DH = a.DH, W = NH * DH;
  std::vector<int64_t> active;
  for (int64_t b = 0; b < a.B; ++b) {
    if (a.slots[b] >= 0) active.push_back(b);
    else zero_rows(a.h + b * T * W, T * W);
  }
  if (active.empty()) return;
  const int64_t n_active = static_cast<int64_t>(active.size());
  const int ne_max = std::min(mk.dot_entries_max, kMaxDotEntries), nr_max = std::min(mk.dot_rows_max, kMaxDotRows);
  const SlstmSplit split(n_active, NH, DH, ex.threads);
  // Step t needs every entry of y from step t-1, so the steps are separate parallel passes; y of step t
  // goes to the output, and the pool's y is replaced after the last step.
  for (int64_t t = 0; t < T; ++t) {
    parallel_for(split.tasks(NH), ex.threads, [&](int64_t task) {
      const int64_t part = task % split.parts, h = task / split.parts % NH, group = task / (split.parts * NH);
      const int64_t i0 = group * split.rows, i1 = std::min(n_active, i0 + split.rows);
      const int64_t k_begin = part * split.entries, k_end = std::min(DH, k_begin + split.entries);
      SlstmTask{a, mk, active, t, h, i0, i1, k_begin, k_end, ne_max, nr_max}.run();
    });
  }
  for (int64_t b : active) std::memcpy(a.y + a.slots[b] * W, a.h + (b * T + T - 1) * W, static_cast<size_t>(W) * sizeof(float));
}

}  // namespace hashmac
