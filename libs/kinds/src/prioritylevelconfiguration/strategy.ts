// flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration: a level of API Priority and Fairness,
// either Exempt (never queued) or Limited (a share of the concurrency, queuing or rejecting the
// excess). kapi stores and validates the configuration; it does not enforce it.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column, specOf } from '../table-columns.js';

export const FLOWCONTROL_GROUP = 'flowcontrol.apiserver.k8s.io';

export interface Queuing {
  queues?: number;
  handSize?: number;
  queueLengthLimit?: number;
}

export interface PriorityLevelSpec {
  type?: string;
  limited?: { nominalConcurrencyShares?: number; limitResponse?: { type?: string; queuing?: Queuing }; lendablePercent?: number; borrowingLimitPercent?: number };
  exempt?: { nominalConcurrencyShares?: number; lendablePercent?: number };
}

const TYPES = ['Exempt', 'Limited'];
const LIMIT_RESPONSES = ['Queue', 'Reject'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as PriorityLevelSpec;

/** flowcontrol/v1 defaults. */
function applyDefaults(obj: KubeObject): void {
  const s = specOf<PriorityLevelSpec>(obj);
  if (s.type === 'Exempt') {
    s.exempt ??= {};
    s.exempt.nominalConcurrencyShares ??= 0;
    s.exempt.lendablePercent ??= 0;
  }
  const limited = s.limited;
  if (limited && typeof limited === 'object') {
    limited.nominalConcurrencyShares ??= 30;
    limited.lendablePercent ??= 0;
    const q = limited.limitResponse?.queuing;
    if (q && typeof q === 'object') {
      q.handSize ||= 8;
      q.queues ||= 64;
      q.queueLengthLimit ||= 50;
    }
  }
}

function validatePercent(path: string, value: number | undefined): FieldError[] {
  if (value === undefined || value === null || (value >= 0 && value <= 100)) return [];
  return [field.invalid(path, value, 'must be between 0 and 100, inclusive')];
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const name = obj.metadata?.name ?? '';
  if (!s.type) errs.push(field.required('spec.type'));
  else if (!TYPES.includes(s.type)) errs.push(field.notSupported('spec.type', s.type, TYPES));
  if ((name === 'exempt') !== (s.type === 'Exempt') && s.type) errs.push(field.invalid('spec.type', s.type, "type must be 'Exempt' if and only if name is 'exempt'"));
  if (s.type === 'Limited') {
    if (s.exempt) errs.push(field.forbidden('spec.exempt', 'must be nil if the type is Limited'));
    const limited = s.limited;
    if (!limited) errs.push(field.required('spec.limited', 'must not be empty when type is Limited'));
    else {
      const shares = limited.nominalConcurrencyShares ?? 0;
      if (shares < 0) errs.push(field.invalid('spec.limited.nominalConcurrencyShares', shares, 'must be a non-negative integer'));
      errs.push(...validatePercent('spec.limited.lendablePercent', limited.lendablePercent));
      const response = limited.limitResponse ?? {};
      if (!response.type) errs.push(field.required('spec.limited.limitResponse.type'));
      else if (!LIMIT_RESPONSES.includes(response.type)) errs.push(field.notSupported('spec.limited.limitResponse.type', response.type, LIMIT_RESPONSES));
      if (response.type === 'Queue') {
        const q = response.queuing;
        if (!q) errs.push(field.required('spec.limited.limitResponse.queuing', 'must not be empty if type is Queue'));
        else {
          const at = 'spec.limited.limitResponse.queuing';
          if ((q.queueLengthLimit ?? 0) <= 0) errs.push(field.invalid(`${at}.queueLengthLimit`, q.queueLengthLimit ?? 0, 'must be positive'));
          if ((q.queues ?? 0) <= 0) errs.push(field.invalid(`${at}.queues`, q.queues ?? 0, 'must be positive'));
          if ((q.handSize ?? 0) <= 0) errs.push(field.invalid(`${at}.handSize`, q.handSize ?? 0, 'must be positive'));
          else if ((q.handSize ?? 0) > (q.queues ?? 0)) errs.push(field.invalid(`${at}.handSize`, q.handSize, `should not be greater than queues (${q.queues ?? 0})`));
        }
      } else if (response.queuing) errs.push(field.forbidden('spec.limited.limitResponse.queuing', 'must be nil if limited.limitResponse.type is not Limited'));
    }
  } else if (s.type === 'Exempt') {
    if (s.limited) errs.push(field.forbidden('spec.limited', 'must be nil if the type is not Limited'));
    errs.push(...validatePercent('spec.exempt.lendablePercent', s.exempt?.lendablePercent));
  }
  return errs;
}

const limitedCell = (pick: (l: NonNullable<PriorityLevelSpec['limited']>) => number | undefined) => (obj: KubeObject) => {
  const limited = spec(obj).limited;
  const value = limited ? pick(limited) : undefined;
  return value ?? '<none>';
};

export const priorityLevelConfigurationStrategy = defineStrategy(
  {
    group: FLOWCONTROL_GROUP,
    version: 'v1',
    resource: 'prioritylevelconfigurations',
    kind: 'PriorityLevelConfiguration',
    namespaced: false,
    subresources: ['status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Type', 'string', '`type` indicates whether this priority level is subject to limitation on request execution.', (obj) => spec(obj).type ?? ''),
      column('NominalConcurrencyShares', 'string', 'NominalConcurrencyShares indicates the nominal concurrency shares of this level.', limitedCell((l) => l.nominalConcurrencyShares)),
      column('Queues', 'string', '`queues` is the number of queues for this priority level.', limitedCell((l) => l.limitResponse?.queuing?.queues)),
      column('HandSize', 'string', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.', limitedCell((l) => l.limitResponse?.queuing?.handSize)),
      column('QueueLengthLimit', 'string', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.', limitedCell((l) => l.limitResponse?.queuing?.queueLengthLimit)),
      ageColumn,
    ],
    defaults: applyDefaults,
    prepareForCreate(obj) {
      obj.status = {};
    },
    validate,
  },
);
