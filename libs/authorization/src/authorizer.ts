// The authorizer extension point. Each authorizer answers Allow, Deny or NoOpinion; a chain asks
// them in order until one has an opinion, and with none the answer is Deny: the chain fails closed.

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface RequestAttributes {
  user: { username: string; groups: string[]; uid?: string; extra?: Record<string, string[]> };
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface Authorization {
  decision: Decision;
  reason: string;
  /** Set when an authorizer could not decide (a webhook that failed, say): kube answers 500, not 403. */
  error?: string;
}

export interface Authorizer {
  readonly name: string;
  authorize(attributes: RequestAttributes): Promise<Authorization>;
}

export const noOpinion = (reason = ''): Authorization => ({ decision: 'NoOpinion', reason });

/**
 * kube's union authorizer: the first Allow or Deny wins, with its own reason and error; NoOpinion
 * passes on, and when nobody decides the answer is NoOpinion with every reason and error collected.
 */
export function authorizerUnion(authorizers: Authorizer[]): Authorizer {
  return {
    name: 'union',
    async authorize(attributes) {
      const reasons: string[] = [];
      const errors: string[] = [];
      for (const a of authorizers) {
        const result = await a.authorize(attributes);
        if (result.decision !== 'NoOpinion') return result;
        if (result.reason) reasons.push(result.reason);
        if (result.error) errors.push(result.error);
      }
      return { decision: 'NoOpinion', reason: reasons.join('\n'), ...(errors.length ? { error: errors.length === 1 ? errors[0] : `[${errors.join(', ')}]` } : {}) };
    },
  };
}

/** The union, failing closed: nobody deciding is Deny. */
export function authorizerChain(authorizers: Authorizer[]): Authorizer {
  const union = authorizerUnion(authorizers);
  return {
    name: 'chain',
    async authorize(attributes) {
      const result = await union.authorize(attributes);
      return result.decision === 'NoOpinion' ? { ...result, decision: 'Deny' } : result;
    },
  };
}

/** kube's AlwaysAllow and AlwaysDeny modes. */
export const alwaysAllowAuthorizer: Authorizer = { name: 'AlwaysAllow', authorize: async () => ({ decision: 'Allow', reason: '' }) };
export const alwaysDenyAuthorizer: Authorizer = { name: 'AlwaysDeny', authorize: async () => ({ decision: 'NoOpinion', reason: 'Everything is forbidden.' }) };
