// Node-API entry point of the noisy sign projection. lib/kernels/noisy.ts validates shapes; this reader
// re-checks every buffer length so a direct call cannot read or write out of bounds.
#include "../kernels/noisy.h"

#include "binding.h"

namespace hashmac {
namespace {

int64_t checked_mul(Napi::Env env, int64_t a, int64_t b) {
  int64_t p;
  if (__builtin_mul_overflow(a, b, &p)) throw Napi::RangeError::New(env, "noisySignProject: size product overflows");
  return p;
}

// noisySignProject(x, weights, offsets, codes, M, D, K, codeStride, dacBits, noiseScale, key, rowOffset)
Job parse_noisy_sign_project(ArgReader& r, const Exec& ex) {
  Napi::Env env = r.env();
  NoisySignArgs a{};
  a.M = r.integer(4, "M", 1);
  a.D = r.integer(5, "D", 1);
  a.K = r.integer(6, "K", 1);
  a.code_stride = r.integer(7, "codeStride", (a.K + 7) / 8);
  const int64_t bits = r.integer(8, "dacBits", 0);
  if (bits > 16) throw Napi::RangeError::New(env, "noisySignProject: dacBits: expected an integer in [0, 16]");
  a.dac_bits = static_cast<int>(bits);
  a.noise_scale = static_cast<float>(r.number(9, "noiseScale"));
  const int64_t key = r.integer(10, "key", 0), row_offset = r.integer(11, "rowOffset", 0);
  if (key > 0xffffffffLL || row_offset > 0xffffffffLL) throw Napi::RangeError::New(env, "noisySignProject: key and rowOffset must fit in 32 bits");
  a.key = static_cast<uint32_t>(key);
  a.row_offset = static_cast<uint32_t>(row_offset);
  a.x = r.array<float>(0, "x", checked_mul(env, a.M, a.D));
  a.w = r.array<float>(1, "weights", checked_mul(env, a.K, a.D));
  a.offsets = r.array<float>(2, "offsets", a.K);
  a.codes = r.array<uint8_t>(3, "codes", checked_mul(env, a.M, a.code_stride));
  return [ex, a] { noisy_sign_project(ex, a); };
}

}  // namespace

void init_noisy(Napi::Env env, Napi::Object exports) { export_kernel(env, exports, "noisySignProject", parse_noisy_sign_project); }

}  // namespace hashmac
