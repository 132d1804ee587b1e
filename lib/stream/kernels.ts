/**
 * The kernels the stream engine composes, in one place: dense ops, the recurrent-a family (Mamba2
 * SSM, causal conv, RG-LRU, block linear) and the recurrent-b family (retention, sLSTM, mLSTM).
 */
export { linear, rmsNorm, layerNorm, groupNorm, silu, gelu, relu } from '../kernels/ops.js';
export { selectiveStateUpdate, causalConv1dUpdate, rglruStep, blockLinear } from '../kernels/recurrent-a.js';
export { retentionStep, slstmStep, mlstmStep } from '../kernels/recurrent-b.js';
