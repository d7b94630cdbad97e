export * from './key-allocator.js';
export * from './ranges.js';
