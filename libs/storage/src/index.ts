export * from './backend.js';
export { EtcdBackend, prefixEnd, etcdDependency, readEtcdTls, type EtcdBackendOptions, type EtcdTls } from './etcd-backend.js';
