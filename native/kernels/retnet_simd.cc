// RetNet micro-kernels, compiled once per ISA (see simd_target.h): the retention step's decayed
// outer-product state update with read-out (decay_outer.h). Rotary stays in the driver (retnet.cc).
#include "simd_target.h"
#include "decay_outer.h"
#include "retnet_isa.h"

namespace hashmac {
namespace HASHMAC_TARGET {

extern const RetnetMicroKernels retnet_micro = {decay_outer::readout};

}  // namespace HASHMAC_TARGET
}  // namespace hashmac
