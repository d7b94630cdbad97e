// The RBAC authorizer: a request is allowed when a rule of a role bound to the user (by name, by one
// of their groups, or as a service account) covers it. ClusterRoleBindings apply everywhere;
// RoleBindings only in their own namespace, to a Role of that namespace or to a ClusterRole. A binding
// whose role is missing contributes nothing and its error becomes the reason of a denial, worded as
// kube's RBAC authorizer words it.
import { noOpinion, type Authorization, type Authorizer, type RequestAttributes } from '../authorizer.js';
import type { RbacIndex } from './rbac-index.js';
import { ruleAllows } from './rules.js';
import type { PolicyRule, RoleBinding, RoleRef, Subject, UserInfo } from './types.js';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The user name of a service account, `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

function subjectApplies(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may name a service account of its own namespace without saying so.
      const namespace = subject.namespace || bindingNamespace;
      return !!namespace && user.username === serviceAccountUsername(namespace, subject.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** Joins errors as k8s.io/apimachinery's aggregate does: one alone, several once each in brackets. */
export function aggregateMessages(messages: string[]): string {
  const distinct = [...new Set(messages)];
  return distinct.length === 1 ? distinct[0] : `[${distinct.join(', ')}]`;
}

/** Receives each rule that applies, or an error resolving one; returns false to stop. */
export type RuleVisitor = (source: string, rule: PolicyRule | undefined, error: Error | undefined) => boolean;

export interface RulesForResult {
  rules: PolicyRule[];
  errors: string[];
}

export class RbacAuthorizer implements Authorizer {
  readonly name = 'rbac';

  constructor(private readonly index: RbacIndex) {}

  private roleRefRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] {
    switch (ref.kind) {
      case 'Role':
        return this.index.roleRules(bindingNamespace, ref.name);
      case 'ClusterRole':
        return this.index.clusterRoleRules(ref.name);
      default:
        throw new Error(`unsupported role reference kind: ${JSON.stringify(ref.kind)}`);
    }
  }

  /** Visits cluster-wide bindings first, then the namespace's, as kube's rule resolver does. */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const walk = (bindings: RoleBinding[], kind: 'ClusterRoleBinding' | 'RoleBinding', bindingNamespace: string): boolean => {
      for (const binding of bindings) {
        const subject = (binding.subjects ?? []).find((s) => subjectApplies(user, s, bindingNamespace));
        if (!subject) continue;
        let rules: PolicyRule[];
        try {
          rules = this.roleRefRules(binding.roleRef, bindingNamespace);
        } catch (err) {
          if (!visit('', undefined, err as Error)) return false;
          continue;
        }
        const name = kind === 'RoleBinding' ? `${binding.metadata?.name}/${bindingNamespace}` : (binding.metadata?.name ?? '');
        const source = `${kind} ${JSON.stringify(name)} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject, bindingNamespace)}`;
        for (const rule of rules) if (!visit(source, rule, undefined)) return false;
      }
      return true;
    };
    if (!walk(this.index.clusterRoleBindings(), 'ClusterRoleBinding', '')) return;
    if (namespace) walk(this.index.roleBindings(namespace), 'RoleBinding', namespace);
  }

  async authorize(a: RequestAttributes): Promise<Authorization> {
    return this.decide(a);
  }

  /** The synchronous decision (the index is in memory). */
  decide(a: RequestAttributes): Authorization {
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (rule && ruleAllows(a, rule)) {
        allowedBy = source;
        return false;
      }
      if (err) errors.push(err.message);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'Allow', reason: `RBAC: allowed by ${allowedBy}` };
    return noOpinion(errors.length ? `RBAC: ${aggregateMessages(errors)}` : '');
  }

  /** Every rule that applies to the user in the namespace (cluster-wide ones included), for rules reviews. */
  rulesFor(user: UserInfo, namespace: string): RulesForResult {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err.message);
      return true;
    });
    return { rules, errors };
  }
}
