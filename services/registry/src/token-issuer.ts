// The TokenRequest subresource (serviceaccounts/<name>/token, `kubectl create token`): a JWT for a
// ServiceAccount, optionally bound to a Secret or Pod, signed with the service-account key.
import { readFileSync } from 'node:fs';
import { conflict, field, invalid, notFound, nowTimestamp, StatusError, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_ISSUER, signServiceAccountToken } from '@kapi/authentication';
import type { Registry } from './registry.js';

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

const MIN_EXPIRATION = 600;
const MAX_EXPIRATION = 2 ** 32;

export class TokenIssuer {
  private key?: string;

  constructor(
    private readonly registry: Registry,
    /** KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: the private key every new token is signed with. */
    private readonly signingKeyFile: string,
  ) {}

  private signingKey(): string {
    if (this.key) return this.key;
    const file = this.signingKeyFile;
    try {
      this.key = readFileSync(file, 'utf8');
    } catch {
      throw new StatusError('KAPI_ERR_INTERNAL', `Internal error occurred: the service account signing key ${file} cannot be read`);
    }
    return this.key;
  }

  async issue(namespace: string, name: string, request: KubeObject): Promise<KubeObject> {
    const spec = (request.spec ?? {}) as TokenRequestSpec;
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < MIN_EXPIRATION) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')]);
    }
    if (expirationSeconds > MAX_EXPIRATION) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
    }
    const sa = await this.registry.store('', 'serviceaccounts').get(namespace, name);
    const claims: Parameters<typeof signServiceAccountToken>[1] = {
      sub: `system:serviceaccount:${namespace}:${name}`,
      aud: spec.audiences?.length ? spec.audiences : [DEFAULT_ISSUER],
      exp: Math.floor(Date.now() / 1000) + expirationSeconds,
      'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata?.uid ?? '' } },
    };
    const ref = spec.boundObjectRef;
    if (ref?.kind) {
      if (ref.kind !== 'Secret' && ref.kind !== 'Pod') {
        throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.notSupported('spec.boundObjectRef.kind', ref.kind, ['Pod', 'Secret'])]);
      }
      const resource = ref.kind === 'Secret' ? 'secrets' : 'pods';
      const store = this.registry.catalogue.lookup('', resource) ? this.registry.store('', resource) : undefined;
      const bound = store ? await store.get(namespace, ref.name ?? '') : undefined;
      if (!bound) throw notFound({ group: '', resource }, ref.name ?? '');
      if (ref.uid && ref.uid !== bound.metadata?.uid) {
        throw conflict({ group: '', resource }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      claims['kubernetes.io'][ref.kind === 'Secret' ? 'secret' : 'pod'] = { name: ref.name ?? '', uid: bound.metadata?.uid ?? '' };
    }
    const token = signServiceAccountToken(this.signingKey(), claims);
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: nowTimestamp() },
      spec: { audiences: claims.aud, expirationSeconds, boundObjectRef: ref?.kind ? ref : null },
      status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
  }
}
