/** The streaming engine on a NATS JetStream cluster (docs/stream.md, "Cluster"). */
export { LocalCluster, type LocalClusterOptions } from './local.js';
export { connectCluster, openCluster, type ClusterHandles, type SetupOptions } from './setup.js';
export { ClusterWorker, type WorkerOptions, type WorkerStats } from './worker.js';
export { ClusterGateway, type GatewayOptions, type GatewayStats } from './gateway.js';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './checkpoint.js';
export { symbolToken, partitionOf, partitionMapping } from './names.js';
