/**
 * JS reference of the RetNet kernels: a literal reading of SPEC §6 and §7 (float64 arithmetic; state is
 * stored back as float32). Each batch row walks its T steps in order on its pool row; padding rows
 * (negative slots) get zero outputs and touch no state.
 */
import type { KernelTable } from '../backend-contract.js';
import type { RetentionStepPlan, RotaryPlan } from '../kernels/retnet-plans.js';

/**
 * dst[d] = rotary(src * scale, pos)[d] over one head of Dh values (SPEC §6): theta is one float32
 * multiply of float32(pos) and angle[d]. Without an angle the values are only scaled.
 */
function rotate(src: Float32Array, s0: number, Dh: number, scale: number, pos: number, angle: Float32Array | undefined, dst: Float64Array): void {
  for (let d = 0; d < Dh; d++) dst[d] = src[s0 + d] * scale;
  if (!angle) return;
  const p = Math.fround(pos);
  for (let d = 0; d < Dh; d += 2) {
    const x0 = dst[d], x1 = dst[d + 1];
    const t0 = Math.fround(p * angle[d]), t1 = Math.fround(p * angle[d + 1]);
    dst[d] = x0 * Math.cos(t0) - x1 * Math.sin(t0);
    dst[d + 1] = x1 * Math.cos(t1) + x0 * Math.sin(t1);
  }
}

export function rotary(p: RotaryPlan): void {
  const { heads: H, headDim: Dh } = p;
  const row = new Float64Array(Dh);
  for (let bt = 0; bt < p.batch * p.steps; bt++) {
    for (let h = 0; h < H; h++) {
      const off = (bt * H + h) * Dh;
      rotate(p.x, off, Dh, 1, p.positions[bt], p.angle, row);
      for (let d = 0; d < Dh; d++) p.y[off + d] = row[d];
    }
  }
}

export function retentionStep(p: RetentionStepPlan): void {
  const { heads: H, keyDim: Dk, valueDim: Dv, steps: T } = p;
  const qr = new Float64Array(Dk), kr = new Float64Array(Dk);
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    if (slot < 0) {
      p.o.fill(0, b * T * H * Dv, (b + 1) * T * H * Dv);
      continue;
    }
    for (let t = 0; t < T; t++) {
      const pos = p.offsets[slot];
      for (let h = 0; h < H; h++) {
        const gamma = p.decay[h];
        const x0 = ((b * T + t) * H + h) * Dk, v0 = ((b * T + t) * H + h) * Dv;
        rotate(p.q, x0, Dk, 1, pos, p.angle, qr);
        rotate(p.k, x0, Dk, p.kScale, pos, p.angle, kr);
        const s0 = (slot * H + h) * Dk * Dv;
        for (let i = 0; i < Dk; i++) {
          for (let j = 0; j < Dv; j++) p.S[s0 + i * Dv + j] = gamma * p.S[s0 + i * Dv + j] + kr[i] * p.v[v0 + j];
        }
        const scale = (p.scales[slot * H + h] = p.scales[slot * H + h] * gamma + 1);
        for (let j = 0; j < Dv; j++) {
          let acc = 0;
          for (let i = 0; i < Dk; i++) acc += qr[i] * p.S[s0 + i * Dv + j];
          p.o[v0 + j] = acc / Math.sqrt(scale);
        }
      }
      p.offsets[slot] = pos + 1;
    }
  }
}

export const retnetReference: KernelTable = {
  rotary: { run: rotary },
  retentionStep: { run: retentionStep },
};
