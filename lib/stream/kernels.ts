/**
 * The kernels the stream engine composes, in one place: dense ops, the Mamba2 family (SSM, causal conv),
 * the Hawk family (RG-LRU, block linear), RetNet's retention and the xLSTM cells (sLSTM, mLSTM).
 */
export { linear, rmsNorm, layerNorm, groupNorm, silu, gelu, relu } from '../kernels/ops.js';
export { selectiveStateUpdate, causalConv1dUpdate } from '../kernels/mamba2.js';
export { rglruStep, blockLinear } from '../kernels/hawk.js';
export { retentionStep } from '../kernels/retnet.js';
export { slstmStep, mlstmStep } from '../kernels/xlstm.js';
