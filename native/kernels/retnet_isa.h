// Per-ISA micro-kernels of the RetNet family (defined in retnet_simd.cc, compiled once per ISA).
#pragma once
#include <cstdint>

#include "decay_outer_isa.h"
#include "isa.h"

namespace hashmac {

struct RetnetMicroKernels {
  // The retention state S of one (row, head) over T steps (decay_outer_isa.h).
  DecayOuterReadout decay_outer_readout;
};

HASHMAC_MICRO_KERNELS(RetnetMicroKernels, retnet_micro)

}  // namespace hashmac
