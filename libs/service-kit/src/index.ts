export * from './run-service.js';
export * from './grpc-server-host.js';
export * from './tokens.js';
export * from './startup-dependencies.js';
