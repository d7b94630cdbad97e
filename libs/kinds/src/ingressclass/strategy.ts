// networking.k8s.io/v1 IngressClass: which controller implements a class of Ingresses, with an
// optional reference to its parameters. The controller never changes.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

interface IngressClassSpec {
  controller?: string;
  parameters?: { apiGroup?: string; kind?: string; name?: string; scope?: string; namespace?: string };
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as IngressClassSpec;
const SCOPES = ['Cluster', 'Namespace'];

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const controller = s.controller ?? '';
  if (!controller) errs.push(field.required('spec.controller'));
  else if (controller.length > 250) errs.push(field.tooLong('spec.controller', 250));
  else {
    const [domain, ...rest] = controller.split('/');
    if (!rest.length) errs.push(field.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const e of isDns1123Subdomain(domain)) errs.push(field.invalid('spec.controller', domain, e));
  }
  const p = s.parameters;
  if (p) {
    if (!p.kind) errs.push(field.required('spec.parameters.kind'));
    if (!p.name) errs.push(field.required('spec.parameters.name'));
    const scope = p.scope ?? 'Cluster';
    if (!SCOPES.includes(scope)) errs.push(field.notSupported('spec.parameters.scope', scope, SCOPES));
    if (scope === 'Namespace' && !p.namespace) errs.push(field.required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"'));
    if (scope === 'Cluster' && p.namespace) errs.push(field.forbidden('spec.parameters.namespace', '`parameters.scope` is set to "Cluster"'));
  }
  return errs;
}

export const ingressClassStrategy = defineStrategy(
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingressclasses',
    kind: 'IngressClass',
    namespaced: false,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Controller', 'string', 'Controller that is responsible for handling this class', (obj) => spec(obj).controller ?? ''),
      column('Parameters', 'string', 'A reference to a resource with additional parameters', (obj) => {
        const p = spec(obj).parameters;
        if (!p) return '<none>';
        return `${p.kind ?? ''}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
      }),
      ageColumn,
    ],
    defaults(obj) {
      const p = spec(obj).parameters;
      if (p && typeof p === 'object') p.scope ??= 'Cluster';
    },
    validate,
    validateUpdate(obj, old) {
      return spec(obj).controller !== spec(old).controller ? [field.invalid('spec.controller', spec(obj).controller ?? '', 'field is immutable')] : [];
    },
  },
);
