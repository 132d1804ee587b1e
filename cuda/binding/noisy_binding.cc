// Node-API entry point of the CUDA noisy sign projection (cuda/noisy.h): the CPU addon's arguments,
// arrays may be DeviceBuffers; every length is re-checked here.
#include "../noisy.h"
#include "call.h"

namespace hashmac::cuda {
namespace {

// noisySignProject(x, weights, offsets, codes, M, D, K, codeStride, dacBits, noiseScale, key, rowOffset)
CudaJob parse_noisy_sign_project(CudaArgs& r) {
  NoisySignArgs a{};
  a.M = r.integer(4, "M", 1);
  a.D = r.integer(5, "D", 1);
  a.K = r.integer(6, "K", 1);
  a.code_stride = r.integer(7, "codeStride", (a.K + 7) / 8);
  const int64_t bits = r.integer(8, "dacBits", 0);
  if (bits > 16) throw r.range_error("dacBits: expected an integer in [0, 16]");
  a.dac_bits = static_cast<int>(bits);
  a.noise_scale = static_cast<float>(r.number(9, "noiseScale"));
  const int64_t key = r.integer(10, "key", 0), row_offset = r.integer(11, "rowOffset", 0);
  if (key > 0xffffffffLL || row_offset > 0xffffffffLL) throw r.range_error("key and rowOffset must fit in 32 bits");
  a.key = static_cast<uint32_t>(key);
  a.row_offset = static_cast<uint32_t>(row_offset);
  const int x = r.in<float>(0, "x", r.product({a.M, a.D}));
  const int w = r.in<float>(1, "weights", r.product({a.K, a.D}));
  const int offsets = r.in<float>(2, "offsets", a.K);
  const int codes = r.out<uint8_t>(3, "codes", r.product({a.M, a.code_stride}));
  return [=](CallData& c) mutable {
    a.x = c.ptr<float>(x);
    a.w = c.ptr<float>(w);
    a.offsets = c.ptr<float>(offsets);
    a.codes = c.ptr<uint8_t>(codes);
    noisy_sign_project(a, c.stream());
  };
}

}  // namespace

void init_noisy(Napi::Env env, Napi::Object exports) { export_cuda_kernel(env, exports, "noisySignProject", parse_noisy_sign_project); }

}  // namespace hashmac::cuda
