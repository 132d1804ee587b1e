{
  # The CPU addon. Kernel files named *_simd.cc are compiled three times (scalar, AVX2, AVX-512), each
  # copy in its own static library with its own -m flags, and the ISA is chosen at run time.
  "variables": {
    "kernel_sources": ["<!@(node -p \"require('fs').readdirSync('native/kernels').filter(f => f.endsWith('.cc') && !f.endsWith('_simd.cc')).map(f => 'native/kernels/' + f).join(' ')\")"],
    "simd_sources": ["<!@(node -p \"require('fs').readdirSync('native/kernels').filter(f => f.endsWith('_simd.cc')).map(f => 'native/kernels/' + f).join(' ')\")"],
    "binding_sources": ["<!@(node -p \"require('fs').readdirSync('native/binding').filter(f => f.endsWith('.cc')).map(f => 'native/binding/' + f).join(' ')\")"],
    "common_cflags": ["-O3", "-std=c++17", "-fno-math-errno", "-fPIC", "-Wall", "-Wextra", "-Wno-unused-parameter"]
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O2", "-O0"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2", "-O0"],
    "cflags_cc": ["<@(common_cflags)"]
  },
  "targets": [
    {
      "target_name": "hashmac_simd_scalar",
      "type": "static_library",
      "sources": ["<@(simd_sources)"],
      "defines": ["HASHMAC_TARGET_ID=0"]
    },
    {
      "target_name": "hashmac_simd_avx2",
      "type": "static_library",
      "sources": ["<@(simd_sources)"],
      "defines": ["HASHMAC_TARGET_ID=1"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mavx2", "-mfma", "-mpopcnt", "-mbmi2"]}]]
    },
    {
      "target_name": "hashmac_simd_avx512",
      "type": "static_library",
      "sources": ["<@(simd_sources)"],
      "defines": ["HASHMAC_TARGET_ID=2"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vpopcntdq", "-mfma", "-mpopcnt", "-mbmi2", "-mprefer-vector-width=512"]}]]
    },
    {
      "target_name": "hashmac",
      "sources": ["<@(kernel_sources)", "<@(binding_sources)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "HASHMAC_VERSION=\"<!(node -p \"require('./package.json').version\")\""],
      "dependencies": ["hashmac_simd_scalar", "hashmac_simd_avx2", "hashmac_simd_avx512"],
      "ldflags": ["-pthread"]
    }
  ]
}
