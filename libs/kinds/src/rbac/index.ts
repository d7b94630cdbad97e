export { roleStrategy } from './role.js';
export { clusterRoleStrategy } from './cluster-role.js';
export { roleBindingStrategy } from './role-binding.js';
export { clusterRoleBindingStrategy } from './cluster-role-binding.js';
export { RBAC_GROUP, subjectsStrings } from './validation.js';
