export * from './admission.js';
export * from './managed-fields.js';
export * from './store.js';
