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
