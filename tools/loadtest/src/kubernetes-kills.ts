// --kill kubernetes: deletes pods of a Helm install of kapi (charts/kapi), one component at a time,
// through the cluster's own API server (--cluster-kubeconfig, not kapi's), found by the chart's
// selector labels (app.kubernetes.io/instance=<release>, app.kubernetes.io/component=<component>),
// and waits until the component has as many Ready pods as before, none of them the deleted one.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, readKubeconfig, requestWithRetries, type Endpoint } from '@kapi/chaos';
import type { Killer, KillTarget } from './killer.js';
import type { KillRecord } from './timeline.js';

/** The chart's components in kill order; etcd is left out (see notes). */
export const CHART_COMPONENTS: ReadonlyArray<{ component: string; what: string }> = [
  { component: 'aggregator', what: 'front door' },
  { component: 'authn', what: 'authn' },
  { component: 'authz', what: 'authz' },
  { component: 'admission', what: 'admission' },
  { component: 'registry', what: 'registry (etcd writer)' },
  { component: 'watch-cache', what: 'watch-cache' },
  { component: 'nats', what: 'NATS' },
];

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class KubernetesKiller implements Killer {
  readonly notes = [
    "Pods are deleted with the API's default grace period, as a node drain or a rolling update would; the chart's PodDisruptionBudgets are not consulted (a delete is not an eviction).",
    "The chart's etcd pod is not deleted: the integrity checks watch etcd directly at the pod's address, which a new pod would not keep.",
  ];
  private readonly client: ApiClient;
  private readonly endpoint: Endpoint;

  constructor(
    kubeconfig: string,
    private readonly release: string,
    private readonly namespace: string,
  ) {
    const target = readKubeconfig(kubeconfig);
    this.client = new ApiClient(target.tls);
    this.endpoint = { name: 'cluster', url: target.server };
  }

  private async pods(component: string): Promise<Pod[]> {
    const selector = `app.kubernetes.io/instance=${this.release},app.kubernetes.io/component=${component}`;
    const response = await requestWithRetries(this.client, this.endpoint, 'GET', `/api/v1/namespaces/${this.namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
    if (response.status !== 200) throw new Error(`listing the ${component} pods of release ${this.release} in ${this.namespace}: ${response.status} ${response.text.slice(0, 200)}`);
    return ((response.body as { items: Pod[] }).items ?? []).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  async plan(): Promise<KillTarget[]> {
    const plan: KillTarget[] = [];
    for (const { component, what } of CHART_COMPONENTS) {
      const pods = await this.pods(component);
      if (pods.length === 0) continue;
      plan.push({ instance: component, component: `${what}${pods.length > 1 ? ` (1 of ${pods.length})` : ' (its only replica)'}` });
    }
    if (plan.length === 0) throw new Error(`--kill kubernetes: no pods of release ${this.release} in namespace ${this.namespace}`);
    return plan;
  }

  /** The chart's etcd at its pod's address, for the direct watch of the integrity checks. */
  async etcdUrl(): Promise<string | undefined> {
    const ip = (await this.pods('etcd')).find(isReady)?.status?.podIP;
    return ip ? `http://${ip}:2379` : undefined;
  }

  async kill(target: KillTarget, record: KillRecord, onKilled?: () => void, timeoutMs = 180_000): Promise<void> {
    const before = await this.pods(target.instance);
    const ready = before.filter(isReady);
    const victim = ready[ready.length - 1];
    record.at = Date.now();
    if (!victim) {
      record.error = `no Ready ${target.instance} pod to delete`;
      return;
    }
    record.target = victim.metadata.name;
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
}
