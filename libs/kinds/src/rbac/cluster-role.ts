import { defineStrategy } from '../strategy.js';
import { RBAC_GROUP, normalizeRules, roleColumns, validateAggregationRule, validateRules, type RoleObject } from './validation.js';
import { isValidPathSegmentName } from '@kapi/api-machinery';

/**
 * rbac.authorization.k8s.io/v1 ClusterRole: rules for the whole cluster, or for a namespace when a
 * RoleBinding names it. With an aggregationRule its rules are the union of the roles it selects.
 */
export const clusterRoleStrategy = defineStrategy(
  { group: RBAC_GROUP, version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  {
    validateName: isValidPathSegmentName,
    tableColumns: roleColumns,
    prepareForCreate: (obj) => normalizeRules(obj as RoleObject),
    prepareForUpdate: (obj) => normalizeRules(obj as RoleObject),
    validate: (obj) => [...validateRules((obj as RoleObject).rules, false), ...validateAggregationRule(obj as RoleObject)],
  },
);
