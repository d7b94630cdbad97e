// resourceVersion is the etcd revision. Clients must treat it as opaque, but the server compares.
import { badRequest, expired } from './errors.js';

/** `undefined` for "", 0 for "0" (any version), the revision otherwise. */
export function parseResourceVersion(rv: string | undefined, what = 'resourceVersion'): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) {
    throw badRequest(`${what}: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  }
  return Number(rv);
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

/** A list page's continuation: the revision the whole list is read at and the key to go on from. */
export function encodeContinue(revision: number, nextKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: revision, start: nextKey };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeContinue(token: string): { revision: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad token');
    if (parsed.rv <= 0 || parsed.start === '') throw new Error('bad token');
    if (parsed.start.includes('..') || parsed.start.startsWith('/')) throw new Error('bad token');
    return { revision: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest('invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export function continueExpired(): Error {
  return expired(
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
  );
}
