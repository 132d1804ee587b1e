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
      "ldflags": ["-pthread"],
      # Linux: libstdc++ linked in where the toolchain has its static archive, so the addon (the prebuild
      # above all) needs no particular libstdc++ (GLIBCXX_*) on the user's machine, only glibc and libgcc_s
      # (the README's install section gives the floor). Its symbols stay hidden (no clash with the process's
      # own); --gc-sections drops the parts never called, which would otherwise raise the glibc floor
      # (std::random_device's arc4random, glibc 2.36). libgcc stays shared: its static unwinder needs 2.35.
      "variables": {
        "static_cxx_runtime": "<!(node -p \"(() => { try { return require('path').isAbsolute(require('child_process').execSync('c++ -print-file-name=libstdc++.a', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) ? 1 : 0 } catch { return 0 } })()\")"
      },
      "conditions": [["OS=='linux' and static_cxx_runtime==1", {
        "ldflags": ["-static-libstdc++", "-Wl,--exclude-libs,ALL", "-Wl,--gc-sections"]
      }]]
    }
  ]
}
