// Type checking of a ValidatingAdmissionPolicy against the schemas of the kinds it matches (kube's
// validating/typechecking.go), for its status.typeChecking.expressionWarnings: each validation's
// expression and messageExpression is compiled with `object`, `oldObject` and `params` typed by
// their schemas instead of dyn, once per kind its resourceRules name (wildcards and subresources
// skipped, at most ten kinds), and what does not check becomes a warning naming the kind.
import type { GroupVersionKind, GroupVersionResource } from '@kapi/api-machinery';
import { admissionEnvironment, schemaType, T, type OpenAPISchema, type Type } from '@kapi/cel';
import type { ExpressionWarning, ValidatingAdmissionPolicy } from './types.js';

export interface TypeCheckingSources {
  /** The kinds a resource serves (kube's RESTMapper.KindsFor). */
  kindsFor(resource: GroupVersionResource): GroupVersionKind[];
  /** A kind's OpenAPI schema; undefined when none is known (that kind is then not checked). */
  schemaOf(kind: GroupVersionKind): OpenAPISchema | undefined;
  /** Follows a `$ref` of those schemas. */
  resolve?(ref: string): OpenAPISchema | undefined;
}

const MAX_TYPES_TO_CHECK = 10;

/** Go's schema.GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
export const formatGVK = (k: GroupVersionKind) => `${k.group}/${k.version}, Kind=${k.kind}`;

function compareGVK(a: GroupVersionKind, b: GroupVersionKind): number {
  return a.group !== b.group ? (a.group < b.group ? -1 : 1) : a.version !== b.version ? (a.version < b.version ? -1 : 1) : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
}

/** kube's typesToCheck: the kinds named by the matchConstraints' resourceRules, sorted. */
export function typesToCheck(policy: ValidatingAdmissionPolicy, sources: TypeCheckingSources): GroupVersionKind[] {
  const found = new Map<string, GroupVersionKind>();
  let count = 0;
  for (const rule of policy.spec?.matchConstraints?.resourceRules ?? []) {
    const groups = rule.apiGroups ?? [];
    const versions = rule.apiVersions ?? [];
    if (!groups.length || groups.some((g) => g.includes('*')) || !versions.length || versions.some((v) => v.includes('*'))) continue;
    const resources = (rule.resources ?? []).filter((r) => !/[*/]/.test(r));
    for (const group of [...groups].sort()) {
      for (const version of [...versions].sort()) {
        for (const resource of [...resources].sort()) {
          for (const gvk of sources.kindsFor({ group, version, resource })) {
            found.set(formatGVK(gvk), gvk);
            if (++count === MAX_TYPES_TO_CHECK) return [...found.values()].sort(compareGVK);
          }
        }
      }
    }
  }
  return [...found.values()].sort(compareGVK);
}

function paramsKind(policy: ValidatingAdmissionPolicy): GroupVersionKind | undefined {
  const pk = policy.spec?.paramKind;
  if (!pk?.apiVersion || !pk.kind) return undefined;
  const [group, version] = pk.apiVersion.includes('/') ? pk.apiVersion.split('/') : ['', pk.apiVersion];
  return { group, version, kind: pk.kind };
}

/** The warnings for status.typeChecking.expressionWarnings; empty when everything checks. */
export function typeCheckPolicy(policy: ValidatingAdmissionPolicy, sources: TypeCheckingSources): ExpressionWarning[] {
  const typeOf = (gvk: GroupVersionKind | undefined): Type | undefined => {
    if (!gvk) return undefined;
    const schema = sources.schemaOf(gvk);
    return schema ? schemaType(schema, gvk.kind, { resolve: (ref) => sources.resolve?.(ref), resourceRoot: true }) : undefined;
  };
  const kinds = typesToCheck(policy, sources)
    .map((gvk) => ({ gvk, type: typeOf(gvk) }))
    .filter((k): k is { gvk: GroupVersionKind; type: Type } => k.type !== undefined);
  const paramsType = typeOf(paramsKind(policy));
  const hasParams = paramsType !== undefined;
  const check = (expression: string): string => {
    const messages: string[] = [];
    for (const { gvk, type } of kinds) {
      // Variables are compiled in order, each typed by what it evaluates to in this kind.
      const variables: Record<string, Type> = {};
      for (const v of policy.spec?.variables ?? []) {
        const compiled = admissionEnvironment({ hasParams, hasAuthorizer: true, objectType: type, paramsType, variables: { ...variables } }).compile(v.expression);
        variables[v.name] = compiled.program?.type ?? T.dyn;
      }
      const env = admissionEnvironment({ hasParams, hasAuthorizer: true, objectType: type, paramsType, variables });
      const result = env.compile(expression);
      if (result.issues && !result.issues.instantiation) messages.push(`${formatGVK(gvk)}: ${result.issues}\n`);
    }
    return messages.join('\n');
  };
  const warnings: ExpressionWarning[] = [];
  (policy.spec?.validations ?? []).forEach((v, i) => {
    const w = check(v.expression);
    if (w) warnings.push({ fieldRef: `spec.validations[${i}].expression`, warning: w });
    if (!v.messageExpression) return;
    const m = check(v.messageExpression);
    if (m) warnings.push({ fieldRef: `spec.validations[${i}].messageExpression`, warning: m });
  });
  return warnings;
}
