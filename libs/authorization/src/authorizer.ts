// The authorizer extension point. Each authorizer answers Allow, Deny or NoOpinion; a chain asks
// them in order until one has an opinion, and with none the answer is Deny: the chain fails closed.

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface RequestAttributes {
  user: { username: string; groups: string[] };
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
}

export interface Authorizer {
  readonly name: string;
  authorize(attributes: RequestAttributes): Promise<Authorization>;
}

export const noOpinion = (reason = ''): Authorization => ({ decision: 'NoOpinion', reason });

export function authorizerChain(authorizers: Authorizer[]): Authorizer {
  return {
    name: 'chain',
    async authorize(attributes) {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const result = await a.authorize(attributes);
        if (result.decision !== 'NoOpinion') return result;
        if (result.reason) reasons.push(result.reason);
      }
      return { decision: 'Deny', reason: reasons.join('; ') };
    },
  };
}
