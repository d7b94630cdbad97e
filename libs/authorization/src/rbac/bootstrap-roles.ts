// The default RBAC objects every kube cluster starts with: kube-apiserver v1.34.2's whole bootstrap
// policy (the user-facing and system ClusterRoles, the system:controller:* roles of
// kube-controller-manager's controllers, their bindings, and the Roles and RoleBindings of
// kube-system and kube-public), generated from kube's own bootstrappolicy package into
// generated/kube-bootstrap-policy.ts (npm run generate:bootstrap-policy). kapi adds no object of its own.
import { effectiveClusterRoleRules } from './aggregation.js';
import { KUBE_CLUSTER_ROLE_BINDINGS, KUBE_CLUSTER_ROLES, KUBE_NAMESPACE_ROLE_BINDINGS, KUBE_NAMESPACE_ROLES } from './generated/kube-bootstrap-policy.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './types.js';

export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** The metadata kube gives every bootstrap object: its name, the bootstrapping label and autoupdate annotation. */
export interface BootstrapMetadata {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface Typed {
  apiVersion: string;
  kind: string;
  metadata: BootstrapMetadata;
}
export type BootstrapClusterRole = ClusterRole & Typed;
export type BootstrapClusterRoleBinding = ClusterRoleBinding & Typed;
export type BootstrapRole = Role & Typed & { metadata: { namespace: string } };
export type BootstrapRoleBinding = RoleBinding & Typed & { metadata: { namespace: string } };

/**
 * The bootstrap ClusterRoles, kube's ClusterRoles() then ControllerRoles(). kube writes the aggregated
 * roles (admin, edit, view) with no rules and lets its clusterrole-aggregation controller fill them;
 * here they carry, as rules, what that controller would write from the other bootstrap roles.
 */
export function bootstrapClusterRoles(): BootstrapClusterRole[] {
  const roles = structuredClone(KUBE_CLUSTER_ROLES);
  const effective = effectiveClusterRoleRules(roles);
  for (const role of roles) if (role.aggregationRule) role.rules = structuredClone(effective.get(role.metadata.name) ?? []);
  return roles;
}

/** kube's ClusterRoleBindings() then ControllerRoleBindings(). */
export function bootstrapClusterRoleBindings(): BootstrapClusterRoleBinding[] {
  return structuredClone(KUBE_CLUSTER_ROLE_BINDINGS);
}

/** kube's bootstrap Roles of kube-public and kube-system. */
export function bootstrapNamespaceRoles(): BootstrapRole[] {
  return structuredClone(KUBE_NAMESPACE_ROLES);
}

/** Their RoleBindings. */
export function bootstrapNamespaceRoleBindings(): BootstrapRoleBinding[] {
  return structuredClone(KUBE_NAMESPACE_ROLE_BINDINGS);
}

/** The ConfigMap aggregated API servers read the front door's trust from (published by the registry). */
export const EXTENSION_AUTHENTICATION_CONFIGMAP = 'extension-apiserver-authentication';
