// flowcontrol.apiserver.k8s.io/v1 FlowSchema: which requests go to which priority level (API
// Priority and Fairness), the lowest matchingPrecedence first. Stored and validated, not enforced.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { FLOWCONTROL_GROUP } from '../prioritylevelconfiguration/strategy.js';
import { defineStrategy } from '../strategy.js';
import { column, findCondition, specOf, type Condition } from '../table-columns.js';

export interface FlowSubject {
  kind?: string;
  user?: { name?: string };
  group?: { name?: string };
  serviceAccount?: { namespace?: string; name?: string };
}

export interface FlowRules {
  subjects?: FlowSubject[];
  resourceRules?: { verbs?: string[]; apiGroups?: string[]; resources?: string[]; clusterScope?: boolean; namespaces?: string[] }[];
  nonResourceRules?: { verbs?: string[]; nonResourceURLs?: string[] }[];
}

export interface FlowSchemaSpec {
  priorityLevelConfiguration?: { name?: string };
  matchingPrecedence?: number;
  distinguisherMethod?: { type?: string };
  rules?: FlowRules[];
}

const DISTINGUISHERS = ['ByNamespace', 'ByUser'];
const SUBJECT_KINDS = ['Group', 'ServiceAccount', 'User'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as FlowSchemaSpec;

function validateSubject(s: FlowSubject, at: string): FieldError[] {
  switch (s.kind) {
    case 'User':
      return s.user?.name ? [] : [field.required(`${at}.user.name`, 'username is required')];
    case 'Group':
      return s.group?.name ? [] : [field.required(`${at}.group.name`, 'name is required')];
    case 'ServiceAccount': {
      const errs: FieldError[] = [];
      if (!s.serviceAccount?.name) errs.push(field.required(`${at}.serviceAccount.name`, "must be non-empty, use '*' to match all service accounts"));
      if (!s.serviceAccount?.namespace) errs.push(field.required(`${at}.serviceAccount.namespace`));
      return errs;
    }
    case undefined:
    case '':
      return [field.required(`${at}.kind`)];
    default:
      return [field.notSupported(`${at}.kind`, s.kind, SUBJECT_KINDS)];
  }
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  if (!s.priorityLevelConfiguration?.name) errs.push(field.required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  const precedence = s.matchingPrecedence ?? 0;
  if (precedence <= 0 || precedence > 10000) errs.push(field.invalid('spec.matchingPrecedence', precedence, 'must be between 1 and 10000 inclusive'));
  const dm = s.distinguisherMethod?.type;
  if (s.distinguisherMethod && !DISTINGUISHERS.includes(dm ?? '')) errs.push(field.notSupported('spec.distinguisherMethod.type', dm ?? '', DISTINGUISHERS));
  (s.rules ?? []).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (!rule?.subjects?.length) errs.push(field.required(`${at}.subjects`, 'subjects must contain at least one value'));
    (rule?.subjects ?? []).forEach((subject, j) => errs.push(...validateSubject(subject ?? {}, `${at}.subjects[${j}]`)));
    if (!rule?.resourceRules?.length && !rule?.nonResourceRules?.length) {
      errs.push(field.required(`${at}.resourceRules`, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
    }
    (rule?.resourceRules ?? []).forEach((r, j) => {
      const rat = `${at}.resourceRules[${j}]`;
      if (!r?.verbs?.length) errs.push(field.required(`${rat}.verbs`, 'verbs must contain at least one value'));
      if (!r?.apiGroups?.length) errs.push(field.required(`${rat}.apiGroups`, 'resource rules must supply at least one api group'));
      if (!r?.resources?.length) errs.push(field.required(`${rat}.resources`, 'resource rules must supply at least one resource'));
      if (!r?.clusterScope && !r?.namespaces?.length) errs.push(field.required(`${rat}.namespaces`, 'resource rules that are not cluster scoped must supply at least one namespace'));
    });
    (rule?.nonResourceRules ?? []).forEach((r, j) => {
      const nat = `${at}.nonResourceRules[${j}]`;
      if (!r?.verbs?.length) errs.push(field.required(`${nat}.verbs`, 'verbs must contain at least one value'));
      if (!r?.nonResourceURLs?.length) errs.push(field.required(`${nat}.nonResourceURLs`, 'nonResourceURLs must contain at least one value'));
    });
  });
  return errs;
}

function applyDefaults(obj: KubeObject): void {
  const s = specOf<FlowSchemaSpec>(obj);
  s.matchingPrecedence ||= 1000;
}

export const flowSchemaStrategy = defineStrategy(
  {
    group: FLOWCONTROL_GROUP,
    version: 'v1',
    resource: 'flowschemas',
    kind: 'FlowSchema',
    namespaced: false,
    subresources: ['status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('PriorityLevel', 'string', '`priorityLevelConfiguration` should reference a PriorityLevelConfiguration in the cluster.', (obj) => spec(obj).priorityLevelConfiguration?.name ?? ''),
      column('MatchingPrecedence', 'string', '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request.', (obj) => spec(obj).matchingPrecedence ?? 0),
      column('DistinguisherMethod', 'string', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema.', (obj) => spec(obj).distinguisherMethod?.type || '<none>'),
      ageColumn,
      column('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration', (obj) => {
        const dangling = findCondition((obj.status as { conditions?: Condition[] } | undefined)?.conditions, 'Dangling');
        return dangling?.status ?? '?';
      }),
    ],
    defaults: applyDefaults,
    prepareForCreate(obj) {
      obj.status = {};
    },
    validate,
  },
);
