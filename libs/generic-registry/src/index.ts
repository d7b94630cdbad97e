export * from './admission.js';
export * from './managed-fields.js';
export * from './store.js';
export * from './field-set.js';
export * from './structure.js';
