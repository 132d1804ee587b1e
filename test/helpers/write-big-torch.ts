/**
 * Writes the > 2 GiB zip-format torch checkpoint of test/large-torch.test.ts, in a process of its own so
 * that the test's memory figures see only the reader. Usage: write-big-torch.ts <path> <elements>.
 */
import { writeTorchFile } from '../../lib/torch/index.js';

const bigValue = (i: number) => i % 65521;

const [path, n] = process.argv.slice(2);
const big = new Float32Array(Number(n));
for (let i = 0; i < big.length; i++) big[i] = bigValue(i);
writeTorchFile(path, {
  'head.weight': { data: new Float32Array([1.5, -2, 3.25]), shape: [3] },
  'body.big': { data: big, shape: [big.length / 1024, 1024] },
  'tail.count': { dtype: 'I64', shape: [2], data: new BigInt64Array([7n, -9n]) },
}, { epoch: '12' });
