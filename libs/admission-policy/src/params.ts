// The parameters a binding selects for its policy (kube's generic.CollectParams): none when the
// policy has no paramKind or the binding no paramRef (the policy runs once, with `params` null);
// one object by name, or every object its selector matches, in the binding's namespace or the
// request's; and `parameterNotFoundAction: Deny` when there are none. Params of any kind, custom
// resources included, come through the injected ParamSource.
import { parseLabelSelector, type LabelSelector } from '@kapi/api-machinery';
import { compileSelector } from '@kapi/admission-webhooks';
import type { KubeObject, ParamKind, ParamRef } from './types.js';

export interface ParamSource {
  /** Whether the kind is namespaced, cluster-scoped, or unknown (a CRD not yet served). */
  scopeOf(kind: ParamKind): 'Namespaced' | 'Cluster' | undefined;
  /** One object of the kind; undefined when it does not exist. */
  get(kind: ParamKind, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The objects of the kind the selector matches (in a namespace, or all of them when cluster-scoped). */
  list(kind: ParamKind, namespace: string, selector: LabelSelector): Promise<KubeObject[]>;
}

/** Go's String() of a ParamKind, which kube puts into its messages. */
export const formatParamKind = (k: ParamKind) => `&ParamKind{APIVersion:${k.apiVersion ?? ''},Kind:${k.kind ?? ''},}`;

/** The params to evaluate with: `[null]` when none are used. Throws an Error with kube's message for a misconfigured binding. */
export async function collectParams(paramKind: ParamKind | undefined, paramRef: ParamRef | undefined, requestNamespace: string, source: ParamSource | undefined): Promise<(KubeObject | null)[]> {
  if (!paramKind || !paramRef) return [null];
  const scope = source?.scopeOf(paramKind);
  if (!source || !scope) throw new Error(`paramKind kind \`${formatParamKind(paramKind)}\` not known`);
  let namespace = '';
  if (scope === 'Namespaced') {
    namespace = paramRef.namespace || requestNamespace;
    if (!namespace) throw new Error('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  } else if (paramRef.namespace) {
    throw new Error('paramRef.namespace must not be provided for a cluster-scoped `paramKind`');
  }
  let params: KubeObject[];
  if (paramRef.name) {
    if (paramRef.selector) throw new Error('paramRef.name and paramRef.selector are mutually exclusive');
    const found = await source.get(paramKind, namespace, paramRef.name);
    params = found ? [found] : [];
  } else if (paramRef.selector) {
    const compiled = compileSelector(paramRef.selector);
    if ('error' in compiled) throw new Error(compiled.error);
    params = await source.list(paramKind, namespace, compiled.empty ? parseLabelSelector('') : compiled.selector);
  } else {
    throw new Error('one of name or selector must be provided');
  }
  if (!params.length && paramRef.parameterNotFoundAction === 'Deny') throw new Error('no params found for policy binding with `Deny` parameterNotFoundAction');
  return params;
}
