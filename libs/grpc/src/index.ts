export * from './server.js';
export * from './client.js';
export * from './health.js';
export * from './failure.js';
export * from './identity.js';
export * from './callers.js';
