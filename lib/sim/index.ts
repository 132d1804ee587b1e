/** The AIMC crossbar simulator (docs/simulator.md): config, shapes, accounting, area, report, trace, functional noise path, PCM drift study, presets. */
export { DEFAULT_CONFIG, resolveConfig, logicalArray, type SimConfig, type SimConfigInput, type ReadoutConfig, type DacMode, type ReadoutType, type Differential, type AdcModel, type NoiseModel, SURVEY_ENVELOPE } from './config.js';
export { resnet20Shapes, modelShapes, checkLayers, WINNER_STAGE_HASH, type LayerShape, type HashShape, type ResNet20Options } from './shapes.js';
export { mapHashed, mapConventional, type LayerMapping, type ArrayUse } from './mapping.js';
export { stageTimes, simulateLayer, closedFormCycles, type StageTimes, type LayerRun, type StageEvent } from './cycles.js';
export { COMPONENTS, challengeOps, type EnergyBreakdown, type OpCounts, type Component } from './energy.js';
export { simulate, DESIGNS, type Design, type DesignResult, type LayerResult, type SimulationResult, type SimulateOptions } from './simulate.js';
export { formatReport, reportJson } from './report.js';
export { simulateWithTrace } from './trace.js';
export { programTile, hashedLayer, tileStream, type ProgrammedTile, type HashedLayerInput, type HashedLayerOptions, type NoisyLayerStats } from './functional.js';
export { crossbarForward, type CrossbarDesign, type CrossbarLayerStats } from './forward.js';
export { runDigitsNoise, runNoise, formatNoise, loadDigitsModel, loadDigitsTest, type DigitsNoiseResult, type DigitsModel } from './digits.js';
export { AREA_COMPONENTS, designArea, converterF2, type AreaBreakdown, type AreaComponent } from './area.js';
export { PCM, pcmProgrammingSigmaUS, pcmDriftStats, pcmDriftFactor, pcmReadSigma, pcmConductanceUS, type PcmDraws } from './pcm.js';
export { PRESETS, getPreset, vgg8Shapes, type Preset, type ReferenceFigures } from './presets.js';
export { compareWithReference, formatComparison, type ComparisonRow } from './compare.js';
export { runDriftStudy, formatDrift, DRIFT_TIMES_S, type DriftStudyResult, type DriftSeries, type DriftStudyOptions } from './drift.js';
export { driftHtml, driftSvg } from './html.js';
