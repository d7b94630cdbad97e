// kube-apiserver's --authorization-mode: an ordered list of authorizers, asked after the
// privileged group system:masters (always allowed, as kube's privileged-group authorizer is first).
import { alwaysAllowAuthorizer, alwaysDenyAuthorizer, type Authorizer, type RequestAttributes } from './authorizer.js';
import { mastersAuthorizer } from './bootstrap-policy.js';
import { nodeAuthorizer, nodeIdentity } from './node-authorizer.js';
import type { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import type { PolicyRule } from './rbac/types.js';

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC', 'Webhook'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
export const DEFAULT_AUTHORIZATION_MODES: AuthorizationMode[] = ['RBAC'];

/**
 * The modes of KAPI_AUTHORIZATION_MODE, checked as kube checks its flag; `webhookConfigured` says
 * whether the webhook's configuration file is set. Throws one line naming what is wrong.
 */
export function parseAuthorizationModes(modes: string[], webhookConfigured: boolean): AuthorizationMode[] {
  if (modes.length === 0) modes = DEFAULT_AUTHORIZATION_MODES;
  const seen = new Set<string>();
  for (const mode of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(mode)) {
      throw new Error(`KAPI_AUTHORIZATION_MODE: authorization-mode ${JSON.stringify(mode)} is not a valid mode (valid: ${AUTHORIZATION_MODES.join(', ')})`);
    }
    if (seen.has(mode)) throw new Error(`KAPI_AUTHORIZATION_MODE: authorization-mode ${JSON.stringify(mode)} has mode specified more than once`);
    seen.add(mode);
  }
  if (seen.has('Webhook') && !webhookConfigured) {
    throw new Error("KAPI_AUTHORIZATION_MODE: authorization-mode Webhook's authorization config file not passed (KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE)");
  }
  if (!seen.has('Webhook') && webhookConfigured) {
    throw new Error('cannot specify KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE without mode Webhook in KAPI_AUTHORIZATION_MODE');
  }
  return modes as AuthorizationMode[];
}

/** What each mode needs built; a mode is built only when it is listed. */
export interface ModeFactories {
  RBAC: () => Authorizer[];
  Webhook: () => Authorizer;
}

/** system:masters, then each mode's authorizers in the order listed. */
export function authorizersForModes(modes: AuthorizationMode[], factories: ModeFactories): Authorizer[] {
  const built: Record<AuthorizationMode, () => Authorizer[]> = {
    AlwaysAllow: () => [alwaysAllowAuthorizer],
    AlwaysDeny: () => [alwaysDenyAuthorizer],
    Node: () => [nodeAuthorizer],
    RBAC: factories.RBAC,
    Webhook: () => [factories.Webhook()],
  };
  return [mastersAuthorizer, ...modes.flatMap((mode) => built[mode]())];
}

/** What a user may do in a namespace, as SelfSubjectRulesReview reports it. */
export interface RulesResolution {
  rules: PolicyRule[];
  errors: string[];
  /** Some mode cannot list its rules, so there may be more than these. */
  incomplete: boolean;
}

export type RulesResolver = (user: RequestAttributes['user'], namespace: string) => RulesResolution;

/** kube's union of rule resolvers over the modes: rules concatenated, any incomplete makes it incomplete. */
export function rulesResolverForModes(modes: AuthorizationMode[], rbac: Pick<RbacAuthorizer, 'rulesFor'>): RulesResolver {
  const unsupported = (mode: string): RulesResolution => ({ rules: [], errors: [`${mode} authorizer does not support user rule resolution`], incomplete: true });
  const none: RulesResolution = { rules: [], errors: [], incomplete: false };
  const everything: PolicyRule[] = [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ];
  const resolvers: Record<AuthorizationMode, RulesResolver> = {
    AlwaysAllow: () => ({ rules: everything, errors: [], incomplete: false }),
    AlwaysDeny: () => none,
    Node: (user) => (nodeIdentity(user) === undefined ? none : unsupported('node')),
    RBAC: (user, namespace) => ({ ...rbac.rulesFor(user, namespace), incomplete: false }),
    Webhook: () => unsupported('webhook'),
  };
  return (user, namespace) => {
    const all = modes.map((mode) => resolvers[mode](user, namespace));
    return { rules: all.flatMap((r) => r.rules), errors: all.flatMap((r) => r.errors), incomplete: all.some((r) => r.incomplete) };
  };
}
