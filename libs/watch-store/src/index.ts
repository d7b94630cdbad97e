export * from './channel.js';
export * from './watch-store.js';
export * from './list-delegation.js';
