export * from './catalogue.js';
export * from './list-facts.js';
export * from './model-source.js';
export * from './patch-meta.js';
export * from './unknown-fields.js';
export * from './json-entries.js';
export * from './type-check.js';
