// AlwaysPullImages (off by default): every container of a pod pulls its image always, so a node's
// cached image is never used by a pod that could not pull it itself. An update that brings no new
// image is left alone.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { StatusError } from '@kapi/api-machinery';
import { admissionForbidden, aggregate, isResource } from './admission-errors.js';
import { containersWithPaths, specOf } from './pods.js';

function updateWithNoNewImages(a: AdmissionAttributes): boolean {
  if (a.operation !== 'UPDATE' || !a.oldObject) return false;
  const old = new Set(containersWithPaths(specOf(structuredClone(a.oldObject))).map(({ container }) => container.image));
  return containersWithPaths(specOf(a.object!)).every(({ container }) => old.has(container.image));
}

const ignored = (a: AdmissionAttributes) => a.subresource !== '' || !isResource(a, '', 'pods') || !a.object || updateWithNoNewImages(a);

export function alwaysPullImages(): AdmissionPlugin {
  return {
    name: 'AlwaysPullImages',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async admit(a) {
      if (ignored(a)) return undefined;
      for (const { container } of containersWithPaths(specOf(a.object!))) container.imagePullPolicy = 'Always';
      return a.object;
    },
    async validate(a) {
      if (ignored(a)) return;
      const errs = containersWithPaths(specOf(a.object!))
        .filter(({ container }) => container.imagePullPolicy !== 'Always')
        .map(({ container, path }) => admissionForbidden(a, `${path}.imagePullPolicy: Unsupported value: ${JSON.stringify(container.imagePullPolicy ?? '')}: supported values: "Always"`).message);
      // kube hands back an aggregate of Forbidden errors, which is no Status: a 500 with their text.
      if (errs.length) throw StatusError.fromStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: '', message: aggregate(errs) });
    },
  };
}
