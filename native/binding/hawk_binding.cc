// Node-API entry points of the Hawk family. The TypeScript layer (lib/native/hawk.ts) validates shapes
// and passes sizes explicitly; these readers re-check every buffer length and every slot, so no call can
// read or write out of bounds (or race on one pool row) even when the addon is called directly.
#include "../kernels/hawk.h"

#include "binding.h"

namespace hashmac {
namespace {

// rglruStep(h, x, gateX, gateA, a, reset|null, slots, out, pool, width, batch, steps, c, softplusA)
Job parse_rglru(ArgReader& r, const Exec& ex) {
  RglruArgs a{};
  a.pool = r.integer(8, "pool", 1);
  a.width = r.integer(9, "width", 1);
  a.batch = r.integer(10, "batch", 1);
  a.steps = r.integer(11, "steps", 1);
  a.c = static_cast<float>(r.number(12, "c"));
  a.softplus_a = r.boolean(13, "softplusA");
  const int64_t rows = r.product({a.batch, a.steps}), n = r.product({rows, a.width});
  a.h = r.array<float>(0, "h", r.product({a.pool, a.width}));
  a.x = r.array<float>(1, "x", n);
  a.gate_x = r.array<float>(2, "gateX", n);
  a.gate_a = r.array<float>(3, "gateA", n);
  a.a = r.array<float>(4, "a", a.width);
  a.reset = r.optional_array<uint8_t>(5, "reset", rows);
  a.slots = r.slots(6, a.batch, a.pool);
  a.out = r.array<float>(7, "out", n);
  return [ex, a] { rglru_step(ex, a); };
}

// blockLinear(x, weight, bias|null, y, rows, blocks, blockIn, blockOut)
Job parse_block_linear(ArgReader& r, const Exec& ex) {
  BlockLinearArgs a{};
  a.rows = r.integer(4, "rows", 1);
  a.blocks = r.integer(5, "blocks", 1);
  a.block_in = r.integer(6, "blockIn", 1);
  a.block_out = r.integer(7, "blockOut", 1);
  a.x = r.array<float>(0, "x", r.product({a.rows, a.blocks, a.block_in}));
  a.weight = r.array<float>(1, "weight", r.product({a.blocks, a.block_out, a.block_in}));
  a.bias = r.optional_array<float>(2, "bias", r.product({a.blocks, a.block_out}));
  a.y = r.array<float>(3, "y", r.product({a.rows, a.blocks, a.block_out}));
  return [ex, a] { block_linear(ex, a); };
}

}  // namespace

void init_hawk(Napi::Env env, Napi::Object exports) {
  export_kernel(env, exports, "rglruStep", parse_rglru);
  export_kernel(env, exports, "blockLinear", parse_block_linear);
}

}  // namespace hashmac
