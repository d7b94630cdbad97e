export * from './authorizer.js';
export * from './bootstrap-policy.js';
export * from './rbac/index.js';
export * from './modes.js';
export * from './webhook-authorizer.js';
export * from './node-authorizer.js';
