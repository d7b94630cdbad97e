// --kill kubernetes: deletes pods of a Helm install of kapi (charts/kapi), one component at a time,
// through the cluster's own API server (--cluster-kubeconfig, not kapi's), found by the chart's
// selector labels (app.kubernetes.io/instance=<release>, app.kubernetes.io/component=<component>),
// and waits until the component has as many Ready pods as before, none of them the deleted one.
// Then, with --helm-upgrade, a rolling `helm upgrade` of the whole release.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, lastElection, parseLogLines, readKubeconfig, requestWithRetries, type Endpoint } from '@kapi/chaos';
import type { Killer, KillTarget } from './killer.js';
import type { KillRecord } from './timeline.js';

/** The chart's components in kill order: kapi's services from the front door inwards, then what they stand on. */
export const CHART_COMPONENTS: ReadonlyArray<{ component: string; what: string }> = [
  { component: 'aggregator', what: 'front door' },
  { component: 'authn', what: 'authn' },
  { component: 'authz', what: 'authz' },
  { component: 'admission', what: 'admission' },
  { component: 'registry', what: 'registry (etcd writer)' },
  { component: 'watch-cache', what: 'watch-cache' },
  { component: 'nats', what: 'NATS' },
  { component: 'etcd', what: 'etcd member' },
];

/** The last step with --helm-upgrade: every pod of the release replaced, as a new version would. */
export const HELM_UPGRADE = 'helm-upgrade';

/** The annotation a rolling upgrade changes on every pod template (chart value podAnnotations). */
export const ROLLOUT_ANNOTATION = 'loadtest.kapi/rollout';

/** helm's --set path for a pod annotation: dots and slashes in the key escaped as helm wants. */
export function podAnnotationSetting(key: string, value: string): string {
  return `podAnnotations.${key.replace(/\./g, '\\.')}=${value}`;
}

interface Service {
  spec?: { clusterIP?: string; ports?: Array<{ name?: string; port: number }> };
}

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ state?: { running?: { startedAt?: string } } }> };
}

export function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class KubernetesKiller implements Killer {
  readonly notes = [
    "Pods are deleted with the API's default grace period, as a node drain or a rolling update would; the chart's PodDisruptionBudgets are not consulted (a delete is not an eviction).",
  ];
  private readonly client: ApiClient;
  private readonly endpoint: Endpoint;
  /** etcd's address for the direct watch is a pod's IP (no client Service): that pod is not deleted. */
  private etcdAtPodIp = false;

  constructor(
    private readonly kubeconfig: string,
    private readonly release: string,
    private readonly namespace: string,
    private readonly upgrade?: { chart: string; helm: string },
  ) {
    const target = readKubeconfig(kubeconfig);
    this.client = new ApiClient(target.tls);
    this.endpoint = { name: 'cluster', url: target.server };
  }

  private async listOf<T>(resource: 'pods' | 'services', component: string): Promise<T[]> {
    const selector = `app.kubernetes.io/instance=${this.release},app.kubernetes.io/component=${component}`;
    const response = await requestWithRetries(this.client, this.endpoint, 'GET', `/api/v1/namespaces/${this.namespace}/${resource}?labelSelector=${encodeURIComponent(selector)}`);
    if (response.status !== 200) throw new Error(`listing the ${component} ${resource} of release ${this.release} in ${this.namespace}: ${response.status} ${response.text.slice(0, 200)}`);
    return (response.body as { items: T[] }).items ?? [];
  }

  private async pods(component: string): Promise<Pod[]> {
    return (await this.listOf<Pod>('pods', component)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  async plan(): Promise<KillTarget[]> {
    const plan: KillTarget[] = [];
    for (const { component, what } of CHART_COMPONENTS) {
      if (component === 'etcd' && this.etcdAtPodIp) continue;
      const pods = await this.pods(component);
      if (pods.length === 0) continue;
      plan.push({ instance: component, component: `${what}${pods.length > 1 ? ` (1 of ${pods.length})` : ' (its only replica)'}` });
    }
    if (plan.length === 0) throw new Error(`--kill kubernetes: no pods of release ${this.release} in namespace ${this.namespace}`);
    if (this.upgrade) plan.push({ instance: HELM_UPGRADE, component: `every pod of release ${this.release} (rolling helm upgrade)` });
    return plan;
  }

  /**
   * The chart's etcd for the direct watch of the integrity checks: its client Service's ClusterIP
   * (kube-proxy routes the node's own traffic there), which outlives any member's pod; a chart
   * without that Service gives a pod's IP, and then etcd's pods are not deleted.
   */
  async etcdUrl(): Promise<string | undefined> {
    const clientService = (await this.listOf<Service>('services', 'etcd')).find((s) => s.spec?.clusterIP && s.spec.clusterIP !== 'None');
    const port = clientService?.spec?.ports?.find((p) => p.name === 'client')?.port ?? 2379;
    if (clientService) return `http://${clientService.spec!.clusterIP}:${port}`;
    const ip = (await this.pods('etcd')).find(isReady)?.status?.podIP;
    if (!ip) return undefined;
    this.etcdAtPodIp = true;
    this.notes.push(`The etcd pods are not deleted: the chart has no etcd client Service, so the integrity checks watch etcd at a pod's address (${ip}), which a new pod would not keep.`);
    return `http://${ip}:2379`;
  }

  async kill(target: KillTarget, record: KillRecord, onKilled?: () => void, timeoutMs = 180_000): Promise<void> {
    if (target.instance === HELM_UPGRADE) return this.rollingUpgrade(record, onKilled);
    const before = await this.pods(target.instance);
    const ready = before.filter(isReady);
    const publisher = target.instance === 'registry' && ready.length > 1 ? await this.electedPublisher(ready) : undefined;
    const victim = publisher ?? ready[ready.length - 1];
    record.at = Date.now();
    if (!victim) {
      record.error = `no Ready ${target.instance} pod to delete`;
      return;
    }
    record.target = victim.metadata.name;
    if (publisher) record.component = target.component.replace('registry (etcd writer)', 'registry (etcd writer, the elected event publisher)');
    const deleted = await requestWithRetries(this.client, this.endpoint, 'DELETE', `/api/v1/namespaces/${this.namespace}/pods/${victim.metadata.name}`);
    if (deleted.status !== 200) {
      record.error = `deleting pod ${victim.metadata.name}: ${deleted.status} ${deleted.text.slice(0, 200)}`;
      return;
    }
    onKilled?.();
    const deadline = record.at + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(1000);
      const now = await this.pods(target.instance).catch(() => undefined);
      if (!now) continue;
      const readyNow = now.filter(isReady);
      if (!now.some((pod) => pod.metadata.uid === victim.metadata.uid) && readyNow.length >= ready.length) {
        record.backAt = Date.now();
        return;
      }
    }
    record.error = `${target.instance} did not have ${ready.length} Ready pods again within ${Math.round(timeoutMs / 1000)} s of deleting ${victim.metadata.name}`;
  }

  /**
   * Of several registry pods, the one that publishes etcd's events: its log (read through the
   * cluster's API) says `elected event publisher` last since its container started; so that the
   * election and the publishing move to another replica, as --kill local does.
   */
  private async electedPublisher(registries: Pod[]): Promise<Pod | undefined> {
    let best: { pod: Pod; at: number } | undefined;
    for (const pod of registries) {
      const log = await requestWithRetries(this.client, this.endpoint, 'GET', `/api/v1/namespaces/${this.namespace}/pods/${pod.metadata.name}/log`);
      if (log.status !== 200) continue;
      const startedAt = Date.parse(pod.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '') || 0;
      const at = lastElection(parseLogLines(log.text), startedAt - 1000);
      if (at !== undefined && (!best || at > best.at)) best = { pod, at };
    }
    return best?.pod;
  }

  /**
   * `helm upgrade --reuse-values --wait` with one pod annotation changed, so that every Deployment
   * and StatefulSet of the release rolls its pods as a new version would; done when helm is and
   * every component has as many Ready pods as before.
   */
  private async rollingUpgrade(record: KillRecord, onStarted?: () => void): Promise<void> {
    const { chart, helm } = this.upgrade!;
    const readyBefore = new Map<string, number>();
    for (const { component } of CHART_COMPONENTS) readyBefore.set(component, (await this.pods(component)).filter(isReady).length);
    record.at = Date.now();
    record.target = `release ${this.release}`;
    const args = ['upgrade', this.release, chart, '--namespace', this.namespace, '--kubeconfig', this.kubeconfig, '--reuse-values'];
    args.push('--set-string', podAnnotationSetting(ROLLOUT_ANNOTATION, new Date(record.at).toISOString()), '--wait', '--timeout', '15m');
    const upgrade = new Promise<string | undefined>((resolve) =>
      execFile(helm, args, { timeout: 16 * 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => resolve(err ? `${helm} ${args.join(' ')}: ${(stderr || err.message).trim().slice(0, 400)}` : undefined)),
    );
    onStarted?.();
    const failed = await upgrade;
    if (failed) {
      record.error = failed;
      return;
    }
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const short: string[] = [];
      for (const [component, ready] of readyBefore) {
        const now = (await this.pods(component).catch(() => [])).filter(isReady).length;
        if (now < ready) short.push(`${component} ${now}/${ready}`);
      }
      if (short.length === 0) {
        record.backAt = Date.now();
        return;
      }
      await sleep(1000);
    }
    record.error = `after helm upgrade, not every component had its Ready pods again within 180 s`;
  }
}
