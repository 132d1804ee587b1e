/** CUDA implementations of the recurrent-a plans (cuda/ssm.cu, cuda/hawk.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend.js';
import { blockLinearArgs, convArgs, rglruArgs, ssuArgs } from '../native/recurrent-a.js';
import { cudaKernel } from './kernel.js';

export const recurrentACuda: KernelTable = {
  selectiveStateUpdate: cudaKernel('selectiveStateUpdate', ssuArgs),
  causalConv1dUpdate: cudaKernel('causalConv1dUpdate', convArgs),
  rglruStep: cudaKernel('rglruStep', rglruArgs),
  blockLinear: cudaKernel('blockLinear', blockLinearArgs),
};
