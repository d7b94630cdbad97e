// v1 Binding, the legacy way to bind a pod: POST /api/v1/namespaces/<ns>/bindings with the pod's
// name in metadata.name does what POST pods/<name>/binding does. Create is its only verb; nothing
// of it is stored (the registry binds the pod).
import { defineStrategy } from '../strategy.js';

export const bindingStrategy = defineStrategy({ group: '', version: 'v1', resource: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create'] }, { validateName: () => [] });

export function isLegacyBinding(group: string, resource: string): boolean {
  return group === '' && resource === 'bindings';
}
