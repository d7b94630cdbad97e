// AlwaysAdmit and AlwaysDeny (deprecated in kube, kept for its flags): the first admits everything,
// the second refuses every write in kube's words.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { admissionForbidden } from './admission-errors.js';

export function alwaysAdmit(): AdmissionPlugin {
  return { name: 'AlwaysAdmit', handles: () => true, admit: async () => undefined, validate: async () => {} };
}

export function alwaysDeny(): AdmissionPlugin {
  const deny = async (a: Parameters<NonNullable<AdmissionPlugin['validate']>>[0]) => {
    throw admissionForbidden(a, 'admission control is denying all modifications');
  };
  return { name: 'AlwaysDeny', handles: () => true, admit: deny, validate: deny };
}
