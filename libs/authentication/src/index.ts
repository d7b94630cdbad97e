export * from './authenticator.js';
export * from './x509.js';
export * from './anonymous.js';
export * from './service-account-token.js';
