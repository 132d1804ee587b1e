/**
 * hashmac: hashed matrix products and fused recurrent step kernels for energy-efficient inference.
 * Every kernel has a TypeScript reference, a native CPU implementation and (where built) a CUDA one,
 * behind the functions exported here.
 */
export * from './tensor.js';
export * from './bits.js';
export * from './safetensors.js';
export { readTensorFile, parseTensorFile, sniffTensorFile, writeTorchFile, serializeTorchFile, readPickle, parsePickle, NdArray, Py2String, UnpicklingError } from './torch/index.js';
export { convertTensorFile } from './torch/convert.js';
export { castFloat } from './cast.js';
export { setBackend, currentBackend, isBackendAvailable, backendsFor, BACKENDS, type BackendName, type CallOptions } from './backend.js';
export * from './runtime.js';
export * from './pool.js';
export * from './kernels/lsh.js';
export * from './kernels/noisy.js';
export * from './sim/index.js';
export * as sim from './sim/index.js';
// Three simulator names mean something else under `stream.*` (the streaming model's config, report and
// presets). The flat API gives them unambiguous names; the old flat names stay as deprecated aliases
// (a one-time runtime warning for the functions) so existing code keeps working and is told.
import { formatReport as formatSimReport, PRESETS as SIM_PRESETS, resolveConfig as resolveSimConfig } from './sim/index.js';
export { formatSimReport, resolveSimConfig, SIM_PRESETS };
const warned = new Set<string>();
function deprecated<A extends unknown[], R>(old: string, now: string, fn: (...a: A) => R): (...a: A) => R {
  return (...args: A) => {
    if (!warned.has(old)) {
      warned.add(old);
      process.emitWarning(`hashmac: the flat '${old}' is the simulator's; use '${now}' (or 'sim.${old}'); 'stream.${old}' is the streaming model's`, { type: 'DeprecationWarning', code: 'HASHMAC_SIM_NAMES' });
    }
    return fn(...args);
  };
}
/** @deprecated the simulator's config: use `resolveSimConfig` or `sim.resolveConfig` (`stream.resolveConfig` is the streaming model's). */
export const resolveConfig: typeof resolveSimConfig = deprecated('resolveConfig', 'resolveSimConfig', resolveSimConfig);
/** @deprecated the simulator's report: use `formatSimReport` or `sim.formatReport` (`stream.formatReport` is the streaming evaluation's). */
export const formatReport: typeof formatSimReport = deprecated('formatReport', 'formatSimReport', formatSimReport);
/** @deprecated the simulator's presets: use `SIM_PRESETS` or `sim.PRESETS` (`stream.PRESETS` are the streaming model's sizes). */
export const PRESETS: typeof SIM_PRESETS = SIM_PRESETS;
export * from './kernels/mamba2.js';
export * from './kernels/mamba2-pools.js';
export * from './kernels/hawk.js';
export * from './kernels/hawk-pools.js';
export * from './kernels/retnet.js';
export * from './kernels/retnet-pools.js';
export * from './kernels/xlstm.js';
export * from './kernels/xlstm-pools.js';
export * from './kernels/ops.js';
export { toDevice, fromDevice, releaseDevice, isDeviceResident, poolToDevice, poolFromDevice, DeviceStream, setCudaHammingAlgo, getCudaHammingAlgo, setCudaSignPrecision, getCudaSignPrecision, type CudaHammingAlgo, type CudaSignPrecision } from './cuda/device.js';
export { runGolden, type GoldenOptions, type GoldenReport } from './golden/runner.js';
export * from './models/index.js';
export * as stream from './stream/index.js';
