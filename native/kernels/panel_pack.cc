#include "panel_pack.h"

#include <vector>

namespace hashmac {

float* packing_scratch(size_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

}  // namespace hashmac
