/** `hashmac convert IN OUT`: safetensors ⇄ PyTorch (.pt/.pth/.th), by the output's extension. */
import { Option, type Command } from 'commander';
import type { FloatDType } from '../cast.js';
import { convertTensorFile } from '../torch/convert.js';

const DTYPES: Record<string, FloatDType> = { f32: 'F32', f64: 'F64', f16: 'F16', bf16: 'BF16' };

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a tensor file: safetensors <-> PyTorch .pt/.pth/.th (the input is recognised by content; checkpoint wrappers and the module. prefix are unwrapped)')
    .argument('<in>', 'safetensors or torch.save file')
    .argument('<out>', 'output: .safetensors, or .pt/.pth/.th for a zip-format torch file')
    .addOption(new Option('--dtype <type>', 'cast every float tensor (integer tensors are kept)').choices(Object.keys(DTYPES)))
    .action((input: string, output: string, o: { dtype?: string }) => {
      const r = convertTensorFile(input, output, { dtype: o.dtype ? DTYPES[o.dtype] : undefined });
      const dtypes = Object.entries(r.dtypes).map(([d, n]) => `${n} ${d}`).join(', ');
      console.log(`${output}: ${r.tensors} tensors (${dtypes})${r.metadata.length ? `, metadata ${r.metadata.join(', ')}` : ''}`);
    });
}
