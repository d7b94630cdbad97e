export * from './types.js';
export * from './rules.js';
export * from './selector.js';
export * from './aggregation.js';
export * from './rbac-index.js';
export * from './rbac-authorizer.js';
export * from './reflector.js';
export * from './bootstrap-roles.js';
