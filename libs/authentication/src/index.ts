export * from './authenticator.js';
export * from './x509.js';
export * from './anonymous.js';
export * from './service-account-token.js';
export * from './expiring-cache.js';
export * from './webhook-client.js';
export * from './webhook-token.js';
