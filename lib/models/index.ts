/** Hashed models end to end: layers, CIFAR ResNet and MLP, checkpoints, data sets, scoring, learning, search. */
export * from './config.js';
export { HashLinear, HashConv2d, squareConv, type ForwardOptions, type LayerInit } from './layers.js';
export { im2col, toChannelsLast, convOutputSize, type ConvGeometry } from './im2col.js';
export { randomProjection, tileGeometry, tileGrid, getTile, setTile, type TileGeometry } from './projections.js';
export { argmax, type HashModel, type BuildOptions } from './model.js';
export { CifarResNet, resnetLayout, type ResNetLayout, type Shortcut } from './resnet.js';
export { parseNormalization, normalizeImages, NORMALIZATION_NAMES, type Normalization } from './normalize.js';
export { Mlp } from './mlp.js';
export { buildModel, loadModel, readCheckpoint, detectArch, saveHashedModel, projectionLookup, projectionName, configFromMetadata, ARCHS, type Arch, type LoadOptions } from './loading.js';
export { readDigits, readCifarBin, loadDataset, type LabelledSet } from './datasets.js';
export { predict, accuracy, evaluate, type Evaluation, type PredictOptions } from './evaluate.js';
export { score, scores, staticCounts, modelStaticCounts, activationCounts, SCORE_PAIRS, type ScoreParams, type ActivationCounts } from './score.js';
export { captureInputs } from './calibration.js';
export { learnProjections, learnLayer, type LearnOptions, type LayerFit } from './learn.js';
export { searchHashLengths, type SearchOptions, type SearchResult, type SearchPoint } from './search.js';
