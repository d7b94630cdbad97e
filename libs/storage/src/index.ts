export * from './backend.js';
export { EtcdBackend, REQUEST_RECORD_PREFIX, prefixEnd, etcdDependency, readEtcdTls, type EtcdBackendOptions, type EtcdTls } from './etcd-backend.js';
export { LeaderElection, whileLeading, type LeaderElectionOptions, type LeaderOnly, type Leadership, type TermWork } from './leader-election.js';
