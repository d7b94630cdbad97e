// How DefaultStorageClass and DefaultIngressClass pick the default class: the classes annotated as
// default; of several, the newest, then the first by name.
import type { KubeObject } from '@kapi/api-machinery';

export function newestDefault(classes: KubeObject[], isDefault: (c: KubeObject) => boolean): KubeObject | undefined {
  const time = (c: KubeObject) => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  return classes
    .filter(isDefault)
    .sort((a, b) => time(b) - time(a) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))[0];
}
