import { defineStrategy } from '../strategy.js';
import { RBAC_GROUP, normalizeRules, roleColumns, validateRules, type RoleObject } from './validation.js';
import { isValidPathSegmentName } from '@kapi/api-machinery';

/** rbac.authorization.k8s.io/v1 Role: rules within one namespace. */
export const roleStrategy = defineStrategy(
  { group: RBAC_GROUP, version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  {
    validateName: isValidPathSegmentName,
    tableColumns: roleColumns,
    prepareForCreate: (obj) => normalizeRules(obj as RoleObject),
    prepareForUpdate: (obj) => normalizeRules(obj as RoleObject),
    validate: (obj) => validateRules((obj as RoleObject).rules, true),
  },
);
