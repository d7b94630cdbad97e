export * from './admission.js';
export * from './managed-fields.js';
export * from './store.js';
export { FieldSet, renderPath, type Path, type PathElement } from './field-set.js';
export * from './structure.js';
