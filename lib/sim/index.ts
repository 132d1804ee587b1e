/** The AIMC crossbar simulator (docs/simulator.md): config, shapes, accounting, report, trace, functional noise path. */
export { DEFAULT_CONFIG, resolveConfig, logicalArray, type SimConfig, type SimConfigInput, type ReadoutConfig, type DacMode, type ReadoutType, type Differential, type AdcModel } from './config.js';
export { resnet20Shapes, modelShapes, checkLayers, WINNER_STAGE_HASH, type LayerShape, type HashShape, type ResNet20Options } from './shapes.js';
export { mapHashed, mapConventional, type LayerMapping, type ArrayUse } from './mapping.js';
export { stageTimes, simulateLayer, closedFormCycles, type StageTimes, type LayerRun, type StageEvent } from './cycles.js';
export { COMPONENTS, challengeOps, type EnergyBreakdown, type OpCounts, type Component } from './energy.js';
export { simulate, DESIGNS, type Design, type DesignResult, type LayerResult, type SimulationResult, type SimulateOptions } from './simulate.js';
export { formatReport, reportJson } from './report.js';
export { simulateWithTrace } from './trace.js';
export { programTile, hashedLayer, tileStream, type ProgrammedTile, type HashedLayerInput, type HashedLayerOptions, type NoisyLayerStats } from './functional.js';
export { crossbarForward, type CrossbarDesign, type CrossbarLayerStats } from './forward.js';
export { runDigitsNoise, formatNoise, loadDigitsModel, loadDigitsTest, type DigitsNoiseResult, type DigitsModel } from './digits.js';
