// What MutatingWebhookConfiguration and ValidatingWebhookConfiguration share: the v1 defaults of a
// webhook and kube-apiserver's validation of it (admissionregistration/validation), with its paths
// and messages. Validating webhooks are the same shape without reinvocationPolicy.
import { ageColumn, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { PolicyCompiler, T, type CompiledExpression } from '@kapi/cel';
import { defineStrategy, type KindStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

export const ADMISSION_GROUP = 'admissionregistration.k8s.io';

export interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface Webhook {
  name?: string;
  clientConfig?: { url?: string; service?: { namespace?: string; name?: string; path?: string; port?: number }; caBundle?: string };
  rules?: Rule[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: object;
  objectSelector?: object;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: string;
  matchConditions?: { name?: string; expression?: string }[];
}

export const webhooksOf = (obj: KubeObject): Webhook[] => (Array.isArray(obj.webhooks) ? (obj.webhooks as Webhook[]) : []);

/** v1 defaults (admissionregistration/v1 defaults.go). */
export function defaultWebhooks(obj: KubeObject, mutating: boolean): void {
  for (const hook of webhooksOf(obj)) {
    if (!hook || typeof hook !== 'object') continue;
    hook.failurePolicy ??= 'Fail';
    hook.matchPolicy ??= 'Equivalent';
    hook.namespaceSelector ??= {};
    hook.objectSelector ??= {};
    hook.timeoutSeconds ??= 10;
    if (mutating) hook.reinvocationPolicy ??= 'Never';
    for (const rule of hook.rules ?? []) if (rule && typeof rule === 'object') rule.scope ??= '*';
    const service = hook.clientConfig?.service;
    if (service && typeof service === 'object') service.port ??= 443;
  }
}

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SIDE_EFFECTS_V1 = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
export const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** utilvalidation.IsFullyQualifiedName. */
export function fullyQualifiedName(path: string, name: string | undefined): FieldError[] {
  if (!name) return [field.required(path)];
  const errs = isDns1123Subdomain(name);
  if (errs.length) return [field.invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [field.invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** field.Invalid of a []string: kube-apiserver v1.34 renders the value as JSON. */
export function invalidSlice(path: string, values: string[], detail: string): FieldError {
  return field.invalid(path, values, detail);
}

/** kube's validateResources: resources with subresources, and what the wildcards rule out. */
function validateResources(resources: string[], at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!resources.length) errs.push(field.required(at));
  const withWildcardSubresource = new Set<string>();
  const subresourcesOfWildcard = new Set<string>();
  let single = false;
  let withoutSubresource = false;
  resources.forEach((r, i) => {
    if (!r) {
      errs.push(field.required(`${at}[${i}]`));
      return;
    }
    if (r === '*') single = true;
    const slash = r.indexOf('/');
    if (slash < 0) {
      withoutSubresource = r !== '*';
      return;
    }
    const [res, sub] = [r.slice(0, slash), r.slice(slash + 1)];
    if (withWildcardSubresource.has(res)) errs.push(field.invalid(`${at}[${i}]`, r, `if '${res}/*' is present, must not specify ${r}`));
    if (subresourcesOfWildcard.has(sub)) errs.push(field.invalid(`${at}[${i}]`, r, `if '*/${sub}' is present, must not specify ${r}`));
    if (sub === '*') withWildcardSubresource.add(res);
    if (res === '*') subresourcesOfWildcard.add(sub);
  });
  if (resources.length > 1 && resources.includes('*/*')) errs.push(invalidSlice(at, resources, "if '*/*' is present, must not specify other resources"));
  if (single && withoutSubresource) errs.push(invalidSlice(at, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

export function validateRule(rule: Rule, at: string, operations: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const hasWildcard = (xs: string[]) => xs.includes('*');
  if (operations) {
    const ops = rule.operations ?? [];
    if (!ops.length) errs.push(field.required(`${at}.operations`));
    if (ops.length > 1 && hasWildcard(ops)) errs.push(invalidSlice(`${at}.operations`, ops, "if '*' is present, must not specify other operations"));
    ops.forEach((op, i) => {
      if (!OPERATIONS.includes(op)) errs.push(field.notSupported(`${at}.operations[${i}]`, op, OPERATIONS));
    });
  }
  const groups = rule.apiGroups ?? [];
  if (!groups.length) errs.push(field.required(`${at}.apiGroups`));
  if (groups.length > 1 && hasWildcard(groups)) errs.push(invalidSlice(`${at}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = rule.apiVersions ?? [];
  if (!versions.length) errs.push(field.required(`${at}.apiVersions`));
  if (versions.length > 1 && hasWildcard(versions)) errs.push(invalidSlice(`${at}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (!v) errs.push(field.required(`${at}.apiVersions[${i}]`));
  });
  errs.push(...validateResources(rule.resources ?? [], `${at}.resources`));
  if (rule.scope !== undefined && !SCOPES.includes(rule.scope)) errs.push(field.notSupported(`${at}.scope`, rule.scope, SCOPES));
  return errs;
}

/** webhook.ValidateWebhookURL with https forced. */
export function validateUrl(at: string, raw: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    return [field.required(at, `url must be a valid URL: ${err instanceof Error ? err.message : String(err)}${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(field.invalid(at, scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(field.invalid(at, u.host, `host must be specified${form}`));
  if (u.username || u.password) errs.push(field.invalid(at, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash.length > 1) errs.push(field.invalid(at, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search.length > 1) errs.push(field.invalid(at, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

export function validateService(at: string, s: NonNullable<Webhook['clientConfig']>['service'] & object): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(field.required(`${at}.name`, 'service name is required'));
  if (!s.namespace) errs.push(field.required(`${at}.namespace`, 'service namespace is required'));
  const port = s.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) errs.push(field.invalid(`${at}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  const p = s.path;
  if (p === undefined || p === '' || p === '/') return errs;
  if (p === '//') return [...errs, field.invalid(`${at}.path`, p, 'segment[0] may not be empty')];
  if (!p.startsWith('/')) errs.push(field.invalid(`${at}.path`, p, "must start with a '/'"));
  return errs;
}

/** The review versions a webhook accepts; `requiredDetail` is what an empty list is told (a CRD's conversion webhook is told nothing). */
export function validateReviewVersions(at: string, versions: string[] | undefined, requiredDetail = `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`): FieldError[] {
  if (!versions?.length) return [field.required(at, requiredDetail || undefined)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(field.invalid(`${at}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    if (!DNS1035_LABEL.test(v)) errs.push(field.invalid(`${at}[${i}]`, v, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"));
  });
  if (!versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v))) errs.push(invalidSlice(at, versions, `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

const MAX_MATCH_CONDITIONS = 64;

/** An expression's compile failure as kube's convertCELErrorToValidationError reports it. */
export function compileFieldError(path: string, compiled: CompiledExpression): FieldError[] {
  if (compiled.error === undefined) return [];
  if (compiled.errorType === 'Internal') return [field.internal(path, compiled.error)];
  return [field.invalid(path, compiled.expression, compiled.error)];
}

/**
 * Match conditions of webhooks and policies: named (qualified, unique) CEL expressions of type
 * bool, at most 64; `params` is declared for a policy with a paramKind.
 */
export function validateMatchConditions(conditions: { name?: string; expression?: string }[], at: string, options: { hasParams?: boolean } = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (conditions.length > MAX_MATCH_CONDITIONS) errs.push(field.tooMany(at, conditions.length, MAX_MATCH_CONDITIONS));
  const compiler = new PolicyCompiler({ hasParams: options.hasParams ?? false });
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const expression = c?.expression?.trim() ?? '';
    if (!expression) errs.push(field.required(`${at}[${i}].expression`));
    else {
      errs.push(...compileFieldError(`${at}[${i}].expression`, compiler.compile(expression, [T.bool])));
    }
    const name = c?.name ?? '';
    if (!name) errs.push(field.required(`${at}[${i}].name`));
    else for (const msg of isQualifiedName(name)) errs.push(field.invalid(`${at}[${i}].name`, name, msg));
    if (name && names.has(name)) errs.push(field.duplicate(`${at}[${i}].name`, name));
    names.add(name);
  });
  return errs;
}

function validateWebhook(hook: Webhook, at: string, mutating: boolean): FieldError[] {
  const errs = fullyQualifiedName(`${at}.name`, hook.name);
  (hook.rules ?? []).forEach((rule, i) => errs.push(...validateRule(rule ?? {}, `${at}.rules[${i}]`, true)));
  if (hook.failurePolicy !== undefined && !FAILURE_POLICIES.includes(hook.failurePolicy)) errs.push(field.notSupported(`${at}.failurePolicy`, hook.failurePolicy, FAILURE_POLICIES));
  if (hook.matchPolicy !== undefined && !MATCH_POLICIES.includes(hook.matchPolicy)) errs.push(field.notSupported(`${at}.matchPolicy`, hook.matchPolicy, MATCH_POLICIES));
  if (hook.sideEffects === undefined || hook.sideEffects === null) errs.push(field.required(`${at}.sideEffects`, `must specify one of ${SIDE_EFFECTS_V1.join(', ')}`));
  else if (!SIDE_EFFECTS_V1.includes(hook.sideEffects)) errs.push(field.notSupported(`${at}.sideEffects`, hook.sideEffects, SIDE_EFFECTS_V1));
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (timeout > 30 || timeout < 1)) errs.push(field.invalid(`${at}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  errs.push(...validateReviewVersions(`${at}.admissionReviewVersions`, hook.admissionReviewVersions));
  errs.push(...validateMatchConditions(hook.matchConditions ?? [], `${at}.matchConditions`));
  if (mutating && hook.reinvocationPolicy !== undefined && !REINVOCATION_POLICIES.includes(hook.reinvocationPolicy)) {
    errs.push(field.notSupported(`${at}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc = hook.clientConfig ?? {};
  if ((cc.url === undefined || cc.url === null) === (cc.service === undefined || cc.service === null)) {
    errs.push(field.required(`${at}.clientConfig`, 'exactly one of url or service is required'));
  } else if (cc.url !== undefined && cc.url !== null) {
    errs.push(...validateUrl(`${at}.clientConfig.url`, cc.url));
  } else {
    errs.push(...validateService(`${at}.clientConfig.service`, cc.service!));
  }
  return errs;
}

export function validateWebhooks(obj: KubeObject, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  webhooksOf(obj).forEach((hook, i) => {
    const at = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook ?? {}, at, mutating));
    const name = hook?.name ?? '';
    if (name && seen.has(name)) errs.push(field.duplicate(`${at}.name`, name));
    seen.add(name);
  });
  return errs;
}

/** The strategy of either webhook configuration kind; table NAME WEBHOOKS AGE, as kube prints it. */
export function webhookConfigurationStrategy(kind: string, resource: string, mutating: boolean): KindStrategy {
  return defineStrategy(
    { group: ADMISSION_GROUP, version: 'v1', resource, kind, namespaced: false, categories: ['api-extensions'] },
    {
      validateName: isDns1123Subdomain,
      tableColumns: [
        nameColumn,
        column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration.', (obj) => webhooksOf(obj).length),
        ageColumn,
      ],
      prepareForCreate: (obj) => defaultWebhooks(obj, mutating),
      prepareForUpdate: (obj) => defaultWebhooks(obj, mutating),
      validate: (obj) => validateWebhooks(obj, mutating),
    },
  );
}
