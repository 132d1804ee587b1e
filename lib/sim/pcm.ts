/**
 * The PCM inference noise of IBM aihwkit's `PCMLikeNoiseModel` (src/aihwkit/inference/noise/pcm.py at commit
 * 4545f11; fitted on measured PCM devices, Nandakumar et al., ICECS 2019), re-stated from its formulas
 * with the same constants. Conductances in µS; `z` arguments are standard normal draws (the simulator
 * passes counter-RNG draws, so every device's noise is a pure function of its keys).
 *
 * - Programming: G_prog = max(0, G_T + sigma_prog(G_T) z), sigma_prog = (c0 + c1 g + c2 g^2) * gMax / 25 µS,
 *   g = G_T / gMax, (c0, c1, c2) = (0.26348, 1.9650, -1.1731) µS fitted at gMax = 25 µS.
 * - Drift exponent: nu = |mu(g) + sigma(g) z|, mu = clamp(-0.0155 ln g + 0.0244, 0.049, 0.1),
 *   sigma = clamp(-0.0125 ln g - 0.0059, 0.008, 0.045), g = max(|G_T| / gMax, 1e-7).
 * - Drift: G_drift = G_prog ((t + t0) / t0)^-nu, t0 = 20 s, t = seconds since programming ended.
 * - Read (accumulated 1/f) noise: G(t) = max(0, G_drift + |G_drift| q_s sqrt(ln((t + t0 + t_read) / (2 t_read))) z),
 *   q_s = min(0.2, 0.0088 / max(1e-3, (|G_prog| / gMax)^0.65)), t_read = 250 ns.
 */

export const PCM = {
  progCoeff: [0.26348, 1.965, -1.1731],
  progCoeffGMaxUS: 25,
  t0S: 20,
  tReadS: 250e-9,
  zeroClip: 1e-7,
} as const;

/** Programming-noise std (µS) at target conductance gTargetUS on a device of range gMaxUS. */
export function pcmProgrammingSigmaUS(gTargetUS: number, gMaxUS: number): number {
  const g = gTargetUS / gMaxUS;
  const [c0, c1, c2] = PCM.progCoeff;
  return (c0 + c1 * g + c2 * g * g) * (gMaxUS / PCM.progCoeffGMaxUS);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Mean and spread of the drift exponent at target conductance gTargetUS. */
export function pcmDriftStats(gTargetUS: number, gMaxUS: number): { mean: number; std: number } {
  const lg = Math.log(Math.max(Math.abs(gTargetUS / gMaxUS), PCM.zeroClip));
  return { mean: clamp(-0.0155 * lg + 0.0244, 0.049, 0.1), std: clamp(-0.0125 * lg - 0.0059, 0.008, 0.045) };
}

/** The drift decay factor ((t + t0) / t0)^-nu at t seconds after programming. */
export const pcmDriftFactor = (nu: number, tS: number, t0S: number = PCM.t0S): number => ((tS + t0S) / t0S) ** -nu;

/** Relative std of the accumulated read (1/f) noise at t seconds after programming, for a programmed gProgUS. */
export function pcmReadSigma(gProgUS: number, gMaxUS: number, tS: number, t0S: number = PCM.t0S): number {
  const qs = Math.min(0.2, 0.0088 / Math.max(1e-3, (Math.abs(gProgUS) / gMaxUS) ** 0.65));
  return qs * Math.sqrt(Math.log((tS + t0S + PCM.tReadS) / (2 * PCM.tReadS)));
}

/** Three independent standard normal draws for one device: programming, drift exponent, read noise. */
export interface PcmDraws {
  prog: number;
  nu: number;
  read: number;
}

/** One PCM device programmed to gTargetUS and read tS seconds later (aihwkit's chain of the three steps). */
export function pcmConductanceUS(gTargetUS: number, gMaxUS: number, tS: number, z: PcmDraws, t0S: number = PCM.t0S): number {
  const gProg = Math.max(0, gTargetUS + pcmProgrammingSigmaUS(gTargetUS, gMaxUS) * z.prog);
  const { mean, std } = pcmDriftStats(gTargetUS, gMaxUS);
  const nu = Math.abs(mean + std * z.nu);
  const gDrift = tS > 0 ? gProg * pcmDriftFactor(nu, tS, t0S) : gProg;
  return Math.max(0, gDrift + Math.abs(gDrift) * pcmReadSigma(gProg, gMaxUS, tS, t0S) * z.read);
}

/** The mean drift factor of a device programmed to gTargetUS (nu at its mean), for global drift compensation. */
export const pcmMeanDriftFactor = (gTargetUS: number, gMaxUS: number, tS: number, t0S: number = PCM.t0S): number =>
  pcmDriftFactor(pcmDriftStats(gTargetUS, gMaxUS).mean, tS, t0S);
