// What apiextensions-apiserver's naming and establishing controllers make of a CRD's status: the
// names it may serve under (each requested name is accepted unless another CRD of the same group has
// accepted it: resources share plural, singular and short names, kinds share kind and list kind), the
// NamesAccepted condition (the last conflict found is the one reported, as kube reports it) and the
// Established condition, which turns True once the names are accepted and stays True from then on.
// kube sets Established in a second step (`Installing`, then `InitialNamesAccepted`) so that its
// handler serves the resource first; kapi's services serve a CRD as soon as they read it established,
// reading it from storage when a request comes first, so the two steps are one write here.
import type { CrdCondition, CrdNames, CustomResourceDefinition } from './strategy.js';

export interface CrdStatusChange {
  acceptedNames: CrdNames;
  conditions: CrdCondition[];
}

function inUse(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if ((requested ?? '') === (accepted ?? '') || !used.has(requested ?? '')) return undefined;
  return `${JSON.stringify(requested ?? '')} is already in use`;
}

const sameList = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** The names and conditions the CRD should have, given every other CRD (those of other groups are ignored). */
export function crdNamesAndConditions(crd: CustomResourceDefinition, all: readonly CustomResourceDefinition[], now: string): CrdStatusChange {
  const group = crd.spec?.group ?? '';
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of all) {
    if (other.metadata?.name === crd.metadata?.name || other.spec?.group !== group) continue;
    const names = other.status?.acceptedNames ?? {};
    for (const n of [names.plural, names.singular, ...(names.shortNames ?? [])]) if (n) resources.add(n);
    for (const n of [names.kind, names.listKind]) if (n) kinds.add(n);
  }
  const requested = crd.spec?.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const next: CrdNames = { ...accepted };
  let conflict: { reason: string; message: string } | undefined;
  const check = (reason: string, problem: string | undefined, accept: () => void) => {
    if (problem) conflict = { reason, message: problem };
    else accept();
  };
  check('PluralConflict', inUse(requested.plural, accepted.plural, resources), () => (next.plural = requested.plural));
  check('SingularConflict', inUse(requested.singular, accepted.singular, resources), () => (next.singular = requested.singular));
  if (!sameList(requested.shortNames, accepted.shortNames)) {
    const own = new Set(accepted.shortNames ?? []);
    const problems = (requested.shortNames ?? []).filter((n) => !own.has(n)).flatMap((n) => inUse(n, '', resources) ?? []);
    // kube's aggregate error: one message, or several in brackets.
    const message = problems.length > 1 ? `[${problems.join(', ')}]` : problems[0];
    check('ShortNamesConflict', message, () => (next.shortNames = requested.shortNames));
  }
  check('KindConflict', inUse(requested.kind, accepted.kind, kinds), () => (next.kind = requested.kind));
  check('ListKindConflict', inUse(requested.listKind, accepted.listKind, kinds), () => (next.listKind = requested.listKind));
  next.categories = requested.categories;

  const previous = (type: string) => crd.status?.conditions?.find((c) => c.type === type);
  const namesAccepted: CrdCondition = conflict
    ? { type: 'NamesAccepted', status: 'False', ...conflict }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  let established: CrdCondition = previous('Established') ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && namesAccepted.status === 'True') {
    established = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  }
  const conditions = [namesAccepted, established].map((c) => withTransitionTime(c, previous(c.type!), now));
  const others = (crd.status?.conditions ?? []).filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established');
  return { acceptedNames: clean(next), conditions: [...conditions, ...others] };
}

/** A condition keeps its transition time while its status stays (kube's SetCRDCondition). */
function withTransitionTime(c: CrdCondition, old: CrdCondition | undefined, now: string): CrdCondition {
  const time = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type: c.type, status: c.status, lastTransitionTime: time, reason: c.reason, message: c.message };
}

/** acceptedNames as kube stores them: plural and kind always, the rest when set. */
function clean(names: CrdNames): CrdNames {
  const out: CrdNames = { plural: names.plural ?? '', kind: names.kind ?? '' };
  if (names.singular) out.singular = names.singular;
  if (names.shortNames?.length) out.shortNames = names.shortNames;
  if (names.listKind) out.listKind = names.listKind;
  if (names.categories?.length) out.categories = names.categories;
  return out;
}

/** Whether the status already says what `change` says (nothing to write). */
export function crdStatusIsCurrent(crd: CustomResourceDefinition, change: CrdStatusChange): boolean {
  const strip = (cs: CrdCondition[] | undefined) => (cs ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message }));
  return JSON.stringify(clean(crd.status?.acceptedNames ?? {})) === JSON.stringify(change.acceptedNames) && JSON.stringify(strip(crd.status?.conditions)) === JSON.stringify(strip(change.conditions));
}
