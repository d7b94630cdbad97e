export * from './authenticator.js';
export * from './x509.js';
export * from './anonymous.js';
export * from './jws.js';
export * from './service-account-token.js';
export * from './static-token.js';
export * from './bootstrap-token.js';
export * from './oidc.js';
