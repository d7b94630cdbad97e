import { defineStrategy } from '../strategy.js';
import { RBAC_GROUP, bindingColumns, defaultBinding, validateBinding, validateBindingUpdate, type BindingObject } from './validation.js';
import { isValidPathSegmentName } from '@kapi/api-machinery';

/** rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole to subjects cluster-wide. */
export const clusterRoleBindingStrategy = defineStrategy(
  { group: RBAC_GROUP, version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  {
    validateName: isValidPathSegmentName,
    tableColumns: bindingColumns(
      'clusterRoleBinding',
      'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    prepareForCreate: (obj) => defaultBinding(obj as BindingObject),
    prepareForUpdate: (obj) => defaultBinding(obj as BindingObject),
    validate: (obj) => validateBinding(obj as BindingObject, false),
    validateUpdate: (obj, old) => validateBindingUpdate(obj as BindingObject, old as BindingObject),
  },
);
