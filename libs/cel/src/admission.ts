// The CEL environment of admission (k8s.io/apiserver/pkg/admission/plugin/cel/compile.go), shared
// by ValidatingAdmissionPolicy, MutatingAdmissionPolicy and webhook matchConditions: `object`,
// `oldObject` and `params` are dyn, `request` and `namespaceObject` are typed as Kubernetes builds
// them, and `authorizer` with `authorizer.requestResource` when the caller has an authorizer.
import type { Environment } from './env.js';
import { kubernetesEnvironment, MUTATION_LIBRARIES } from './kubernetes.js';
import { AuthorizerT, AuthorizerValue, requestResourceCheck, ResourceCheckT, type CheckAuthorizer, type AuthzUser } from './library/authz.js';
import { T, type Type } from './types.js';
import { fromJSON, type CelMap, type Value } from './values.js';
import type { Activation } from './interpreter.js';

const fields = (entries: [string, Type][]) => new Map(entries);

const GVK = T.object('kubernetes.GroupVersionKind', fields([['group', T.string], ['version', T.string], ['kind', T.string]]));
const GVR = T.object('kubernetes.GroupVersionResource', fields([['group', T.string], ['version', T.string], ['resource', T.string]]));
const USER_INFO = T.object(
  'kubernetes.UserInfo',
  fields([
    ['username', T.string],
    ['uid', T.string],
    ['groups', T.list(T.string)],
    ['extra', T.map(T.string, T.list(T.string))],
  ]),
);

/** kube's BuildRequestType: the AdmissionRequest without uid, object and oldObject. */
export const ADMISSION_REQUEST_TYPE = T.object(
  'kubernetes.AdmissionRequest',
  fields([
    ['kind', GVK],
    ['resource', GVR],
    ['subResource', T.string],
    ['requestKind', GVK],
    ['requestResource', GVR],
    ['requestSubResource', T.string],
    ['name', T.string],
    ['namespace', T.string],
    ['operation', T.string],
    ['userInfo', USER_INFO],
    ['dryRun', T.bool],
    ['options', T.dyn],
  ]),
);

/** kube's BuildNamespaceType: the parts of a Namespace an expression may read. */
export const NAMESPACE_TYPE = T.object(
  'kubernetes.Namespace',
  fields([
    [
      'metadata',
      T.object(
        'kubernetes.NamespaceMetadata',
        fields([
          ['name', T.string],
          ['generateName', T.string],
          ['namespace', T.string],
          ['labels', T.map(T.string, T.string)],
          ['annotations', T.map(T.string, T.string)],
          ['UID', T.string],
          ['creationTimestamp', T.timestamp],
          ['deletionGracePeriodSeconds', T.int],
          ['deletionTimestamp', T.timestamp],
          ['generation', T.int],
          ['resourceVersion', T.string],
          ['finalizers', T.list(T.string)],
        ]),
      ),
    ],
    ['spec', T.object('kubernetes.NamespaceSpec', fields([['finalizers', T.list(T.string)]]))],
    [
      'status',
      T.object(
        'kubernetes.NamespaceStatus',
        fields([
          ['conditions', T.list(T.object('kubernetes.NamespaceCondition', fields([['status', T.string], ['type', T.string], ['lastTransitionTime', T.timestamp], ['message', T.string], ['reason', T.string]])))],
          ['phase', T.string],
        ]),
      ),
    ],
  ]),
);

export interface AdmissionEnvironmentOptions {
  hasParams?: boolean;
  hasAuthorizer?: boolean;
  /** The policy's variables and their types (`variables.<name>`). */
  variables?: Record<string, Type>;
  /** MutatingAdmissionPolicy: `Object{…}` and `JSONPatch{…}` and jsonpatch.escapeKey. */
  mutation?: boolean;
  /** Types for object, oldObject and params (type checking against schemas); dyn when absent. */
  objectType?: Type;
  paramsType?: Type;
}

export const JSON_PATCH_TYPE = T.object('JSONPatch', fields([['op', T.string], ['path', T.string], ['from', T.string], ['value', T.dyn]]));

export function admissionEnvironment(options: AdmissionEnvironmentOptions = {}): Environment {
  const vars: Record<string, Type> = {
    object: options.objectType ?? T.dyn,
    oldObject: options.objectType ?? T.dyn,
    namespaceObject: NAMESPACE_TYPE,
    request: ADMISSION_REQUEST_TYPE,
  };
  if (options.hasParams) vars.params = options.paramsType ?? T.dyn;
  if (options.hasAuthorizer) {
    vars.authorizer = AuthorizerT;
    vars['authorizer.requestResource'] = ResourceCheckT;
  }
  if (options.variables) vars.variables = T.object('kubernetes.variables', new Map(Object.entries(options.variables)));
  if (!options.mutation) return kubernetesEnvironment({ variables: vars });
  return kubernetesEnvironment({
    variables: vars,
    libraries: [...MUTATION_LIBRARIES],
    types: { JSONPatch: JSON_PATCH_TYPE },
    // Any `Object` or `Object.<path>` names the object's type, open to any field (kube's
    // DynamicTypeResolver): applyConfiguration expressions build these.
    typeResolver: (name) => (name === 'Object' || name.startsWith('Object.') ? T.object(name) : undefined),
  });
}

/** The admission request as an expression sees it (AdmissionRequest JSON, without object and oldObject). */
export interface AdmissionRequestJSON {
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind: { group: string; version: string; kind: string };
  requestResource: { group: string; version: string; resource: string };
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  dryRun?: boolean;
  options?: unknown;
}

export interface AdmissionInputs {
  object?: unknown;
  oldObject?: unknown;
  params?: unknown;
  request: AdmissionRequestJSON;
  namespaceObject?: unknown;
  /** Decides `authorizer` checks, as the request's user. */
  authorizer?: CheckAuthorizer;
  /** The lazily evaluated `variables` of a policy. */
  variables?: CelMap;
}

/** The activation of an admission expression: JSON becomes CEL values when read. */
export function admissionActivation(inputs: AdmissionInputs): Activation {
  const values = new Map<string, Value>([
    ['object', fromJSON(inputs.object ?? null)],
    ['oldObject', fromJSON(inputs.oldObject ?? null)],
    ['params', fromJSON(inputs.params ?? null)],
    ['request', fromJSON(inputs.request)],
    ['namespaceObject', fromJSON(inputs.namespaceObject ?? null)],
  ]);
  if (inputs.variables) values.set('variables', inputs.variables);
  if (inputs.authorizer) {
    const r = inputs.request;
    const user: AuthzUser = { username: r.userInfo.username ?? '', groups: r.userInfo.groups ?? [], ...(r.userInfo.uid ? { uid: r.userInfo.uid } : {}), ...(r.userInfo.extra ? { extra: r.userInfo.extra } : {}) };
    const authz = new AuthorizerValue(inputs.authorizer, user);
    values.set('authorizer', authz);
    values.set(
      'authorizer.requestResource',
      requestResourceCheck(authz, {
        group: r.resource.group,
        version: r.resource.version,
        resource: r.resource.resource,
        subresource: r.subResource ?? '',
        namespace: r.namespace ?? '',
        name: r.name ?? '',
      }),
    );
  }
  return { resolve: (name) => values.get(name) };
}
