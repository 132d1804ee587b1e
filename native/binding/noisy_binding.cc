// Node-API entry point of the noisy sign projection. lib/kernels/noisy.ts validates shapes; this reader
// re-checks every buffer length so a direct call cannot read or write out of bounds.
#include "../kernels/noisy.h"

#include "binding.h"

namespace hashmac {
namespace {

// noisySignProject(x, weights, offsets, codes, M, D, K, codeStride, dacBits, noiseScale, key, rowOffset)
Job parse_noisy_sign_project(ArgReader& r, const Exec& ex) {
  NoisySignArgs a{};
  a.M = r.integer(4, "M", 1);
  a.D = r.integer(5, "D", 1);
  a.K = r.integer(6, "K", 1);
  a.code_stride = r.integer(7, "codeStride", ceil_div(a.K, 8));
  const int64_t bits = r.integer(8, "dacBits", 0);
  if (bits > 16) throw r.range_error("dacBits: expected an integer in [0, 16]");
  a.dac_bits = static_cast<int>(bits);
  a.noise_scale = static_cast<float>(r.number(9, "noiseScale"));
  const int64_t key = r.integer(10, "key", 0), row_offset = r.integer(11, "rowOffset", 0);
  if (key > 0xffffffffLL || row_offset > 0xffffffffLL) throw r.range_error("key and rowOffset must fit in 32 bits");
  a.key = static_cast<uint32_t>(key);
  a.row_offset = static_cast<uint32_t>(row_offset);
  a.x = r.array<float>(0, "x", r.product({a.M, a.D}));
  a.w = r.array<float>(1, "weights", r.product({a.K, a.D}));
  a.offsets = r.array<float>(2, "offsets", a.K);
  a.codes = r.array<uint8_t>(3, "codes", r.product({a.M, a.code_stride}));
  return [ex, a] { noisy_sign_project(ex, a); };
}

}  // namespace

void init_noisy(Napi::Env env, Napi::Object exports) { export_kernel(env, exports, "noisySignProject", parse_noisy_sign_project); }

}  // namespace hashmac
