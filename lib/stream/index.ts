/** The streaming four-tower ensemble (Jane Street × GPU MODE hackathon model): public API. */
export { PRESETS, TOWERS, TOWER_NAMES, deriveDims, resolveConfig, type StreamModelConfig, type PresetName, type TowerKind } from './config.js';
export { parameterSpecs, parameterCount, type ParamSpec } from './params.js';
export { randomWeights, loadWeights, saveWeights, type Weights } from './weights.js';
export { modelStateSpec, stateBytesPerSymbol } from './state-layout.js';
export { StatePool } from './state-pool.js';
export { SymbolSlots, type EvictionPolicy } from './slots.js';
export { StreamModel } from './model.js';
export { StreamEngine, type StreamRequest, type BatchResult, type EngineOptions, type RequestsBySymbol } from './engine.js';
export { readStream, writeStream, type StreamRecord } from './records.js';
export { generateStream, type GenerateOptions } from './generate.js';
export { evaluate, formatReport, type EvaluationReport, type EvaluateOptions, type Predictor } from './evaluator.js';
export { decodeMessage, encodeMessage, LineReader, type Message } from './protocol.js';
export { ReplayServer, type ReplayOptions, type ReplaySummary } from './replay-server.js';
export { StreamClient, type ClientOptions } from './client.js';
