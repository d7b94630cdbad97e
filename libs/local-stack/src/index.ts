export { StackError, describeError } from './errors';
export { INSTALL_SCRIPT, findBinary, requireBinary, requireNatsServer } from './binaries';

export { freePort, httpGet, httpRequest, isPortFree, waitForHttpsUrl, waitForTcpPort } from './network';
export type { HttpResponse, TlsClientMaterial, WaitOptions } from './network';

export { processState, readProcessRecords, signalIfOurs, stopProcess, tailFile } from './processes';
export type { ExitInfo, LastExit, ManagedProcess, ProcessRecord, ProcessState, RestartHistory, StopOptions, StopOutcome } from './processes';

export { DEFAULT_RESTART_BACKOFF, RestartBackoff, Supervisor } from './supervisor';
export type { RestartBackoffOptions, SupervisorEvent, SupervisorOptions } from './supervisor';

export { checkEtcdHealth, etcdArguments, startEtcd } from './etcd';
export type { EtcdHandle, EtcdOptions, EtcdServerTls } from './etcd';

export { NATS_USERS, checkNatsHealth, NATS_MAX_PAYLOAD_BYTES, renderNatsAuthorization, renderNatsConfig, startNats } from './nats';
export type { NatsHandle, NatsOptions, NatsServerTls, NatsUser } from './nats';

export {
  ADMIN_COMMON_NAME,
  ADMIN_ORGANIZATION,
  FRONT_PROXY_CLIENT_NAME,
  SERVICE_IDENTITY_NAMES,
  createForeignServiceCertificate,
  createTestClientCertificate,
  createTestServingPki,
  ensurePki,
  ensureWebhookServingPki,
  pkiFiles,
  servingSubjectAltNames,
} from './pki';
export type { EnsurePkiResult, KeyPairFiles, PkiFiles, ServiceIdentityName, SubjectAltNames, WebhookServingFiles } from './pki';
export { EXAMPLE_WEBHOOK_ENTRY_POINT, EXAMPLE_WEBHOOK_INSTANCE, exampleWebhookPkiDir, exampleWebhookUrl } from './example-webhook';
export { operatorTlsMaterial, probeServiceHealth } from './service-probe';

export { renderKubeconfig, writeKubeconfig } from './kubeconfig';
export type { KubeconfigContent } from './kubeconfig';

export { renderHaproxyConfig, startHaproxy, validateHaproxyConfig } from './haproxy';
export type { HaproxyBackend, HaproxyConfigInput, HaproxyHandle, HaproxyOptions } from './haproxy';

export {
  BACKEND_SERVICES,
  SERVICE_NAMES,
  findInstance,
  instancesOf,
  resolveTopology,
  topologyOptionsFromEnv,
} from './topology';
export type { BackendServiceName, HostPort, ServiceInstance, ServiceName, Topology, TopologyOptions } from './topology';

export { METRICS_ADDRESS, SERVICE_ENV_KEYS, childEnvironment, serviceEnvironment } from './service-env';
export type { ServiceEnvironment } from './service-env';

export { DEFAULT_HEAP_LIMITS_MIB, heapLimitFlag, heapLimitsFromEnv } from './heap-limits';
export type { HeapLimits } from './heap-limits';

export { logFileOf, statePaths } from './state-dir';
export type { StatePaths } from './state-dir';

export { TEST_FRONT_DOOR_BASE_ADDRESS, withFreePorts } from './free-ports';

export { SUPERVISOR_INSTANCE, expectedProcesses, formatStatusTable, isStackHealthy, readRecordedTopology, stackStatus } from './status';
export type { ExpectedProcess, HealthResult, ProcessKind, StatusRow } from './status';

export { assertStackStopped, findRepoRoot, startStack, stopStack } from './stack';
export type { ServiceCommand, StackHandle, StackOptions, StackProcess, StoppedProcess } from './stack';
