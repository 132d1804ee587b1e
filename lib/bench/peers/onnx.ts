/**
 * onnxruntime-node as a peer for the projection: a one-node MatMul model x[M,D] · w[D,K] built in memory
 * (a few protobuf fields written by hand, so no ONNX tooling is needed), run on the bench run's threads.
 */
import { optionalPeer } from './optional.js';

// ---- minimal protobuf writer: varints, length-delimited fields
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

const FLOAT = 1;
function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = [...int(1, FLOAT), ...bytes(2, shape)]; // TypeProto.Tensor { elem_type, shape }
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))]; // ValueInfoProto { name, type { tensor_type } }
}

/** ONNX ModelProto bytes of y = MatMul(x[M,D], w[D,K]). */
export function matmulModel(M: number, D: number, K: number): Uint8Array {
  const node = [...str(1, 'x'), ...str(1, 'w'), ...str(2, 'y'), ...str(4, 'MatMul')];
  const graph = [...bytes(1, node), ...str(2, 'matmul'), ...bytes(11, valueInfo('x', [M, D])), ...bytes(11, valueInfo('w', [D, K])), ...bytes(12, valueInfo('y', [M, K]))];
  const opset = [...str(1, ''), ...int(2, 13)];
  return Uint8Array.from([...int(1, 7), ...bytes(7, graph), ...bytes(8, opset)]);
}

export interface OrtMatMul {
  /** Runs the MatMul once; resolves to y [M, K]. */
  run(): Promise<Float32Array>;
}

/** A ready MatMul session over fixed inputs, or undefined when onnxruntime-node is not installed. */
export async function ortMatMul(x: Float32Array, w: Float32Array, M: number, D: number, K: number, threads: number): Promise<OrtMatMul | undefined> {
  const ort = optionalPeer('onnxruntime-node').mod;
  if (!ort) return undefined;
  // The run's thread count for the one operator (intra-op; the calling thread is one of them), one
  // node so no inter-op pool, sequential execution, the memory arena on (ORT's own defaults for a
  // server), and spinning workers: what a tuned ORT deployment would use, so the peer is measured fairly.
  const session = await ort.InferenceSession.create(matmulModel(M, D, K), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'],
    graphOptimizationLevel: 'all', enableCpuMemArena: true, enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: '1' } } },
  });
  const feeds = { x: new ort.Tensor('float32', x, [M, D]), w: new ort.Tensor('float32', w, [D, K]) };
  return {
    async run() {
      const out = await session.run(feeds);
      return out.y.data as Float32Array;
    },
  };
}
