// autoscaling/v1 HorizontalPodAutoscaler: the same objects autoscaling/v2 serves, under the same etcd
// keys, as kube serves both versions of one resource and stores them in one. The objects are stored
// in v2's shape and converted at the storage boundary (./v1-conversion.ts); v1's own default is
// minReplicas 1, the rest (CPU at 80%, the behavior's policies) is v2's once converted. Validation and
// the printed columns are v2's over the converted object, as kube's work on its internal type.
import { isDns1123Subdomain, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy, type StorageConversion } from '../strategy.js';
import { specOf } from '../workload/replicated.js';
import { horizontalPodAutoscalerStrategy as v2 } from './strategy.js';
import { hpaV1ToV2, hpaV2ToV1 } from './v1-conversion.js';

/** To storage (v2), with v2's defaults, which kube applies when it decodes the stored object. */
function toStorage(obj: KubeObject): KubeObject {
  const stored = hpaV1ToV2(obj);
  v2.defaults?.(stored);
  return stored;
}

const conversion: StorageConversion = { toStorage, fromStorage: hpaV2ToV1 };

export const horizontalPodAutoscalerV1Strategy = defineStrategy(
  // The same resource, names and subresources (status) as v2.
  { ...v2.info, version: 'v1', storageVersion: { group: v2.info.group, version: v2.info.version, kind: v2.info.kind } },
  {
    validateName: isDns1123Subdomain,
    storageConversion: conversion,
    // kube prints an HPA the same way whichever version it is read through.
    tableColumns: v2.tableColumns.map((c) => ({ ...c, cell: (obj, now) => c.cell(hpaV1ToV2(obj), now) })),
    // SetDefaults_HorizontalPodAutoscaler (autoscaling/v1).
    defaults: (obj) => {
      specOf<{ minReplicas?: number }>(obj).minReplicas ??= 1;
    },
    prepareForCreate: (obj) => {
      obj.status = { currentReplicas: 0, desiredReplicas: 0 };
    },
    validate: (obj) => v2.validate(hpaV1ToV2(obj)),
  },
);
