export * from './context.js';
export * from './settings.js';
export * from './plugins.js';
export { builtinPlugins } from './builtin.js';
export { admissionForbidden } from './admission-errors.js';
export { waitForReady, type Syncable } from './ready.js';
export { parseResourceQuotaConfiguration } from './resource-quota.js';
