// Who may point an admission policy at params, as kube-apiserver's policy storage checks it: a
// policy whose paramKind is new or changed needs "get" on every object of that kind, and a binding
// whose paramRef (or policy) is new or changed needs "get" on the object it names, or "list" for a
// selector, in the param kind's resource (every resource when the kind cannot be resolved). The
// refusal is a field error of the object, in kube's words; system:masters is never asked.
import { field, invalid, isStatusError, parseApiVersion, type KubeObject } from '@kapi/api-machinery';
import type { StoreHooks, UserInfo } from '@kapi/generic-registry';
import type { KindCatalogue } from '@kapi/kinds';
import type { authzV1 } from '@kapi/proto';

type Allowed = (user: UserInfo, attributes: Omit<authzV1.Attributes, 'user'>) => Promise<boolean>;

interface ParamKind {
  apiVersion?: string;
  kind?: string;
}

interface ParamRef {
  name?: string;
  namespace?: string;
}

const GROUP = 'admissionregistration.k8s.io';

/** Go's %v of kube's user.DefaultInfo: `&{alice  [dev system:authenticated] map[]}`. */
export function goUser(user: UserInfo): string {
  const extra = Object.keys(user.extra ?? {})
    .sort()
    .map((k) => `${k}:[${user.extra[k].values.join(' ')}]`)
    .join(' ');
  return `&{${user.username} ${user.uid} [${user.groups.join(' ')}] map[${extra}]}`;
}

const paramKindOf = (obj: KubeObject | undefined) => (obj?.spec as { paramKind?: ParamKind } | undefined)?.paramKind;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The group, version and resource to ask about: what the paramKind names, `*` for what cannot be told. */
function paramResource(catalogue: KindCatalogue, paramKind: ParamKind | undefined): { group: string; version: string; resource: string; unresolved?: 'parse' | 'resolve' } {
  if (!paramKind) return { group: '*', version: '*', resource: '*' };
  const apiVersion = paramKind.apiVersion ?? '';
  if (apiVersion.split('/').length > 2) return { group: '*', version: '*', resource: '*', unresolved: 'parse' };
  const gv = parseApiVersion(apiVersion);
  const strategy = catalogue.byKind({ ...gv, kind: paramKind.kind ?? '' });
  return strategy ? { ...gv, resource: strategy.info.resource } : { ...gv, resource: '*', unresolved: 'resolve' };
}

const refused = (kind: string, name: string, path: string, message: string) => invalid(kind, GROUP, name, [field.forbidden(path, message)]);

/** ValidatingAdmissionPolicy and MutatingAdmissionPolicy: "get" on all objects of a new paramKind. */
export function policyParamHooks(kind: string, catalogue: KindCatalogue, allowed: Allowed): StoreHooks {
  return {
    async checkWrite(obj, old, ctx) {
      const paramKind = paramKindOf(obj);
      if (!paramKind || (old && paramKindOf(old) && same(paramKindOf(old), paramKind))) return;
      const { group, version, resource } = paramResource(catalogue, paramKind);
      const attributes = { verb: 'get', resourceRequest: true, apiGroup: group, apiVersion: version, resource, subresource: '', namespace: '*', name: '*', path: '' };
      if (await allowed(ctx.user, attributes)) return;
      throw refused(kind, obj.metadata?.name ?? '', 'spec.paramKind', `user ${goUser(ctx.user)} must have "get" permission on all objects of the referenced paramKind (kind=${paramKind.kind ?? ''}, apiVersion=${paramKind.apiVersion ?? ''})`);
    },
  };
}

/**
 * ValidatingAdmissionPolicyBinding and MutatingAdmissionPolicyBinding: "get" on the param a new
 * paramRef names, "list" for a selector. `policyOf` reads the bound policy (undefined when absent).
 */
export function bindingParamHooks(kind: string, catalogue: KindCatalogue, allowed: Allowed, policyOf: (name: string) => Promise<KubeObject | undefined>): StoreHooks {
  const mutating = kind.startsWith('Mutating');
  return {
    async checkWrite(obj, old, ctx) {
      const spec = (obj.spec ?? {}) as { policyName?: string; paramRef?: ParamRef };
      const paramRef = spec.paramRef;
      if (!paramRef) return;
      const oldSpec = (old?.spec ?? {}) as { policyName?: string; paramRef?: ParamRef };
      if (old && oldSpec.paramRef && same(oldSpec.paramRef, paramRef) && oldSpec.policyName === spec.policyName) return;
      const policy = await policyOf(spec.policyName ?? '').catch((err) => {
        if (isStatusError(err) && err.httpCode === 404) return undefined;
        throw err;
      });
      const target = policy ? paramResource(catalogue, paramKindOf(policy)) : { group: '*', version: '*', resource: '*' };
      const verb = paramRef.name ? 'get' : 'list';
      const attributes = { verb, resourceRequest: true, apiGroup: target.group, apiVersion: target.version, resource: target.resource, subresource: '', namespace: paramRef.namespace ?? '', name: paramRef.name ?? '', path: '' };
      if (await allowed(ctx.user, attributes)) return;
      const user = goUser(ctx.user);
      const paramKind = paramKindOf(policy);
      // %v of kube's internal ParamKind, which has no String().
      const shownKind = `&{${paramKind?.apiVersion ?? ''} ${paramKind?.kind ?? ''}}`;
      const everything = `user ${user} does not have "${verb}" permission for all groups, versions and resources`;
      let message: string;
      if (!policy) message = `unable to get policy ${spec.policyName ?? ''} to determine minimum required permissions and ${everything}`;
      else if ('unresolved' in target && target.unresolved === 'parse') message = `unable to parse paramKind ${shownKind} to determine minimum required permissions and ${everything}`;
      else if ('unresolved' in target && target.unresolved === 'resolve') message = `unable to resolve paramKind ${shownKind} to determine minimum required permissions and ${everything}`;
      // kube's mutating binding swaps the user and the verb in this message.
      else message = mutating ? `user ${verb} does not have "${user}" permission on the object referenced by paramRef` : `user ${user} does not have "${verb}" permission on the object referenced by paramRef`;
      throw refused(kind, obj.metadata?.name ?? '', 'spec.paramRef', message);
    },
  };
}
