export * from './list-watch.js';
export * from './reflector.js';
export * from './informer.js';
export { WatchCacheListWatch } from './watch-cache-list-watch.js';
