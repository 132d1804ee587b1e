/**
 * Shipped presets of `hashmac simulate --preset <name>`: a layer list, a hardware config and, where the
 * preset reproduces a published tool's worked example, that tool's figures for a side-by-side table.
 *
 * neurosim-vgg8: DNN+NeuroSim V1.3 (github neurosim/DNN_NeuroSim_V1.3 at commit 388f421, CC BY-NC: only
 * numbers are taken, no code), its manual's worked example (Fig. 24, "Example of final output": 8-bit VGG-8
 * on CIFAR-10, one image, parallel 1T1R array, 2 bits per cell, Ron 100 kΩ / Roff 10 MΩ). Shapes from
 * Inference_pytorch/NeuroSIM/NetWork_VGG8.csv; parameters from NeuroSIM/Param.cpp and main.cpp (technode
 * 22 nm, 128x128 sub-arrays, cellBit 2, levelOutput 32 = 5-bit multi-level sense amplifiers shared by
 * numColMuxed = 8 columns, 10 ns read pulse, 0.5 V read voltage, 1T1R cell 4F x 12F) and inference.py
 * (8-bit weights and activations, fed bit-serially). docs/simulator.md explains every remaining gap.
 */
import type { SimConfigInput } from './config.js';
import type { LayerShape } from './shapes.js';

/** A published figure: value in the reference's unit, and the unit. */
export interface ReferenceFigures {
  /** Where the figures come from. */
  source: string;
  energyPJ: { total: number; adc: number; accumulation: number; other: number };
  latencyNS: number;
  clockNS: number;
  topsPerW: number;
  tops: number;
  fps: number;
  areaUM2: { total: number; adc: number; arrays: number };
}

export interface Preset {
  description: string;
  layers: LayerShape[];
  config: SimConfigInput;
  reference?: ReferenceFigures;
}

/**
 * VGG-8 of NetWork_VGG8.csv: [IFM height, width, channels, kernel height, width, OFM channels]; every conv
 * is 3x3, stride 1, padded (output map = input map, pooling after layers 2, 4, 6), then two linear layers.
 */
const VGG8_NETWORK: [number, number, number, number, number, number][] = [
  [32, 32, 3, 3, 3, 128], [32, 32, 128, 3, 3, 128], [16, 16, 128, 3, 3, 256], [16, 16, 256, 3, 3, 256],
  [8, 8, 256, 3, 3, 512], [8, 8, 512, 3, 3, 512], [1, 1, 8192, 1, 1, 1024], [1, 1, 1024, 1, 1, 10],
];

/** The hashed design of the same layers: 128-row input tiles (one array's rows), 128-output tiles, K = 256. */
const VGG8_HASH = { inputTileSize: 128, outputTileSize: 128, hashLength: 256 };

export const vgg8Shapes = (): LayerShape[] =>
  VGG8_NETWORK.map(([h, w, c, kh, kw, n], i) => ({ name: `layer${i + 1}`, vectors: h * w, inputs: c * kh * kw, outputs: n, hash: { ...VGG8_HASH } }));

/**
 * Dynamic CMOS energy from the 45 nm / 0.9 V figures of the defaults (Horowitz, ISSCC 2014) to NeuroSim's
 * 22 nm LSTP node (0.8 V in its Technology.cpp): C V^2 with C proportional to the feature size.
 */
export const SCALE_45NM_TO_22NM = (22 / 45) * (0.8 / 0.9) ** 2;

/** NeuroSim's chip clock period of the worked example (it derives it from its critical path; hashmac takes it as given). */
const NEUROSIM_CLOCK_NS = 2.05141;

const s = SCALE_45NM_TO_22NM;

export const PRESETS: Record<string, Preset> = {
  'neurosim-vgg8': {
    description: 'DNN+NeuroSim V1.3 worked example: 8-bit VGG-8 on CIFAR-10, 128x128 2-bit/cell RRAM sub-arrays, 5-bit MLSA per 8 columns, 22 nm',
    layers: vgg8Shapes(),
    config: {
      crossbar: { rows: 128, columns: 128, arrays: 1 << 20 },
      // Ron 100 kΩ, Roff 10 MΩ (the manual's text on Fig. 24); one device per 2-bit slice, signed weights by a reference.
      device: { gMinUS: 0.1, gMaxUS: 10, levels: 4, differential: 'none', readVoltageV: 0.5 },
      dac: { bits: 8, mode: 'bit-serial' },
      // MLSA with levelOutput 32: 31 sense amplifiers in parallel, i.e. a 5-bit flash; current-mode sensing.
      readout: { conventional: { type: 'flash', bits: 5, mux: 8 }, senseDuringRead: true },
      // A shift-adder per sense amplifier of every sub-array (16 per 128 columns).
      digital: { clockGHz: 1 / NEUROSIM_CLOCK_NS, accumulateOpsPerCycle: 16, accumulatePerArray: true, weightBits: 8 },
      // The 10 ns read pulse in whole clock cycles.
      latency: { readCycles: Math.ceil(10 / NEUROSIM_CLOCK_NS) },
      energy: {
        comparatorPJ: 0.01 * s, dacPerBitPJ: 0.01 * s, intAddPJ: 0.1 * s, sramPerBitPJ: (10 / 64) * s, hammingPerBitPJ: 0.005 * s,
        cosLookupPJ: 0.5 * s, fpAddPJ: 0.4 * s, fpMultiplyPJ: 1.1 * s,
      },
      area: { featureNm: 22, cellF2: 48 },
      // Bit density of bit-serial 8-bit ReLU activations (about half zero, small non-zero values): an assumption.
      workload: { inputActivity: 0.15 },
    },
    reference: {
      source: 'DNN+NeuroSim V1.3 manual, Fig. 24 (8-bit VGG-8, CIFAR-10, one image)',
      energyPJ: { total: 3.77518e7, adc: 1.8274e7, accumulation: 5.16853e6, other: 1.43092e7 },
      latencyNS: 1.45613e6,
      clockNS: NEUROSIM_CLOCK_NS,
      topsPerW: 25.7176,
      tops: 0.845963,
      fps: 686.75,
      areaUM2: { total: 4.5554e7, adc: 1.46062e7, arrays: 1.5408e6 },
    },
  },
};

export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new RangeError(`--preset: unknown preset '${name}' (expected ${Object.keys(PRESETS).join(', ')})`);
  return p;
}
