// ClusterRole aggregation, as kube's clusterrole-aggregation controller computes it: a cluster role
// with an aggregationRule has as its rules the union of the rules of every other cluster role that one
// of its selectors matches, taken in the order of the roles' names, each distinct rule once. Roles that
// aggregate roles which aggregate (admin ← edit ← view) are resolved to a fixed point, which is where
// the controller's repeated passes end up.
import { sameRule } from './rules.js';
import { selectorMatches } from './selector.js';
import type { ClusterRole, PolicyRule } from './types.js';

const isAggregated = (role: ClusterRole) => role.aggregationRule != null;

/** The rules one aggregated role gets from the others, given the rules each of them has now. */
function unionFor(role: ClusterRole, byName: ClusterRole[], rulesOf: (name: string) => PolicyRule[]): PolicyRule[] {
  const union: PolicyRule[] = [];
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    for (const other of byName) {
      if (other.metadata?.name === role.metadata?.name || !selectorMatches(selector, other.metadata?.labels)) continue;
      for (const rule of rulesOf(other.metadata?.name ?? '')) {
        if (!union.some((r) => sameRule(r, rule))) union.push(rule);
      }
    }
  }
  return union;
}

/** The effective rules of every cluster role, by name. */
export function effectiveClusterRoleRules(roles: Iterable<ClusterRole>): Map<string, PolicyRule[]> {
  const byName = [...roles].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const rules = new Map<string, PolicyRule[]>();
  for (const role of byName) rules.set(role.metadata?.name ?? '', isAggregated(role) ? [] : (role.rules ?? []));
  const aggregated = byName.filter(isAggregated);
  // Unions only grow, so this ends; a chain of n aggregated roles settles within n + 1 passes.
  for (let pass = 0; pass <= aggregated.length; pass++) {
    let changed = false;
    for (const role of aggregated) {
      const next = unionFor(role, byName, (name) => rules.get(name) ?? []);
      const name = role.metadata?.name ?? '';
      const current = rules.get(name) ?? [];
      if (next.length !== current.length || next.some((r, i) => !sameRule(r, current[i]))) {
        rules.set(name, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return rules;
}
