import { defineStrategy } from '../strategy.js';
import { RBAC_GROUP, bindingColumns, defaultBinding, validateBinding, validateBindingUpdate, type BindingObject } from './validation.js';
import { isValidPathSegmentName } from '@kapi/api-machinery';

/** rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole to subjects within one namespace. */
export const roleBindingStrategy = defineStrategy(
  { group: RBAC_GROUP, version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  {
    validateName: isValidPathSegmentName,
    tableColumns: bindingColumns(
      'roleBinding',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    prepareForCreate: (obj) => defaultBinding(obj as BindingObject),
    prepareForUpdate: (obj) => defaultBinding(obj as BindingObject),
    validate: (obj) => validateBinding(obj as BindingObject, true),
    validateUpdate: (obj, old) => validateBindingUpdate(obj as BindingObject, old as BindingObject),
  },
);
