export * from './backend.js';
export { EtcdBackend, REQUEST_RECORD_PREFIX, prefixEnd, etcdDependency, readEtcdTls, type EtcdBackendOptions, type EtcdTls } from './etcd-backend.js';
