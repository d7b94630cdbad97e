export * from './authorizer.js';
export * from './bootstrap-policy.js';
