// What every state-step plan shares (lib/kernels/{mamba2,hawk,retnet,xlstm}-plans.ts): a pool of
// `poolSize` rows, updated in place; `batch` symbols, each on the pool row its slot names (negative =
// padding); `steps` steps per symbol, so batch * steps token rows laid out [batch, steps, ...].
// R is the addon's reader (ArgReader or cuda::CudaArgs); see plan_reader.h.
#pragma once
#include <cstdint>

namespace hashmac {

// Reads the pool, batch and step counts and the slots (checked against the pool, which the pools a
// reader binds next are sized by); returns the number of token rows.
template <class R>
int64_t read_step_shape(R& r, const int32_t*& slots, int64_t& pool, int64_t& batch, int64_t& steps) {
  pool = r.integer("poolSize", 1);
  batch = r.integer("batch", 1);
  steps = r.integer("steps", 1);
  r.slots(slots, "slots", batch, pool);
  return r.product({batch, steps});
}

}  // namespace hashmac
