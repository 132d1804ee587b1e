// The noisy sign projection's plan (lib/kernels/noisy-plans.ts) as its args struct, for either addon.
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include "../../kernels/noisy.h"

namespace hashmac {

template <class R>
void read_noisy_sign_project(R& r, NoisySignArgs& a) {
  a.M = r.integer("M", 1);
  a.D = r.integer("D", 1);
  a.K = r.integer("K", 1);
  a.code_stride = r.integer("stride", (a.K + 7) / 8);
  a.dac_bits = static_cast<int>(r.integer_in("dacBits", 0, 16));
  a.noise_scale = r.real("noiseScale");
  a.key = static_cast<uint32_t>(r.integer_in("key", 0, 0xffffffffLL));
  a.row_offset = static_cast<uint32_t>(r.integer_in("rowOffset", 0, 0xffffffffLL));
  r.in(a.x, "x", r.product({a.M, a.D}));
  r.in(a.w, "weights", r.product({a.K, a.D}));
  r.in(a.offsets, "offsets", a.K);
  r.out(a.codes, "codes", r.product({a.M, a.code_stride}));
}

}  // namespace hashmac
