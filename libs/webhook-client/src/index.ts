export * from './webhook-client.js';
export * from './expiring-cache.js';
