export * from './strategy.js';
export * from './catalogue.js';
export { namespaceStrategy, NAMESPACE_NAME_LABEL } from './namespace/strategy.js';
export { configMapStrategy } from './configmap/strategy.js';
export { serviceStrategy, serviceSpec, needsClusterIp, needsNodePorts, SERVICE_TYPES, type ServiceSpec, type ServicePort } from './service/strategy.js';
