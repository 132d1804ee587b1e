#include "isa.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace hashmac {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "scalar";
  }
}

bool parse_isa(const char* name, Isa* out) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(name, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_supported(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vpopcntdq");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

Isa best_isa() {
  if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

namespace {

// Deterministic cache parameters (the same register layout in AMD leaf 0x8000001D and Intel leaf 4):
// EAX[4:0] type (1 data, 3 unified), EAX[7:5] level; size = ways * partitions * line * sets.
bool caches_from_cpuid(CpuCaches* c) {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  unsigned leaf = 0;
  if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x8000001D && __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) &&
      (ecx & (1u << 22))) {
    leaf = 0x8000001D;  // AMD with topology extensions
  } else if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) && eax >= 4) {
    leaf = 4;
  }
  bool any = false;
  for (unsigned sub = 0; leaf && sub < 16; ++sub) {
    if (!__get_cpuid_count(leaf, sub, &eax, &ebx, &ecx, &edx)) break;
    const unsigned type = eax & 31, level = (eax >> 5) & 7;
    if (type == 0) break;
    if (type != 1 && type != 3) continue;  // instruction caches do not hold operands
    const int64_t size = int64_t{(ebx >> 22) + 1} * (((ebx >> 12) & 1023) + 1) * ((ebx & 4095) + 1) * (int64_t{ecx} + 1);
    if (level == 1) c->l1d = size;
    if (level == 2) c->l2 = size;
    if (level == 3) c->l3 = size;
    any = true;
  }
  // AMD's older leaves (also what hypervisors that hide the topology extensions still pass through):
  // 0x80000005 ECX[31:24] = L1d KiB, 0x80000006 ECX[31:16] = L2 KiB, EDX[31:18] = L3 in 512 KiB units.
  if (!any && __get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000006) {
    if (__get_cpuid(0x80000005, &eax, &ebx, &ecx, &edx) && (ecx >> 24)) c->l1d = int64_t{ecx >> 24} << 10, any = true;
    if (__get_cpuid(0x80000006, &eax, &ebx, &ecx, &edx) && (ecx >> 16)) {
      c->l2 = int64_t{ecx >> 16} << 10;
      if (edx >> 18) c->l3 = int64_t{edx >> 18} << 19;
      any = true;
    }
  }
  return any;
#else
  (void)c;
  return false;
#endif
}

int64_t sysfs_cache(int index) {
  char path[96];
  std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  long kb = 0;
  const int n = std::fscanf(f, "%ldK", &kb);
  std::fclose(f);
  return n == 1 && kb > 0 ? int64_t{kb} * 1024 : 0;
}

CpuCaches detect_caches() {
  CpuCaches c{32 << 10, 1 << 20, 32 << 20};  // typical of recent x86 cores when nothing can be read
  if (!caches_from_cpuid(&c)) {
    // Linux lists index0 = L1d, index1 = L1i, index2 = L2, index3 = L3 on x86 and most arm64 cores.
    if (int64_t v = sysfs_cache(0)) c.l1d = v;
    if (int64_t v = sysfs_cache(2)) c.l2 = v;
    if (int64_t v = sysfs_cache(3)) c.l3 = v;
  }
  // Sanity: a hypervisor may report zeros or nonsense; keep the blocks within sane bounds.
  c.l1d = c.l1d < (8 << 10) || c.l1d > (1 << 20) ? 32 << 10 : c.l1d;
  c.l2 = c.l2 < (64 << 10) || c.l2 > (64 << 20) ? 1 << 20 : c.l2;
  // Some hypervisors report the whole socket's (or a made-up) L3: above 256 MiB, assume one CCD's 32 MiB.
  c.l3 = c.l3 < (1 << 20) || c.l3 > (int64_t{256} << 20) ? 32 << 20 : c.l3;
  return c;
}

}  // namespace

const CpuCaches& cpu_caches() {
  static const CpuCaches caches = detect_caches();
  return caches;
}

}  // namespace hashmac
