export * from './webhook-client.js';
export * from './expiring-cache.js';
export * from './https-post.js';
export * from './service-agent.js';
export * from './webhook-clients.js';
export * from './service-resolver.js';
