/**
 * im2col over channels-last activations: one row per output position, columns in PyTorch unfold order
 * (channel-major, then kernel row, then kernel column), so a conv weight [C_out, C_in, kh, kw] read as
 * [C_out, C_in*kh*kw] multiplies the rows directly.
 */
import type { Tensor } from '../tensor.js';

export interface ConvGeometry {
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

export function convOutputSize(H: number, W: number, g: ConvGeometry): [number, number] {
  const ho = Math.floor((H + 2 * g.padding[0] - g.dilation[0] * (g.kh - 1) - 1) / g.stride[0]) + 1;
  const wo = Math.floor((W + 2 * g.padding[1] - g.dilation[1] * (g.kw - 1) - 1) / g.stride[1]) + 1;
  return [ho, wo];
}

/** x: [B, H, W, C] → rows [B*Ho*Wo, C*kh*kw]; positions outside the image read as zero padding. */
export function im2col(x: Tensor, g: ConvGeometry): { rows: Tensor; Ho: number; Wo: number } {
  const [B, H, W, C] = x.shape;
  const [Ho, Wo] = convOutputSize(H, W, g);
  if (Ho < 1 || Wo < 1) throw new RangeError(`im2col: a ${H}x${W} input is smaller than the ${g.kh}x${g.kw} kernel`);
  const cols = C * g.kh * g.kw, khw = g.kh * g.kw;
  const out = new Float32Array(B * Ho * Wo * cols);
  const src = x.data;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const rowBase = ((b * Ho + oh) * Wo + ow) * cols;
        for (let i = 0; i < g.kh; i++) {
          const h = oh * g.stride[0] - g.padding[0] + i * g.dilation[0];
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < g.kw; j++) {
            const w = ow * g.stride[1] - g.padding[1] + j * g.dilation[1];
            if (w < 0 || w >= W) continue;
            const pix = ((b * H + h) * W + w) * C;
            const col = rowBase + i * g.kw + j;
            for (let c = 0; c < C; c++) out[col + c * khw] = src[pix + c];
          }
        }
      }
    }
  }
  return { rows: { data: out, shape: [B * Ho * Wo, cols] }, Ho, Wo };
}

/** NCHW → NHWC (model inputs arrive in PyTorch layout; layers work channels-last). */
export function toChannelsLast(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape;
  const out = new Float32Array(x.data.length);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let p = 0; p < H * W; p++) out[(b * H * W + p) * C + c] = x.data[(b * C + c) * H * W + p];
  return { data: out, shape: [B, H, W, C] };
}
