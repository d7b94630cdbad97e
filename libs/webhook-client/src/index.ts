export * from './webhook-client.js';
export * from './expiring-cache.js';
export * from './https-post.js';
export * from './service-agent.js';
