export * from './backend.js';
export { EtcdBackend, prefixEnd, type EtcdBackendOptions } from './etcd-backend.js';
