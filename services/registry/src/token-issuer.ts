// The TokenRequest subresource (serviceaccounts/<name>/token, `kubectl create token`): a JWT for a
// ServiceAccount, optionally bound to a Secret or Pod, signed with the service-account key.
import { readFileSync } from 'node:fs';
import { badRequest, conflict, field, invalid, isStatusError, notFound, nowTimestamp, StatusError, type KubeObject } from '@kapi/api-machinery';
import { DEFAULT_ISSUER, signServiceAccountToken } from '@kapi/authentication';
import type { WriteContext } from '@kapi/generic-registry';
import type { Registry } from './registry.js';

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

const MIN_EXPIRATION = 600;
const WARN_ONLY_BOUND_TOKEN_EXPIRATION = 60 * 60 + 7;
const EXTENDED_EXPIRATION = 365 * 24 * 60 * 60;
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

  /** The object, or undefined when its kind is not served (no Pod or Node kind yet); a missing object is 404. */
  private async liveObject(resource: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    if (!this.registry.catalogue.lookup('', resource)) return undefined;
    return this.registry.store('', resource).get(namespace, name);
  }

  async issue(namespace: string, name: string, body: KubeObject, ctx: WriteContext): Promise<KubeObject> {
    // Admission sees the TokenRequest first (NodeRestriction limits what a node may ask for).
    const request = await this.registry.store('', 'serviceaccounts').admitSubresource('CREATE', namespace, name, 'token', body, ctx);
    const spec = (request.spec ?? {}) as TokenRequestSpec;
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < MIN_EXPIRATION) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')]);
    }
    if (expirationSeconds > MAX_EXPIRATION) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
    }
    const sa = await this.registry.store('', 'serviceaccounts').get(namespace, name);
    const now = Math.floor(Date.now() / 1000);
    const claims: Parameters<typeof signServiceAccountToken>[1] = {
      sub: `system:serviceaccount:${namespace}:${name}`,
      aud: spec.audiences?.length ? spec.audiences : [DEFAULT_ISSUER],
      exp: now + expirationSeconds,
      'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata?.uid ?? '' } },
    };
    let expirationTimestamp = claims.exp;
    const ref = spec.boundObjectRef;
    if (ref?.kind) {
      if (ref.kind !== 'Secret' && ref.kind !== 'Pod') {
        throw invalid('TokenRequest', 'authentication.k8s.io', name, [field.notSupported('spec.boundObjectRef.kind', ref.kind, ['Pod', 'Secret'])]);
      }
      const resource = ref.kind === 'Secret' ? 'secrets' : 'pods';
      const bound = await this.liveObject(resource, namespace, ref.name ?? '');
      if (!bound) throw notFound({ group: '', resource }, ref.name ?? '');
      const pod = ref.kind === 'Pod' ? (bound.spec ?? {}) as { serviceAccountName?: string; nodeName?: string } : undefined;
      if (pod && (pod.serviceAccountName || 'default') !== name) {
        throw badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
      }
      if (ref.uid && ref.uid !== bound.metadata?.uid) {
        // kube names the kind here, not the resource.
        throw conflict({ group: '', resource: ref.kind }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      claims['kubernetes.io'][ref.kind === 'Secret' ? 'secret' : 'pod'] = { name: ref.name ?? '', uid: bound.metadata?.uid ?? '' };
      if (pod?.nodeName) {
        // The node the pod runs on, for information: its uid when the Node exists, its name regardless.
        const node = await this.liveObject('nodes', '', pod.nodeName).catch((err: unknown) => {
          if (isStatusError(err) && err.toStatus().code === 404) return undefined;
          throw err;
        });
        claims['kubernetes.io'].node = node ? { name: pod.nodeName, uid: node.metadata?.uid ?? '' } : { name: pod.nodeName };
      }
      // A kubelet's projected token (3607 s, for the API server) lives a year and warns after its request, as kube's
      // --service-account-extend-token-expiration (on by default) has it.
      if (pod && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION && claims.aud.every((a) => a === DEFAULT_ISSUER)) {
        claims['kubernetes.io'].warnafter = claims.exp;
        claims.exp = claims.exp - expirationSeconds + EXTENDED_EXPIRATION;
        expirationTimestamp = claims['kubernetes.io'].warnafter;
      }
    }
    const token = signServiceAccountToken(this.signingKey(), claims, now);
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: nowTimestamp() },
      spec: { audiences: claims.aud, expirationSeconds, boundObjectRef: ref?.kind ? ref : null },
      status: { token, expirationTimestamp: new Date(expirationTimestamp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
  }
}
