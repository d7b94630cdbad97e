export * from './request-info.js';
export * from './negotiation.js';
export * from './forbidden.js';
export * from './discovery.js';
export * from './representation.js';
export * from './openapi.js';
export * from './patch-options.js';
