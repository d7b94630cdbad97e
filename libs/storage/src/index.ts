export * from './backend.js';
export { EtcdBackend, prefixEnd, etcdDependency, type EtcdBackendOptions } from './etcd-backend.js';
