// The machinery shared by the chaos tests (test-e2e) and the failover load test (tools/loadtest):
// clients that behave like kube's, etcd's own history as the ground truth, and the checks of what
// the clients saw against it.
export { ApiClient } from './api-client.js';
export type { ApiResponse, Endpoint, WatchHandle, WatchLine, WatchOutcome } from './api-client.js';
export { MAX_RETRIES, isResetOrEof, requestWithRetries, retryDelayMs } from './retrying-client.js';
export type { RetriedResponse } from './retrying-client.js';
export { CONFIGMAP_PREFIX, EtcdHistory, withResourceVersion } from './etcd-history.js';
export type { EtcdEvent, ExpectedEvent, KubeObject } from './etcd-history.js';
export { collectionPath, describeFilter, matcherOf, parseSelector } from './filter.js';
export type { WatchFilter } from './filter.js';
export { Random, SEED_VARIABLE, chaosSeed } from './random.js';
export { Reflector, keyOf } from './reflector.js';
export type { Delivery, ReflectorSpec, Segment, StreamRecord } from './reflector.js';
export { PROPERTIES, checkConverged, checkResumed, checkWatcherHistory, describeDelivery, firstDifference } from './properties.js';
export type { Property, Violation } from './properties.js';
export { lostAcknowledgedWrites, runTraffic } from './traffic.js';
export type { Acknowledged, RequestRecord, Traffic, TrafficOptions } from './traffic.js';
export { readKubeconfig } from './kubeconfig.js';
export type { KubeconfigTarget } from './kubeconfig.js';
export { findPublisher, lastElection, parseLogLines, readLogLines, snapshotRevisions } from './stack-logs.js';
export type { LogLine } from './stack-logs.js';
