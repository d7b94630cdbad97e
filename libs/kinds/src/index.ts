export * from './strategy.js';
export * from './catalogue.js';
export { namespaceStrategy, NAMESPACE_NAME_LABEL } from './namespace/strategy.js';
export { configMapStrategy } from './configmap/strategy.js';
