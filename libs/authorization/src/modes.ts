// kube-apiserver's --authorization-mode: an ordered list of authorizers, asked after the
// privileged group system:masters (always allowed, as kube's privileged-group authorizer is first).
import { alwaysAllowAuthorizer, alwaysDenyAuthorizer, type Authorizer } from './authorizer.js';
import { mastersAuthorizer } from './bootstrap-policy.js';
import { nodeAuthorizer } from './node-authorizer.js';

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
    throw new Error('KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE is set without mode Webhook in KAPI_AUTHORIZATION_MODE');
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
