// ResourceQuota (on by default): a create, or an update that changes what an object uses (a
// Service's type, a claim's size, a pod's resize), is refused when it would take a namespace past a
// quota (`exceeded quota: <name>, requested: …, used: …, limited: …`), and when admitted its usage is
// recorded in each quota's status.used before the object is stored — kube's admission plugin with
// kube's evaluators (@kapi/quota). Requests of one namespace are evaluated in batches, one batch at a
// time, so concurrent creates share one status write per quota; a write that conflicts (another
// admission replica, or the quota controller, wrote first) is retried on the quota as it now stands,
// so no usage is lost. Dry runs are checked but not recorded. The plugin's configuration
// (AdmissionConfiguration) may name limitedResources: consumption that needs a covering quota.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { internalError, isStatusError, StatusError } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import {
  checkRequest,
  equals,
  isIgnoredResource,
  QuotaEvaluators,
  QuotaForbidden,
  statusHard,
  statusUsed,
  type Evaluator,
  type LimitedResource,
  type WorkingQuota,
} from '@kapi/quota';
import { admissionForbidden, aggregate, isKind } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { QuotaAccessor } from './resource-quota-access.js';

/** How long a request waits for its batch (kube's 10 s), then 500 `resource quota evaluation timed out`. */
const EVALUATION_TIMEOUT_MS = 10_000;
/**
 * How often a conflicting status write is tried again. kube's checkQuotas tries 3 more times, but
 * there one apiserver's per-namespace queue serialises a namespace's writes and only the quota
 * controller competes; kapi's admission replicas each batch on their own and race for the same
 * quota, so they try longer, after a short random pause that lets the replicas fall out of step.
 */
const WRITE_RETRIES = 10;
const RETRY_PAUSE_MS = 5;

const CONFIGURATION_KINDS = [
  ['apiserver.config.k8s.io/v1', 'ResourceQuotaConfiguration'],
  ['resourcequota.admission.k8s.io/v1', 'Configuration'],
  ['resourcequota.admission.k8s.io/v1beta1', 'Configuration'],
  ['resourcequota.admission.k8s.io/v1alpha1', 'Configuration'],
];

/** The plugin's configuration (kube's LoadConfiguration and ValidateConfiguration): its limitedResources. */
export function parseResourceQuotaConfiguration(raw: unknown): LimitedResource[] {
  if (raw === undefined || raw === null) return [];
  const doc = raw as { apiVersion?: string; kind?: string; limitedResources?: unknown };
  if (typeof raw !== 'object' || !CONFIGURATION_KINDS.some(([apiVersion, kind]) => doc.apiVersion === apiVersion && doc.kind === kind)) {
    throw new ConfigError(`ResourceQuota: the configuration is not an apiserver.config.k8s.io/v1 ResourceQuotaConfiguration (apiVersion ${JSON.stringify(doc.apiVersion ?? '')}, kind ${JSON.stringify(doc.kind ?? '')})`);
  }
  const limited = Array.isArray(doc.limitedResources) ? (doc.limitedResources as LimitedResource[]) : [];
  const errs = limited.flatMap((l, i) => (typeof l?.resource === 'string' && l.resource ? [] : [`limitedResources[${i}].resource: Required value`]));
  if (errs.length) throw new ConfigError(`ResourceQuota: invalid configuration: ${aggregate(errs)}`);
  return limited;
}

type Outcome = { state: 'pending' } | { state: 'admitted' } | { state: 'refused'; error: unknown };

interface Waiter {
  attributes: AdmissionAttributes;
  evaluator: Evaluator;
  outcome: Outcome;
  done: (outcome: Outcome) => void;
}

const isPending = (w: Waiter) => w.outcome.state === 'pending';

/** kube's quotaEvaluator: requests queued by namespace, each namespace's checked as one batch at a time. */
class QuotaBatches {
  private readonly queued = new Map<string, Waiter[]>();
  private readonly running = new Set<string>();

  constructor(
    private readonly access: QuotaAccessor,
    private readonly limited: LimitedResource[],
  ) {}

  evaluate(attributes: AdmissionAttributes, evaluator: Evaluator): Promise<void> {
    const namespace = attributes.resource.namespace;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(internalError('resource quota evaluation timed out')), EVALUATION_TIMEOUT_MS);
      const done = (outcome: Outcome) => {
        clearTimeout(timer);
        if (outcome.state === 'refused') reject(outcome.error);
        else resolve();
      };
      const queue = this.queued.get(namespace) ?? [];
      queue.push({ attributes, evaluator, outcome: { state: 'pending' }, done });
      this.queued.set(namespace, queue);
      if (!this.running.has(namespace)) void this.drain(namespace);
    });
  }

  private async drain(namespace: string): Promise<void> {
    this.running.add(namespace);
    try {
      for (let batch = this.queued.get(namespace); batch?.length; batch = this.queued.get(namespace)) {
        this.queued.delete(namespace);
        await this.checkBatch(namespace, batch).catch((error) => {
          for (const w of batch!) if (isPending(w)) w.outcome = { state: 'refused', error };
        });
        // Whatever is still undecided was waiting on a write that never succeeded: kube's default deny.
        for (const w of batch) w.done(isPending(w) ? { state: 'refused', error: internalError('resource quota evaluation failed') } : w.outcome);
      }
    } finally {
      this.running.delete(namespace);
    }
  }

  private async checkBatch(namespace: string, batch: Waiter[]): Promise<void> {
    const quotas = await this.access.quotas(namespace);
    if (!quotas.length && !this.limited.length) {
      for (const w of batch) w.outcome = { state: 'admitted' };
      return;
    }
    await this.checkQuotas(namespace, quotas.map((quota) => ({ quota, hard: statusHard(quota), used: statusUsed(quota) })), batch, WRITE_RETRIES);
  }

  /**
   * kube's checkQuotas: every request against the running usage, then one write per quota that
   * changed; a request is admitted once the writes it needs have succeeded. After a conflict, the
   * quotas whose write failed are read again and the requests still undecided checked against them.
   * (kube checks every request again, so one refused by a quota that was written could pass on a
   * retry that no longer includes it; a refusal here is final.)
   */
  private async checkQuotas(namespace: string, quotas: WorkingQuota[], batch: Waiter[], retries: number): Promise<void> {
    const original = quotas;
    let changed = false;
    for (const w of batch) {
      if (w.outcome.state === 'refused') continue;
      let next: WorkingQuota[];
      try {
        next = checkRequest(quotas, { ...w.attributes, namespace, resource: w.attributes.resource }, w.evaluator, this.limited);
      } catch (error) {
        w.outcome = { state: 'refused', error: this.refusal(w.attributes, error) };
        continue;
      }
      if (w.attributes.dryRun) {
        w.outcome = { state: 'admitted' };
        continue;
      }
      if (next.some((q, i) => !equals(quotas[i].used, q.used))) changed = true;
      else w.outcome = { state: 'admitted' };
      quotas = next;
    }
    if (!changed) return;

    const failed: WorkingQuota[] = [];
    let lastError: unknown;
    for (const [i, quota] of quotas.entries()) {
      if (equals(original[i].used, quota.used)) continue;
      try {
        await this.access.writeUsage(quota);
      } catch (error) {
        failed.push(quota);
        lastError = error;
      }
    }
    const decide = (outcome: Outcome) => {
      for (const w of batch) if (isPending(w)) w.outcome = outcome;
    };
    if (!failed.length) return decide({ state: 'admitted' });
    if (retries <= 0) return decide({ state: 'refused', error: lastError });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_PAUSE_MS * (WRITE_RETRIES - retries + 1)));
    let fresh;
    try {
      fresh = await this.access.fresh(namespace, failed.map((q) => q.quota.metadata?.name ?? ''));
    } catch {
      return decide({ state: 'refused', error: lastError });
    }
    const pending = batch.filter(isPending);
    await this.checkQuotas(namespace, fresh.map((quota) => ({ quota, hard: statusHard(quota), used: statusUsed(quota) })), pending, retries - 1);
  }

  /** kube's answers: admission.NewForbidden for quota's refusals, anything else passed on as it is. */
  private refusal(a: AdmissionAttributes, error: unknown): unknown {
    if (error instanceof QuotaForbidden) return admissionForbidden(a, error.message);
    if (isStatusError(error)) return error;
    return new StatusError('KAPI_ERR_ADMISSION_ERROR', error instanceof Error ? error.message : String(error));
  }
}

export function resourceQuota(context: PluginContext): AdmissionPlugin {
  if (!context.quotaStatus) throw new Error('ResourceQuota needs a writer of quota status (missing quotaAccessor.client)');
  const limited = parseResourceQuotaConfiguration(context.settings.pluginConfig('ResourceQuota'));
  const evaluators = new QuotaEvaluators(context.now ?? Date.now);
  const access = new QuotaAccessor(context.informers.informerFor(RESOURCES.resourceQuotas), context.api, context.quotaStatus, context.now);
  const batches = new QuotaBatches(access, limited);

  return {
    name: 'ResourceQuota',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(a) {
      // Subresources are the object's own business, but for a pod's resize, which changes what it uses.
      if (a.subresource && a.subresource !== 'resize') return;
      // Cluster-scoped objects, and a namespace being created, belong to no quota.
      if (!a.resource.namespace || (a.operation === 'CREATE' && isKind(a, '', 'Namespace'))) return;
      const resource = { group: a.resource.group, resource: a.resource.resource };
      if (isIgnoredResource(resource)) return;
      // A resource quota has no evaluator for is counted generically, for `count/<resource>.<group>`.
      const evaluator = evaluators.getOrCount(resource);
      if (!evaluator.handles(a)) return;
      await batches.evaluate(a, evaluator);
    },
  };
}
