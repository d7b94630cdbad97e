export * from './channel.js';
export * from './watch-store.js';
